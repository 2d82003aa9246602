package server

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// serveInternal runs s on a loopback port and returns its WebSocket URL.
func serveInternal(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		hs.Close()
	})
	return s, "ws" + strings.TrimPrefix(hs.URL, "http") + signaling.Path
}

func dialInternal(t *testing.T, url string, seed byte) *signaling.Conn {
	t.Helper()
	kp, err := identity.FromSeed([]byte(strings.Repeat(string(rune(seed)), 32)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := signaling.Dial(context.Background(), signaling.DialConfig{URL: url, Identity: kp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// queueBytes is what c's queue holds now, in frame bytes.
func (c *conn) queueBytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for i := range c.queue {
		n += len(c.queue[i].frame)
	}
	return n
}

// A receiver that never reads is cut once its byte budget is full, and
// what waits for it on the server never exceeds the budget. (Before, the
// queue was bounded in frames, 1024 of them: 64 MiB of 64 KiB frames per
// receiver; 20 such receivers grew the server by 1.5 GB.)
func TestReceiverThatNeverReadsIsCutAtItsByteBudget(t *testing.T) {
	const frameBytes = 60000
	budget := DefaultSendQueueFrames * signaling.DefaultMaxMessageBytes
	// No write deadline and no rate limit come into it: only the budget.
	s, url := serveInternal(t, Config{WriteTimeout: time.Minute, RatePerSecond: 1e6, Burst: 1e6})
	sender := dialInternal(t, url, 1)
	sleepy := dialInternal(t, url, 2) // never reads
	sleepyID := sleepy.Welcome().Peer
	hc, ok := s.hub.Lookup(sleepyID)
	if !ok {
		t.Fatal("receiver not in the hub")
	}
	dst := hc.(*conn)

	// The sender reads its own messages, so it is never the slow one.
	unavailable := make(chan struct{})
	go func() {
		for {
			env, err := sender.Recv()
			if err != nil {
				return
			}
			if env.Type == signaling.TypeError && signaling.ErrorOf(env).Code == signaling.CodeUnavailable {
				close(unavailable)
				return
			}
		}
	}()
	env := signaling.Envelope{Type: signaling.TypeHangup, To: sleepyID, Call: "c",
		Body: []byte(`{"pad":"` + strings.Repeat("x", frameBytes) + `"}`)}
	peak, sent := 0, 0
	// The kernel's socket buffers take some megabytes before the queue
	// starts to fill; 1200 frames (72 MB) is past what the old
	// frame-counted queue held.
	for sent < 1200 {
		select {
		case <-unavailable:
		default:
			if err := sender.Send(context.Background(), env); err != nil {
				t.Fatal(err)
			}
			sent++
			peak = max(peak, dst.queueBytes())
			continue
		}
		break
	}
	if peak > budget {
		t.Errorf("queued for the receiver: %d bytes at the peak, over the budget of %d", peak, budget)
	}
	select {
	case <-unavailable:
	case <-time.After(10 * time.Second):
		t.Fatalf("sender never told the receiver is not reading, after %d frames of %d bytes", sent, frameBytes)
	}
	dst.mu.Lock()
	queued := dst.queued
	dst.mu.Unlock()
	if queued > budget {
		t.Errorf("receiver's charged bytes %d over the budget %d", queued, budget)
	}
	t.Logf("cut after %d frames of %d bytes; peak queue %d bytes", sent, frameBytes, peak)
}
