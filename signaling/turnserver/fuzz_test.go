package turnserver

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"

	"github.com/peerline/peerline/signaling/server"
)

// FuzzAuth feeds the credential check usernames and realms as a client
// sends them: it never panics, and grants a key only for a well-formed,
// unexpired "expiry:user" in our realm, whose key is the one the REST-API
// password gives.
func FuzzAuth(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	f.Add("1800003600:alice", DefaultRealm)
	f.Add("1799999999:alice", DefaultRealm)
	f.Add("alice", DefaultRealm)
	f.Add(":", "")
	f.Add("-1:x", DefaultRealm)
	f.Add("99999999999999999999:x", DefaultRealm)
	f.Fuzz(func(t *testing.T, username, realm string) {
		s := &Server{cfg: Config{Secret: testSecret, Realm: DefaultRealm, Now: func() time.Time { return now }}, m: newMetrics()}
		user, key, ok := s.auth(&turn.RequestAttributes{Username: username, Realm: realm})
		if !ok {
			return
		}
		exp, u, found := strings.Cut(username, ":")
		n, err := strconv.ParseInt(exp, 10, 64)
		if !found || err != nil || n <= now.Unix() || u != user || user == "" || realm != DefaultRealm {
			t.Fatalf("granted %q in realm %q", username, realm)
		}
		want := turn.GenerateAuthKey(username, DefaultRealm, server.TURNPassword(testSecret, username))
		if string(key) != string(want) {
			t.Fatal("key is not the REST-API password's")
		}
	})
}
