package api

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

type nopEmitter struct{}

func (nopEmitter) Emit(events.Name, any) {}

func TestHistoryMessages(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "peerline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	me, _ := identity.Generate()
	them, _ := identity.Generate()
	cur := calls.Info{ID: "call-1", Peer: them.ID().String()}
	live := true
	h := NewHistory(context.Background(), st, nopEmitter{}, me.ID(), func() []calls.Info {
		if !live {
			return nil
		}
		return []calls.Info{cur}
	})

	cases := []struct {
		name string
		call string
		mine bool
		text string
		want error
	}{
		{"ours", "call-1", true, "hello", nil},
		{"theirs", "call-1", false, "hi back", nil},
		{"another call", "call-2", true, "x", errcode.NoCall},
		{"empty", "call-1", true, "  ", errcode.BadInput},
	}
	for i, c := range cases {
		err := h.AddMessage(c.call, "m"+string(rune('a'+i)), c.mine, c.text, 1764745200000)
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	live = false
	if err := h.AddMessage("call-1", "late", true, "x", 1); !errors.Is(err, errcode.NoCall) {
		t.Errorf("after the call: %v", err)
	}
	ms, err := h.Messages("call-1")
	if err != nil || len(ms) != 2 || ms[0].Text != "hello" || ms[0].From != me.ID().String() || ms[1].From != them.ID().String() || ms[0].SentAt != 1764745200000 {
		t.Fatalf("Messages: %+v %v", ms, err)
	}
}
