package signaling

import (
	"errors"
	"strings"
	"testing"
)

func TestGroupSignature(t *testing.T) {
	alice, bob, carol, dave := key(t, 1), key(t, 2), key(t, 3), key(t, 4)
	const call, ts = "c-1", int64(1_700_000_000_000)
	signed := func(join bool, members ...PeerID) *Group {
		g := &Group{ID: "g-1", Members: members, Join: join}
		SignGroup(alice, KindOffer, call, bob.ID(), ts, g)
		return g
	}
	if err := VerifyGroup(alice.Public(), KindOffer, call, alice.ID(), bob.ID(), ts, signed(false, carol.ID())); err != nil {
		t.Fatalf("a good group: %v", err)
	}
	for _, tc := range []struct {
		name   string
		tamper func(g *Group) (call string, ts int64)
	}{
		{"member added", func(g *Group) (string, int64) { g.Members = append(g.Members, dave.ID()); return call, ts }},
		{"member dropped", func(g *Group) (string, int64) { g.Members = nil; return call, ts }},
		{"add turned into join", func(g *Group) (string, int64) { g.Join = true; return call, ts }},
		{"other group", func(g *Group) (string, int64) { g.ID = "g-2"; return call, ts }},
		{"other call", func(g *Group) (string, int64) { return "c-2", ts }},
		{"other time", func(g *Group) (string, int64) { return call, ts + 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := signed(false, carol.ID())
			c, tm := tc.tamper(g)
			if err := VerifyGroup(alice.Public(), KindOffer, c, alice.ID(), bob.ID(), tm, g); !errors.Is(err, ErrForbidden) {
				t.Fatalf("tampered group verified: %v", err)
			}
		})
	}
	// A roster naming the sender or the receiver is refused even when signed.
	for _, m := range []PeerID{alice.ID(), bob.ID()} {
		if err := VerifyGroup(alice.Public(), KindOffer, call, alice.ID(), bob.ID(), ts, signed(true, m)); !errors.Is(err, ErrForbidden) {
			t.Fatalf("roster naming %s verified: %v", m.Short(), err)
		}
	}
	// An invite's group does not verify as an accept's, or back.
	if err := VerifyGroup(alice.Public(), KindAnswer, call, alice.ID(), bob.ID(), ts, signed(false, carol.ID())); !errors.Is(err, ErrForbidden) {
		t.Fatalf("an invite's group verified as an accept's: %v", err)
	}
	// Another key cannot sign for alice.
	g := &Group{ID: "g-1"}
	SignGroup(carol, KindOffer, call, bob.ID(), ts, g)
	if err := VerifyGroup(carol.Public(), KindOffer, call, alice.ID(), bob.ID(), ts, g); !errors.Is(err, ErrForbidden) {
		t.Fatalf("carol's key verified for alice: %v", err)
	}
}

func TestGroupValidate(t *testing.T) {
	sig := strings.Repeat("A", 86) + "==" // 64 bytes of base64
	p1, p2, p3 := peer(t, 1).String(), peer(t, 2).String(), peer(t, 3).String()
	for _, tc := range []struct {
		name, group string
		ok          bool
	}{
		{"no members", `{"id":"g","sig":"` + sig + `"}`, true},
		{"two members, join", `{"id":"g","members":["` + p1 + `","` + p2 + `"],"join":true,"sig":"` + sig + `"}`, true},
		{"three members", `{"id":"g","members":["` + p1 + `","` + p2 + `","` + p3 + `"],"sig":"` + sig + `"}`, false},
		{"a member twice", `{"id":"g","members":["` + p1 + `","` + p1 + `"],"sig":"` + sig + `"}`, false},
		{"bad member", `{"id":"g","members":["nope"],"sig":"` + sig + `"}`, false},
		{"no id", `{"sig":"` + sig + `"}`, false},
		{"long id", `{"id":"` + strings.Repeat("g", MaxIDLen+1) + `","sig":"` + sig + `"}`, false},
		{"no sig", `{"id":"g"}`, false},
		{"call id charset", `{"id":"c-1.a_b:C","sig":"` + sig + `"}`, true},
		{"control character in id", `{"id":"g\u0007","sig":"` + sig + `"}`, false},
		{"slash in id", `{"id":"a/b","sig":"` + sig + `"}`, false},
		{"space in id", `{"id":"a b","sig":"` + sig + `"}`, false},
		{"non-ASCII id", `{"id":"gé","sig":"` + sig + `"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame := `{"v":1,"type":"invite","to":"` + p3 + `","call":"c","body":{"media":["audio"],"sdp":"v=0\r\n","key":"` +
				strings.Repeat("A", 43) + `=","sig":"` + sig + `","time":1,"group":` + tc.group + `}}`
			env, err := Decode([]byte(frame))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			var inv Invite
			err = env.DecodeBody(&inv)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && err == nil {
				t.Fatalf("accepted %+v", inv.Group)
			}
		})
	}
}

func TestRejectCallFull(t *testing.T) {
	if got := JSONOf(t, Reject{Reason: ReasonBusy, Detail: DetailCallFull}); got != `{"reason":"busy","detail":"call_full"}` {
		t.Fatalf("reject = %s", got)
	}
}
