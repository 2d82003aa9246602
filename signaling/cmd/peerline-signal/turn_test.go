package main

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/turn/v5"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// turnServers returns the TURN entry of a welcome: its URLs and credentials.
func turnServers(t *testing.T, w signaling.Welcome) signaling.ICEServer {
	t.Helper()
	for _, s := range w.ICEServers {
		if s.Username != "" {
			return s
		}
	}
	t.Fatalf("welcome has no TURN server: %+v", w.ICEServers)
	return signaling.ICEServer{}
}

// allocateVia allocates on the TURN server at a turn:/turns: URL with a
// real pion/turn client, as a browser given the welcome would.
func allocateVia(t *testing.T, rawURL string, ice signaling.ICEServer, tlsConf *tls.Config) {
	t.Helper()
	scheme, rest, _ := strings.Cut(rawURL, ":")
	hostPort, query, _ := strings.Cut(rest, "?")
	var conn net.PacketConn
	switch {
	case scheme == "turns":
		c, err := tls.Dial("tcp", hostPort, tlsConf)
		if err != nil {
			t.Fatalf("%s: %v", rawURL, err)
		}
		conn = turn.NewSTUNConn(c)
	case query == "transport=tcp":
		c, err := net.Dial("tcp", hostPort)
		if err != nil {
			t.Fatalf("%s: %v", rawURL, err)
		}
		conn = turn.NewSTUNConn(c)
	default:
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn = c
	}
	defer conn.Close()
	c, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: hostPort, STUNServerAddr: hostPort,
		Username: ice.Username, Password: ice.Credential, Conn: conn, RTO: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("Allocate at %s with the welcome's credentials: %v", rawURL, err)
	}
	if a := relay.LocalAddr().(*net.UDPAddr); a.Port < 41000 || a.Port > 41999 {
		t.Errorf("relay port %d outside --turn-relay-ports 41000-41999", a.Port)
	}
	relay.Close()
}

func TestRunHandsOutEmbeddedTURN(t *testing.T) {
	addr, _, _, _, stderr := startRun(t, "--turn-listen", "127.0.0.1:0", "--turn-relay-ports", "41000-41999")
	kp := signalingtest.Key(t)
	c := signalingtest.Dial(t, "ws://"+addr+signaling.Path, kp)
	defer c.Close()
	ice := turnServers(t, c.Welcome())
	if len(ice.URLs) != 2 || !strings.HasPrefix(ice.URLs[0], "turn:127.0.0.1:") || !strings.HasSuffix(ice.URLs[0], "?transport=udp") ||
		!strings.HasSuffix(ice.URLs[1], "?transport=tcp") {
		t.Fatalf("TURN URLs %v, want the embedded server's udp and tcp", ice.URLs)
	}
	if !strings.HasSuffix(ice.Username, ":"+kp.ID().String()) {
		t.Errorf("username %q is not expiry:peer-id", ice.Username)
	}
	for _, u := range ice.URLs {
		allocateVia(t, u, ice, nil)
	}
	log := stderr.String()
	if !strings.Contains(log, "embedded TURN listening") || !strings.Contains(log, "secret_generated=true") {
		t.Errorf("log lacks the embedded TURN line:\n%s", log)
	}
}

func TestRunWithTURNURLsKeepsThem(t *testing.T) {
	// --turn given: clients get those URLs (an external coturn), signed
	// with the shared secret, though the embedded server runs too.
	addr, _, _, _, _ := startRunEnv(t, map[string]string{envTURNSecret: "shared"},
		"--turn", "turn:turn.example.com:3478?transport=udp", "--turn-listen", "127.0.0.1:0")
	c := signalingtest.Dial(t, "ws://"+addr+signaling.Path, signalingtest.Key(t))
	defer c.Close()
	ice := turnServers(t, c.Welcome())
	if len(ice.URLs) != 1 || ice.URLs[0] != "turn:turn.example.com:3478?transport=udp" {
		t.Fatalf("TURN URLs %v, want only --turn's", ice.URLs)
	}
}

func TestBinaryEmbeddedTURNOverTLS(t *testing.T) {
	certFile, keyFile, pool := writeCert(t, t.TempDir(), 1)
	p := startBinary(t, nil, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
		"--turn-listen", "127.0.0.1:0", "--turn-tls-listen", "127.0.0.1:0", "--turn-relay-ports", "41000-41999")
	trust := &tls.Config{RootCAs: pool}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	kp := signalingtest.Key(t)
	c, err := signaling.Dial(ctx, signaling.DialConfig{URL: "wss://" + p.addr + signaling.Path, Identity: kp,
		Dialer: &websocket.Dialer{TLSClientConfig: trust, HandshakeTimeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ice := turnServers(t, c.Welcome())
	if len(ice.URLs) != 3 || !strings.HasPrefix(ice.URLs[2], "turns:127.0.0.1:") {
		t.Fatalf("TURN URLs %v, want udp, tcp and turns:", ice.URLs)
	}
	for _, u := range ice.URLs {
		allocateVia(t, u, ice, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	}

	// A forged credential is refused and counted; the metrics are on
	// the server's /metrics.
	forged := ice
	forged.Credential = "AAAAAAAAAAAAAAAAAAAAAAAAAAA="
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	host, _ := strings.CutPrefix(ice.URLs[0], "turn:")
	host, _, _ = strings.Cut(host, "?")
	tc, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: host, STUNServerAddr: host,
		Username: forged.Username, Password: forged.Credential, Conn: conn, RTO: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if err := tc.Listen(); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Allocate(); err == nil {
		t.Fatal("forged credential allocated")
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: trust}}
	_, metrics := httpGet(t, hc, "https://"+p.addr+"/metrics")
	for _, want := range []string{"\npeerline_turn_auth_failures_total 1\n", "\npeerline_turn_relayed_bytes_total{direction=\"to_peer\"} 0\n", "\npeerline_turn_allocations "} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
		}
	}
	if strings.Contains(p.stderr.String(), "secret=") {
		t.Error("the log mentions the secret")
	}
}
