package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClusterFlags(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "node.creds")
	os.WriteFile(creds, []byte("x"), 0o600)
	secret := filepath.Join(dir, "turn.secret")
	os.WriteFile(secret, []byte("s3cret"), 0o600)
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
		want    func(*testing.T, options)
	}{
		{name: "none", args: nil, want: func(t *testing.T, o options) {
			if o.cluster.urls != nil {
				t.Fatalf("urls %v", o.cluster.urls)
			}
		}},
		{name: "urls", args: []string{"--nats", "nats://a:4222, tls://u:p@b:4222", "--node-id", "eu-1", "--nats-creds", creds},
			want: func(t *testing.T, o options) {
				if len(o.cluster.urls) != 2 || o.cluster.nodeID != "eu-1" || o.cluster.creds != creds {
					t.Fatalf("%+v", o.cluster)
				}
			}},
		{name: "bad scheme", args: []string{"--nats", "http://a:4222"}, wantErr: "--nats"},
		{name: "no host", args: []string{"--nats", "nats-a"}, wantErr: "--nats"},
		{name: "bad node id", args: []string{"--nats", "nats://a", "--node-id", "a.b"}, wantErr: "--node-id"},
		{name: "node id alone", args: []string{"--node-id", "a"}, wantErr: "needs --nats"},
		{name: "missing creds", args: []string{"--nats", "nats://a", "--nats-creds", filepath.Join(dir, "nope")}, wantErr: "--nats-creds"},
		{name: "cert without key", args: []string{"--nats", "nats://a", "--nats-tls-cert", creds}, wantErr: "--nats-tls-key"},
		{name: "embedded TURN needs shared secret", args: []string{"--nats", "nats://a", "--turn-listen", "127.0.0.1:3478"}, wantErr: "share"},
		{name: "embedded TURN with secret", args: []string{"--nats", "nats://a", "--turn-listen", "127.0.0.1:3478", "--turn-secret-file", secret}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseConfig(tc.args, func(string) string { return "" })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil {
				tc.want(t, o)
			}
		})
	}
}
