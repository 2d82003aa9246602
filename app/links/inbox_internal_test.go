package links

import (
	"bytes"
	"testing"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

func msg(from byte, body int) signaling.Envelope {
	var id identity.PeerID
	id[0] = from
	return signaling.Envelope{Type: signaling.TypeCandidate, From: id, Body: bytes.Repeat([]byte{'x'}, body)}
}

// Senders are served in turn, each in its own order.
func TestInboxRoundRobin(t *testing.T) {
	b := newInbox()
	for _, m := range []signaling.Envelope{msg(1, 0), msg(1, 1), msg(1, 2), msg(2, 0), msg(3, 0), msg(2, 1)} {
		if !b.push(m) {
			t.Fatal("refused")
		}
	}
	var got []int
	for {
		env, ok := b.pop()
		if !ok {
			break
		}
		got = append(got, int(env.From[0])*10+len(env.Body))
	}
	want := []int{10, 20, 30, 11, 21, 12}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// The per-sender bound drops only that sender's excess; the byte bound
// over all senders takes from the biggest queue, never from a small one.
func TestInboxBounds(t *testing.T) {
	b := newInbox()
	for range InboxPerSender {
		if !b.push(msg(1, 0)) {
			t.Fatal("refused within the bound")
		}
	}
	if b.push(msg(1, 0)) {
		t.Fatal("accepted past the per-sender bound")
	}
	if !b.push(msg(2, 0)) {
		t.Fatal("another sender refused")
	}

	b = newInbox()
	big := InboxPerSenderBytes/2 - 256
	flooders := InboxBytes / InboxPerSenderBytes
	for f := range flooders { // fill InboxBytes exactly, two big messages each
		for range 2 {
			if !b.push(msg(byte(10+f), big)) {
				t.Fatalf("flooder %d refused under the total", f)
			}
		}
	}
	if !b.push(msg(1, 10)) { // a small honest message still fits: a big one gives way
		t.Fatal("honest message refused when the total was reached")
	}
	if b.dropped != 1 {
		t.Fatalf("dropped %d, want 1 (one flooder message)", b.dropped)
	}
}
