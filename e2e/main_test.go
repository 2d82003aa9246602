//go:build linux

package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// Environment variables the harness reads.
const (
	// envBin names a prebuilt peerline binary to test instead of building
	// one (it must have been built with the webkit2_41 tag on Linux).
	envBin = "PEERLINE_E2E_BIN"
	// envSignalBin names a prebuilt peerline-signal binary.
	envSignalBin = "PEERLINE_E2E_SIGNAL_BIN"
	// envRace=1 builds both binaries with -race: data races in the app
	// then end the process (exit 66) and fail the test that ran it.
	envRace = "PEERLINE_E2E_RACE"
	// envLogs=1 copies every instance's stderr to the test log as it
	// comes, not only when a test fails.
	envLogs = "PEERLINE_E2E_LOGS"
)

var figures = flag.Bool("figures", false, "run TestFigures: repeat the latency measurements (-samples times) and log medians")
var samples = flag.Int("samples", 5, "samples per figure for TestFigures")

var (
	// skipReason is why the tests cannot run here ("" if they can).
	skipReason string
	// buildErr is set when the binaries could not be built.
	buildErr error
	// peerlineBin and signalBin are the binaries under test.
	peerlineBin, signalBin string
	// buildTime is how long building them took.
	buildTime time.Duration
)

func TestMain(m *testing.M) {
	flag.Parse()
	var tmp string
	switch {
	case testing.Short():
		skipReason = "e2e tests start real processes in network namespaces; skipped with -short"
	default:
		skipReason = netnstest.Unavailable()
	}
	if skipReason == "" {
		netnstest.Sweep()
		var err error
		tmp, err = os.MkdirTemp("", "peerline-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			os.Exit(1)
		}
		start := time.Now()
		buildErr = buildBinaries(tmp)
		buildTime = time.Since(start)
	}
	code := m.Run()
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	os.Exit(code)
}

// buildBinaries builds peerline and peerline-signal into dir, unless the
// environment names prebuilt ones.
func buildBinaries(dir string) error {
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("e2e: repository root not at %s: %w", root, err)
	}
	race := os.Getenv(envRace) == "1"
	build := func(out string, args ...string) error {
		full := []string{"build"}
		if race {
			full = append(full, "-race")
		}
		full = append(full, "-o", out)
		full = append(full, args...)
		cmd := exec.Command("go", full...)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("e2e: go %s: %w\n%s", strings.Join(full, " "), err, b)
		}
		return nil
	}
	if peerlineBin = os.Getenv(envBin); peerlineBin == "" {
		if _, err := os.Stat(filepath.Join(root, "frontend", "dist", "index.html")); err != nil {
			return fmt.Errorf("e2e: frontend/dist is missing (main.go embeds it): run `make frontend` first")
		}
		peerlineBin = filepath.Join(dir, "peerline")
		if err := build(peerlineBin, "-tags", "webkit2_41", "."); err != nil {
			return err
		}
	}
	if signalBin = os.Getenv(envSignalBin); signalBin == "" {
		signalBin = filepath.Join(dir, "peerline-signal")
		if err := build(signalBin, "./signaling/cmd/peerline-signal"); err != nil {
			return err
		}
	}
	return nil
}

// requireE2E skips t where namespaces cannot be made and fails it when the
// binaries did not build.
func requireE2E(t testing.TB) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}
