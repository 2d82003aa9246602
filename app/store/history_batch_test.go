package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// floodCall is the n-th finished call of a ring flood.
func floodCall(n int) Call {
	start := time.UnixMilli(int64(1_700_000_000_000 + n))
	return Call{ID: "flood-" + strconv.Itoa(n), Peer: fastPeer(n % 7), PeerName: "Stranger", Direction: DirectionIncoming,
		Media: MediaAudio, StartedAt: start, EndedAt: start, Outcome: OutcomeMissed}
}

func allHistory(t *testing.T, s *Store) map[string]Call {
	t.Helper()
	out := map[string]Call{}
	for cur := Cursor(""); ; {
		page, next, err := s.ListHistory(context.Background(), MaxHistoryPage, cur)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			out[c.ID] = c
		}
		if next == "" {
			return out
		}
		cur = next
	}
}

// A flood of finished calls is committed in batches: at least ten calls
// per commit (one commit, one fsync, per call before), and Close loses
// none of them.
func TestQueueCallBatchesAndCloseLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "peerline.db")
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	before := s.hist.commits.Load()
	for i := range n {
		if _, err := s.QueueCall(ctx, floodCall(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	commits := s.hist.commits.Load() - before
	t.Logf("%d calls in %d commits", n, commits)
	if commits == 0 || commits*10 > n {
		t.Errorf("%d calls took %d commits, want at most %d", n, commits, n/10)
	}
	if _, err := s.QueueCall(ctx, floodCall(n)); !errors.Is(err, ErrClosed) {
		t.Errorf("QueueCall after Close = %v, want ErrClosed", err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := allHistory(t, s)
	if len(got) != n {
		t.Fatalf("after Close and reopen: %d calls, want %d", len(got), n)
	}
	for i := range n {
		if c, ok := got[floodCall(i).ID]; !ok || c.Outcome != OutcomeMissed || c.Attempts != 1 {
			t.Fatalf("call %d: %+v, %v", i, c, ok)
		}
	}
}

// Re-queueing a call id replaces the entry (a coalesced missed call that
// counts more rings), whether it was still queued or already committed;
// reads see queued calls.
func TestQueueCallCoalesces(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	c := floodCall(1)
	for i := 1; i <= 3; i++ {
		c.Attempts = i
		if _, err := s.QueueCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if got := allHistory(t, s); len(got) != 1 || got[c.ID].Attempts != 3 {
		t.Fatalf("queued thrice: %+v", got)
	}
	c.Attempts = 4 // after the read committed it
	if _, err := s.QueueCall(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got := allHistory(t, s); len(got) != 1 || got[c.ID].Attempts != 4 {
		t.Fatalf("re-queued after commit: %+v", got)
	}
	ongoing := floodCall(2)
	ongoing.EndedAt, ongoing.Outcome = time.Time{}, OutcomeOngoing
	if _, err := s.QueueCall(ctx, ongoing); !errors.Is(err, ErrInvalid) {
		t.Errorf("QueueCall(ongoing) = %v, want ErrInvalid", err)
	}
	if _, err := s.AddCall(ctx, c); !errors.Is(err, ErrExists) {
		t.Errorf("AddCall of a queued id = %v, want ErrExists", err)
	}
}

const crashEnvQueue = "PEERLINE_STORE_QUEUE_CRASH_DB"

// TestQueueCrashChild is the writer of TestQueueCallCrash: it queues calls
// 0, 1, 2, ... and, every 50, reads the history (which commits the queue)
// and prints "durable N": calls up to N are committed.
func TestQueueCrashChild(t *testing.T) {
	path := os.Getenv(crashEnvQueue)
	if path == "" {
		t.Skip("helper process of TestQueueCallCrash")
	}
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("ready")
	for i := 0; ; i++ {
		if _, err := s.QueueCall(ctx, floodCall(i)); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		if i%50 == 49 {
			if _, _, err := s.ListHistory(ctx, 1, ""); err != nil {
				fmt.Println("error", err)
				os.Exit(2)
			}
			fmt.Printf("durable %d\n", i)
		}
	}
}

// The batcher under kill -9: the file stays intact, every call reported
// durable is there, and what is there is a prefix of what was queued
// (batches commit whole and in order: a crash loses only the tail).
func TestQueueCallCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "peerline.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestQueueCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvQueue+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	durable, seen := -1, 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			t.Fatalf("child: %s", line)
		}
		if _, err := fmt.Sscanf(line, "durable %d", &durable); err == nil {
			// Kill mid-stream, some way past a durable mark, with calls
			// queued and not yet committed.
			if seen++; seen == 20 {
				cmd.Process.Kill()
			}
		}
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("child exited cleanly\n%s", stderr.String())
	}
	if durable < 0 {
		t.Fatal("the child never reported a durable call: the test proved nothing")
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	var integrity string
	if err := s.r.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
	got := allHistory(t, s)
	for i := range len(got) {
		if _, ok := got[floodCall(i).ID]; !ok {
			t.Fatalf("%d calls kept but call %d is missing: not a prefix", len(got), i)
		}
	}
	if len(got) <= durable {
		t.Fatalf("kept %d calls, but calls up to %d were durable", len(got), durable)
	}
	t.Logf("durable up to %d, kept %d", durable, len(got))
}
