package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// The crash test: a child process (this test binary, re-executed to run
// only TestCrashChild) writes in a tight loop from two goroutines and
// prints "ack <kind> <n>" after each write returns nil. The parent kills
// it with SIGKILL at a random moment, reopens the file, checks its
// integrity and that every acknowledged write is there, and repeats.

const (
	crashEnvDB    = "PEERLINE_STORE_CRASH_DB"
	crashEnvRound = "PEERLINE_STORE_CRASH_ROUND"
	crashRounds   = 6
)

// crashPeer is contact n's identity: the child adds it with its key
// pinned.
func crashPeer(n int) (identity.PeerID, ed25519.PublicKey) { return seedPeer("crash peer", n) }

// crashNewKey is the new identity the child records for contact n.
func crashNewKey(n int) ed25519.PublicKey {
	_, k := seedPeer("crash new identity", n)
	return k
}

func crashCallID(n int) string { return "crash-" + strconv.Itoa(n) }

// crashGroup is call n's group: legs of three share the first's id.
func crashGroup(n int) string {
	if n%3 == 0 {
		return ""
	}
	return crashCallID(n - n%3)
}

// TestCrashChild is the writer process of TestCrashKill9; it does nothing
// when run normally.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnvDB)
	if path == "" {
		t.Skip("helper process of TestCrashKill9")
	}
	round, _ := strconv.Atoi(os.Getenv(crashEnvRound))
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	ack := func(kind string, n int) {
		mu.Lock()
		fmt.Fprintf(os.Stdout, "ack %s %d\n", kind, n) // one write(2): a line is whole or absent
		mu.Unlock()
	}
	die := func(err error) {
		mu.Lock()
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("ready")
	base := round * 1_000_000
	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // contacts: add with a pinned key, then a new identity
		defer wg.Done()
		for i := 0; time.Now().Before(deadline); i++ {
			n := base + i
			id, key := crashPeer(n)
			if _, err := s.AddContact(ctx, Contact{ID: id, Name: fmt.Sprintf("peer %d", n), Key: key}); err != nil {
				die(err)
			}
			ack("contact", n)
			if i%3 == 0 {
				if _, err := s.RecordNewIdentity(ctx, id, crashNewKey(n)); err != nil {
					die(fmt.Errorf("record new identity: %w", err))
				}
				ack("pending", n)
			}
		}
	}()
	go func() { // history and settings
		defer wg.Done()
		for i := 0; time.Now().Before(deadline); i++ {
			n := base + i
			start := time.UnixMilli(int64(1_700_000_000_000 + n))
			c := Call{ID: crashCallID(n), Peer: fastPeer(n), Direction: DirectionOutgoing, Media: MediaVideo, StartedAt: start,
				Group: crashGroup(n)}
			if i%2 == 0 {
				c.AnsweredAt, c.EndedAt, c.Outcome = start, start.Add(time.Second), OutcomeCompleted
			}
			if _, err := s.AddCall(ctx, c); err != nil {
				die(err)
			}
			ack("call", n)
			if i%5 == 0 {
				if _, err := s.PutSettings(ctx, Settings{DisplayName: fmt.Sprintf("name %d", n)}); err != nil {
					die(err)
				}
				ack("settings", n)
			}
		}
	}()
	wg.Wait()
	os.Exit(0)
}

// crashAcks is everything children acknowledged, over all rounds.
type crashAcks struct {
	contacts, pendings, calls []int
	lastSettings              int // -1: none yet
}

func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "peerline.db")
	acks := crashAcks{lastSettings: -1}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for round := 1; round <= crashRounds; round++ {
		// Round 1 is killed at a random moment from process start, most
		// likely while Open creates the schema; later rounds after a
		// random stretch of writes.
		var delay time.Duration
		if round == 1 {
			delay = time.Duration(rng.IntN(150)) * time.Millisecond
		} else {
			delay = time.Duration(10+rng.IntN(400)) * time.Millisecond
		}
		got := runCrashChild(t, path, round, delay)
		acks.contacts = append(acks.contacts, got.contacts...)
		acks.pendings = append(acks.pendings, got.pendings...)
		acks.calls = append(acks.calls, got.calls...)
		if got.lastSettings > acks.lastSettings {
			acks.lastSettings = got.lastSettings
		}
		t.Logf("round %d: killed after %v; acked %d contacts, %d pending keys, %d calls",
			round, delay, len(got.contacts), len(got.pendings), len(got.calls))
		verifyAfterCrash(t, path, acks)
	}
	if len(acks.contacts) == 0 || len(acks.calls) == 0 {
		t.Fatal("no child ever acknowledged a write: the test proved nothing")
	}
}

