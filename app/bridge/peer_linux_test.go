package bridge

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/app/bridge/bridgetest"
	"github.com/peerline/peerline/internal/otheraccount"
)

// envDial makes TestHelperDial a client: "BASE TOKEN".
const envDial = "PEERLINE_BRIDGE_TEST_DIAL"

// TestHelperDial is not a test: run by TestOtherAccountIsRefused as another
// account, it asks the bridge for /api/info with the right token and
// prints what happened.
func TestHelperDial(t *testing.T) {
	arg := os.Getenv(envDial)
	if arg == "" {
		t.Skip("a helper process of TestOtherAccountIsRefused")
	}
	base, token, _ := strings.Cut(arg, " ")
	req, _ := http.NewRequest(http.MethodGet, base+"/api/info", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("status %d %s\n", resp.StatusCode, body)
}

// Defence in depth: even with the token, a connection from another
// account's socket gets nothing; the same request from this account works.
func TestOtherAccountIsRefused(t *testing.T) {
	otheraccount.Require(t)
	h := start(t, Config{})
	bin := otheraccount.Executable(t)
	run := func(cmd *exec.Cmd) string {
		cmd.Env = append(cmd.Env, envDial+"="+h.base+" "+h.token)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
		}
		return string(out)
	}
	args := []string{"-test.run=^TestHelperDial$", "-test.v"}
	if out := run(exec.Command(bin, args...)); !strings.Contains(out, "status 200") {
		t.Fatalf("this account's own request failed:\n%s", out)
	}
	out := run(otheraccount.Command(bin, args...))
	if !strings.Contains(out, "refused:") || strings.Contains(out, "status ") {
		t.Fatalf("the other account's request got an answer:\n%s", out)
	}
	waitFor(t, "the refusal in the log", func() bool {
		return strings.Contains(h.logs.String(), "refused a connection from another account") && strings.Contains(h.logs.String(), fmt.Sprintf("uid=%d", otheraccount.UID))
	})
}

// The credential names on the wire are the ones the test client speaks.
func TestBridgetestSpeaksTheCredential(t *testing.T) {
	if bridgetest.Subprotocol != Subprotocol || bridgetest.TokenProtocolPrefix != TokenProtocolPrefix {
		t.Fatal("bridgetest's credential names differ from the bridge's")
	}
}
