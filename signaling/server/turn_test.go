package server

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTURNCredentialsKnownAnswer(t *testing.T) {
	// Expected value from the coturn REST-API algorithm computed outside
	// Go: printf '%s' '1700000000:MFZWI3D' |
	//   openssl dgst -sha1 -hmac 'north-secret' -binary | base64
	user, cred := TURNCredentials("north-secret", "MFZWI3D", time.Unix(1700000000, 0))
	if user != "1700000000:MFZWI3D" {
		t.Fatalf("username = %q", user)
	}
	if cred != "dcG9zTAPYFrPI6YUU2J4XyEPRl4=" {
		t.Fatalf("credential = %q", cred)
	}
}

func TestWelcomeTURNCredentialsExpireAfterTTL(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s, err := New(Config{TURNURLs: []string{"turn:t.example"}, TURNSecret: "x", TURNTTL: 90 * time.Minute,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	w := s.welcome(testPeer(t), zeroAuth, "aud", nil)
	if len(w.ICEServers) != 1 {
		t.Fatalf("ice servers %+v", w.ICEServers)
	}
	exp, user, ok := strings.Cut(w.ICEServers[0].Username, ":")
	if !ok || user != testPeer(t).String() {
		t.Fatalf("username %q", w.ICEServers[0].Username)
	}
	if got, _ := strconv.ParseInt(exp, 10, 64); got != now.Add(90*time.Minute).Unix() {
		t.Fatalf("expiry %s, want now+90m", exp)
	}
	_, want := TURNCredentials("x", testPeer(t).String(), now.Add(90*time.Minute))
	if w.ICEServers[0].Credential != want {
		t.Fatal("credential does not match the username")
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []Config{
		{MaxMessageBytes: 10},
		{TURNURLs: []string{"turn:x"}},
		{Burst: -1},
		{PingInterval: -time.Second},
		{SendQueueBytes: 1000}, // under 2 frames of the default 64 KiB
	}
	for i, c := range bad {
		if _, err := New(c); err == nil {
			t.Errorf("case %d: New(%+v) accepted a bad config", i, c)
		}
	}
	if _, err := New(Config{}); err != nil {
		t.Fatalf("zero Config refused: %v", err)
	}
}
