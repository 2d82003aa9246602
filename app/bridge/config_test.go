package bridge

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"
)

func TestConfigAddr(t *testing.T) {
	cases := []struct {
		name, addr, want string
		err              error
	}{
		{"default", "", "127.0.0.1:0", nil},
		{"loopback", "127.0.0.1:0", "127.0.0.1:0", nil},
		{"fixed port", "127.0.0.1:8123", "127.0.0.1:8123", nil},
		{"other loopback", "127.1.2.3:0", "127.1.2.3:0", nil},
		{"localhost means 127.0.0.1", "localhost:0", "127.0.0.1:0", nil},
		{"ipv6 loopback", "[::1]:0", "[::1]:0", nil},
		{"all interfaces", ":0", "", ErrNotLoopback},
		{"0.0.0.0", "0.0.0.0:0", "", ErrNotLoopback},
		{"ipv6 any", "[::]:0", "", ErrNotLoopback},
		{"LAN address", "192.168.1.10:0", "", ErrNotLoopback},
		{"hostname", "example.com:0", "", ErrNotLoopback},
		{"no port", "127.0.0.1", "", ErrNotLoopback},
		{"bad port", "127.0.0.1:http", "", ErrNotLoopback},
		{"port too big", "127.0.0.1:70000", "", ErrNotLoopback},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Config{Addr: c.addr}.withDefaults()
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err == nil && got.Addr != c.want {
				t.Errorf("Addr %q, want %q", got.Addr, c.want)
			}
		})
	}
}

func TestConfigDefaultsAndLimits(t *testing.T) {
	got, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if got.MaxMessageBytes != 1<<20 || got.RatePerSecond != 100 || got.Burst != 200 ||
		got.MaxInFlight != 16 || got.MaxConnections != 32 || got.Version != "dev" || got.Logger == nil {
		t.Errorf("defaults %+v", got)
	}
	bad := []Config{
		{MaxMessageBytes: -1}, {RatePerSecond: -1}, {Burst: -1}, {MaxInFlight: -1}, {MaxConnections: -1},
	}
	for _, c := range bad {
		if _, err := New(c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("New(%+v) = %v, want ErrBadConfig", c, err)
		}
	}
	if _, err := New(Config{Addr: "0.0.0.0:0"}); !errors.Is(err, ErrNotLoopback) {
		t.Errorf("New on 0.0.0.0 = %v, want ErrNotLoopback", err)
	}
}

func TestStartTwice(t *testing.T) {
	h := start(t, Config{})
	if _, err := h.b.Start(t.Context()); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start = %v, want ErrStarted", err)
	}
}

func TestStartContextCloses(t *testing.T) {
	b, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	u, err := b.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitFor(t, "the bridge to stop listening", func() bool {
		c := &http.Client{Timeout: time.Second}
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
		}
		return err != nil
	})
}

func TestStartPortInUse(t *testing.T) {
	h := start(t, Config{})
	b, err := New(Config{Addr: h.host, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Start(t.Context()); err == nil {
		t.Errorf("Start on a port in use succeeded")
	}
}