// runCrashChild starts a writer child, kills it delay after its first
// ack (after its start for round 1), and returns what it acknowledged.
func runCrashChild(t *testing.T, path string, round int, delay time.Duration) crashAcks {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvDB+"="+path, crashEnvRound+"="+strconv.Itoa(round))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()

	got := crashAcks{lastSettings: -1}
	record := func(line string) {
		var kind string
		var n int
		if _, err := fmt.Sscanf(line, "ack %s %d", &kind, &n); err != nil {
			if strings.HasPrefix(line, "error") {
				t.Errorf("child: %s", line)
			}
			return
		}
		switch kind {
		case "contact":
			got.contacts = append(got.contacts, n)
		case "pending":
			got.pendings = append(got.pendings, n)
		case "call":
			got.calls = append(got.calls, n)
		case "settings":
			got.lastSettings = max(got.lastSettings, n)
		}
	}

	var kill <-chan time.Time
	if round == 1 {
		kill = time.After(delay)
	}
	timeout := time.After(60 * time.Second)
	killed := false
	for !killed {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("child exited before the kill: %v\n%s", cmd.Wait(), stderr.String())
			}
			record(line)
			if kill == nil && strings.HasPrefix(line, "ack ") {
				kill = time.After(delay)
			}
		case <-kill:
			if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
				t.Fatal(err)
			}
			killed = true
		case <-timeout:
			cmd.Process.Kill()
			t.Fatalf("child wrote nothing in 60s\n%s", stderr.String())
		}
	}
	// Every line written before the kill is still in the pipe.
	for line := range lines {
		record(line)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("child exited cleanly: it was not killed mid-run")
	}
	return got
}

// verifyAfterCrash reopens the file and checks it holds every acked write.
func verifyAfterCrash(t *testing.T, path string, acks crashAcks) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	var integrity string
	if err := s.r.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
	for _, n := range acks.contacts {
		id, key := crashPeer(n)
		c, err := s.GetContact(ctx, id)
		if err != nil {
			t.Fatalf("acked contact %d lost: %v", n, err)
		}
		if c.Name != fmt.Sprintf("peer %d", n) || !bytes.Equal(c.Key, key) {
			t.Fatalf("acked contact %d damaged: %+v", n, c)
		}
	}
	for _, n := range acks.pendings {
		id, _ := crashPeer(n)
		c, err := s.GetContact(ctx, id)
		if err != nil || !bytes.Equal(c.PendingKey, crashNewKey(n)) {
			t.Fatalf("acked pending key of %d lost: %+v, %v", n, c, err)
		}
		if st, err := s.Trust(ctx, identity.IDFromKey(crashNewKey(n)), crashNewKey(n)); err != nil || st != TrustChanged {
			t.Fatalf("acked new identity of %d: Trust = %v, %v", n, st, err)
		}
	}
	// Through the folded history: every acked leg in its group's entry.
	calls := map[string]Call{}
	for cur := Cursor(""); ; {
		page, next, err := s.ListEntries(ctx, MaxHistoryPage, cur)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			for _, c := range e.Legs {
				if entryKey(c) != entryKey(e.Legs[0]) {
					t.Fatalf("leg %s (group %q) in entry %s", c.ID, c.Group, e.Call.ID)
				}
				if _, dup := calls[c.ID]; dup {
					t.Fatalf("leg %s in two entries", c.ID)
				}
				calls[c.ID] = c
			}
		}
		if next == "" {
			break
		}
		cur = next
	}
	for _, n := range acks.calls {
		c, ok := calls[crashCallID(n)]
		if !ok {
			t.Fatalf("acked call %d lost", n)
		}
		if c.Group != crashGroup(n) {
			t.Fatalf("acked call %d has group %q, want %q", n, c.Group, crashGroup(n))
		}
		if n%2 == 0 && c.Outcome != OutcomeCompleted || n%2 == 1 && c.Outcome != OutcomeInterrupted {
			t.Fatalf("acked call %d has outcome %v", n, c.Outcome)
		}
	}
	if acks.lastSettings >= 0 {
		set, err := s.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if _, err := fmt.Sscanf(set.DisplayName, "name %d", &n); err != nil || n < acks.lastSettings {
			t.Fatalf("settings name %q older than the last acked write %d", set.DisplayName, acks.lastSettings)
		}
	}
}
