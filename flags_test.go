package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(*flags) bool
	}{
		{"defaults", nil, "", func(f *flags) bool { return !f.headless && f.uiAddr == "127.0.0.1:0" && f.hubPort == 0 }},
		{"headless contract", []string{"--headless", "--data-dir", "/tmp/x", "--name", "Ada", "--ui-addr", "127.0.0.1:0"}, "",
			func(f *flags) bool { return f.headless && f.dataDir == "/tmp/x" && f.name == "Ada" }},
		{"ring timeout", []string{"--ring-timeout", "2s"}, "", func(f *flags) bool { return f.ringTimeout == 2*time.Second }},
		{"lists", []string{"--signal-url", "ws://a/v1/signal, wss://b/v1/signal", "--interfaces", "eth0,,wlan0"}, "",
			func(f *flags) bool { return len(f.signalURLs) == 2 && len(f.interfaces) == 2 }},
		{"bad url", []string{"--signal-url", "http://a"}, "ws:// or wss://", nil},
		{"url canonical", []string{"--signal-url", "WSS://B.example:443"}, "",
			func(f *flags) bool { return len(f.signalURLs) == 1 && f.signalURLs[0] == "wss://b.example/v1/signal" }},
		{"bad port", []string{"--hub-port", "70000"}, "0-65535", nil},
		{"negative ring", []string{"--ring-timeout", "-1s"}, "positive", nil},
		{"bad level", []string{"--log-level", "loud"}, "log-level", nil},
		{"stray argument", []string{"extra"}, "unexpected argument", nil},
		{"invite link", []string{"--headless", "peerline://add?id=X"}, "", func(f *flags) bool { return f.openLink == "peerline://add?id=X" && f.headless }},
		{"two invite links", []string{"peerline://add?id=X", "peerline://add?id=Y"}, "unexpected argument", nil},
		{"unknown flag", []string{"--nope"}, "not defined", nil},
		// The toast registration's LocalServer32 line, as COM runs it.
		{"toast click launch", []string{"--toast-activated", "--data-dir", `C:\Users\ada\Peerline`, "-Embedding"}, "",
			func(f *flags) bool { return f.toastActivated && f.dataDir == `C:\Users\ada\Peerline` && !f.headless }},
		{"COM launch alone", []string{"-Embedding"}, "", func(f *flags) bool { return f.toastActivated }},
		{"COM launch, older spelling", []string{"--data-dir", "D", "/Embedding"}, "", func(f *flags) bool { return f.toastActivated }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout bytes.Buffer
			f, err := parseFlags(tc.args, &stdout, &bytes.Buffer{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout got %q; only the ui: line and --version belong there", stdout.String())
			}
			if err != nil || f == nil || !tc.check(f) {
				t.Fatalf("parseFlags(%q) = %+v, %v", tc.args, f, err)
			}
		})
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	var out bytes.Buffer
	f, err := parseFlags([]string{"--help"}, &out, &bytes.Buffer{})
	if f != nil || err != nil {
		t.Fatalf("--help: %v %v", f, err)
	}
	for _, flag := range []string{"headless", "data-dir", "name", "ui-addr", "hub-port", "ring-timeout", "signal-url", "no-discovery", "lan-hub", "interfaces", "log-level", "version", "toast-activated", "Embedding"} {
		if !strings.Contains(out.String(), "--"+flag) {
			t.Errorf("--help lacks -%s", flag)
		}
	}
}
