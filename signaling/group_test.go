package signaling

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
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

func TestVoucher(t *testing.T) {
	alice, bob, carol, eve := key(t, 1), key(t, 2), key(t, 3), key(t, 4)
	now := time.UnixMilli(1_700_000_000_000)
	ts := now.UnixMilli()
	// Alice's add of eve (her invite's group) vouches for eve in g-1.
	add := &Group{ID: "g-1", Members: []PeerID{bob.ID()}}
	SignGroup(alice, KindOffer, "c-add", eve.ID(), ts, add)
	v := VoucherOf(false, "c-add", alice.ID(), ts, add)
	if err := VerifyVoucher(alice.Public(), v, "g-1", eve.ID(), now.Add(time.Minute)); err != nil {
		t.Fatalf("a good voucher: %v", err)
	}
	// So does alice's accept of one of eve's joins (her roster).
	roster := &Group{ID: "g-1", Members: []PeerID{carol.ID()}}
	SignGroup(alice, KindAnswer, "c-join", eve.ID(), ts, roster)
	if err := VerifyVoucher(alice.Public(), VoucherOf(true, "c-join", alice.ID(), ts, roster), "g-1", eve.ID(), now); err != nil {
		t.Fatalf("an accept's roster as voucher: %v", err)
	}
	for _, tc := range []struct {
		name   string
		pub    []byte
		v      *Voucher
		group  string
		joiner PeerID
		at     time.Time
	}{
		{"none", alice.Public(), nil, "g-1", eve.ID(), now},
		{"for someone else", alice.Public(), v, "g-1", carol.ID(), now},
		{"other group", alice.Public(), v, "g-2", eve.ID(), now},
		{"checked with another member's key", bob.Public(), v, "g-1", eve.ID(), now},
		{"too old", alice.Public(), v, "g-1", eve.ID(), now.Add(MaxVoucherAge + time.Second)},
		{"from the future", alice.Public(), v, "g-1", eve.ID(), now.Add(-MaxClockSkew - time.Second)},
		{"an add passed off as an answer", alice.Public(), &Voucher{Answer: true, Call: v.Call, From: v.From, Time: v.Time, Members: v.Members, Sig: v.Sig}, "g-1", eve.ID(), now},
		{"roster changed", alice.Public(), &Voucher{Call: v.Call, From: v.From, Time: v.Time, Sig: v.Sig}, "g-1", eve.ID(), now},
		{"self-made", eve.Public(), func() *Voucher {
			g := &Group{ID: "g-1"}
			SignGroup(eve, KindOffer, "c-x", eve.ID(), ts, g)
			return VoucherOf(false, "c-x", eve.ID(), ts, g)
		}(), "g-1", eve.ID(), now},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := VerifyVoucher(tc.pub, tc.v, tc.group, tc.joiner, tc.at); !errors.Is(err, ErrForbidden) {
				t.Fatalf("verified: %v", err)
			}
		})
	}
	// The join's own signature binds its voucher: a relay cannot swap it.
	join := &Group{ID: "g-1", Join: true, Voucher: v}
	SignGroup(eve, KindOffer, "c-2", bob.ID(), ts, join)
	join.Voucher = VoucherOf(true, "c-join", alice.ID(), ts, roster)
	if err := VerifyGroup(eve.Public(), KindOffer, "c-2", eve.ID(), bob.ID(), ts, join); !errors.Is(err, ErrForbidden) {
		t.Fatalf("swapped voucher verified: %v", err)
	}
}

func TestVoucherValidate(t *testing.T) {
	sig := strings.Repeat("A", 86) + "=="
	p1, p2 := peer(t, 1).String(), peer(t, 2).String()
	for _, tc := range []struct {
		name    string
		join    bool
		voucher string
		ok      bool
	}{
		{"good", true, `{"call":"c-1","from":"` + p1 + `","time":1,"members":["` + p2 + `"],"sig":"` + sig + `"}`, true},
		{"answer", true, `{"answer":true,"call":"c-1","from":"` + p1 + `","time":1,"sig":"` + sig + `"}`, true},
		{"on an add", false, `{"call":"c-1","from":"` + p1 + `","time":1,"sig":"` + sig + `"}`, false},
		{"no call", true, `{"from":"` + p1 + `","time":1,"sig":"` + sig + `"}`, false},
		{"bad call", true, `{"call":"c/1","from":"` + p1 + `","time":1,"sig":"` + sig + `"}`, false},
		{"no from", true, `{"call":"c-1","time":1,"sig":"` + sig + `"}`, false},
		{"bad from", true, `{"call":"c-1","from":"x","time":1,"sig":"` + sig + `"}`, false},
		{"member twice", true, `{"call":"c-1","from":"` + p1 + `","members":["` + p2 + `","` + p2 + `"],"sig":"` + sig + `"}`, false},
		{"no sig", true, `{"call":"c-1","from":"` + p1 + `","time":1}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame := `{"v":1,"type":"invite","to":"` + p2 + `","call":"c","body":{"media":["audio"],"sdp":"v=0\r\n","key":"` +
				strings.Repeat("A", 43) + `=","sig":"` + sig + `","time":1,"group":{"id":"g","join":` + strconv.FormatBool(tc.join) +
				`,"voucher":` + tc.voucher + `,"sig":"` + sig + `"}}}`
			env, err := Decode([]byte(frame))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			var inv Invite
			err = env.DecodeBody(&inv)
			if tc.ok != (err == nil) {
				t.Fatalf("ok %v, err %v", tc.ok, err)
			}
		})
	}
}
