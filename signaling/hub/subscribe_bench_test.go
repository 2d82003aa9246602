package hub

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// discard is a Conn that drops what it is sent.
type discard struct{ id identity.PeerID }

func (d *discard) Peer() identity.PeerID { return d.id }
func (d *discard) Send([]byte) bool      { return true }
func (d *discard) Fail(*signaling.Error) {}

// BenchmarkSubscribe is the server's per-subscribe work: decoding a body
// and changing the watched set, for a client cycling through two
// disjoint sets of 512 peers in 64-id messages (a replace, then 7 adds),
// the subscribe-512 attack of bench/signal. One op is one message.
func BenchmarkSubscribe(b *testing.B) {
	h := New()
	c := &discard{id: identity.PeerID{1}}
	h.Attach(c)
	var envs []signaling.Envelope
	for k := range 2 {
		ids := make([]identity.PeerID, signaling.MaxSubscribe)
		for j := range ids {
			var seed [8]byte
			binary.BigEndian.PutUint64(seed[:], uint64(k*signaling.MaxSubscribe+j))
			ids[j] = identity.PeerID(sha256.Sum256(seed[:]))
			if j%10 == 0 {
				h.Attach(&discard{id: ids[j]}) // some online
			}
		}
		for s := 0; s < len(ids); s += signaling.MaxSubscribeIDs {
			body := signaling.Subscribe{Add: ids[s : s+signaling.MaxSubscribeIDs]}
			if s == 0 {
				body = signaling.Subscribe{Peers: ids[:signaling.MaxSubscribeIDs]}
			}
			env, err := signaling.New(signaling.TypeSubscribe, body)
			if err != nil {
				b.Fatal(err)
			}
			envs = append(envs, env)
		}
	}
	var d signaling.SubscribeDecoder
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		env := envs[i%len(envs)]
		i++
		s, err := d.Decode(env)
		if err != nil {
			b.Fatal(err)
		}
		if !s.Incremental() {
			h.Subscribe(c, s.Peers)
		} else if e := h.Watch(c, s.Add, s.Remove); e != nil {
			b.Fatal(e)
		}
	}
}
