package discovery

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// TestHubRefusesDNSRebinding: a web page that rebinds its own name to this
// machine reaches the LAN hub with a foreign Host and its Origin. Every
// such request is refused (health, metrics, the WebSocket upgrade), and
// even a request the hub does accept learns no peer id before it
// authenticates: the first frame is a bare challenge.
func TestHubRefusesDNSRebinding(t *testing.T) {
	kp := testKey(t, 30)
	srv, err := server.New(server.Config{Identity: kp, Personal: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	tc, err := server.EphemeralTLS()
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: GuardHub(srv.Handler(), HubGuardConfig{ID: kp.ID(), Port: port})}
	go hs.Serve(tls.NewListener(ln, tc))
	t.Cleanup(func() { hs.Close() })

	own := "127.0.0.1:" + strconv.Itoa(port)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, own) // DNS rebound to us
		}}}
	upgrade := func(r *http.Request) {
		r.Header.Set("Connection", "Upgrade")
		r.Header.Set("Upgrade", "websocket")
		r.Header.Set("Sec-WebSocket-Version", "13")
		r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	}
	for _, tc := range []struct {
		name   string
		host   string
		path   string
		origin string
		ws     bool
		want   int
	}{
		{"health, rebound name, page origin", "evil.example:" + strconv.Itoa(port), "/healthz", "https://evil.example", false, 403},
		{"metrics, rebound name, page origin", "evil.example:" + strconv.Itoa(port), "/metrics", "https://evil.example", false, 403},
		{"upgrade, rebound name, page origin", "evil.example:" + strconv.Itoa(port), signaling.Path, "https://evil.example", true, 403},
		{"upgrade, rebound name, no origin", "evil.example:" + strconv.Itoa(port), signaling.Path, "", true, 403},
		{"upgrade, own address, page origin", own, signaling.Path, "https://evil.example", true, 403},
		{"health, own address, null origin", own, "/healthz", "null", false, 403},
		{"health, own address, wrong port", "127.0.0.1:1", "/healthz", "", false, 403},
		{"metrics are not on the LAN hub", own, "/metrics", "", false, 404},
		{"health, own address", own, "/healthz", "", false, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, "https://"+own+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tc.host
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.ws {
				upgrade(req)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d (%q), want %d", resp.StatusCode, body, tc.want)
			}
			if strings.Contains(string(body), kp.ID().String()) || strings.Contains(string(body), kp.ID().Short()) {
				t.Fatalf("the answer names the owner: %q", body)
			}
		})
	}

	// A client the hub accepts still learns nothing before it
	// authenticates: the challenge holds a nonce and the binding type.
	raw := signalingtest.RawDial(t, "wss://"+own+signaling.Path)
	var ch signaling.Challenge
	env := raw.Expect(signaling.TypeChallenge)
	if err := env.DecodeBody(&ch); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(env.Body), kp.ID().String()) || !ch.Peer.IsZero() || ch.Audience != "" {
		t.Fatalf("the first frame before auth names the owner: %s", env.Body)
	}
	if ch.Binding != signaling.BindingTLSExporter {
		t.Fatalf("challenge binding %q, want %q", ch.Binding, signaling.BindingTLSExporter)
	}
}

// FuzzHubHost checks the Host/Origin rule: a request with an Origin is
// always refused, and an accepted Host always names one of this machine's
// addresses (or its mDNS name) with the hub's port.
func FuzzHubHost(f *testing.F) {
	for _, s := range []string{"127.0.0.1:47400", "[::1]:47400", "[fe80::1%25eth0]:47400", "evil.example:47400",
		"127.0.0.1", "[127.0.0.1]:47400", "::1:47400", "peerline-ABCD-0123abcd.local:47400", "10.0.0.5:47400", ""} {
		f.Add(s, "")
		f.Add(s, "https://evil.example")
	}
	id := testID(f, 3)
	local := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1"), netip.MustParseAddr("fe80::1%eth0")}
	cfg := HubGuardConfig{ID: id, Port: 47400, LocalAddrs: func() []netip.Addr { return local }}
	f.Fuzz(func(t *testing.T, host, origin string) {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		why := refuseHubRequest(h, host, cfg)
		if origin != "" && why == "" {
			t.Fatalf("Origin %q accepted", origin)
		}
		if !hubHostAllowed(host, cfg) {
			return
		}
		name, port, err := net.SplitHostPort(host)
		if err != nil || port != "47400" {
			t.Fatalf("accepted %q: port %q, err %v", host, port, err)
		}
		if isOwnMDNSHost(name, id) {
			return
		}
		if i := strings.IndexByte(name, '%'); i >= 0 {
			name = name[:i]
		}
		a, err := netip.ParseAddr(name)
		if err != nil {
			t.Fatalf("accepted %q, which is neither an address nor our mDNS name", host)
		}
		for _, l := range local {
			if l.WithZone("") == a.Unmap() {
				return
			}
		}
		t.Fatalf("accepted %q, not one of this machine's addresses", host)
	})
}
