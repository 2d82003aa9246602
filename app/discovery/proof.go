package discovery

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// Proofs: an mDNS announcement is a claim anyone on the LAN can make
// ("I am Grace's id, at 10.0.0.66, called Mallory"). With Config.Identity
// set, nothing from it counts until the hub at that address has proven
// the key: the first probe of an (id, address) is a mutual-auth dial
// (signaling.Dial with ExpectPeer and Probe, bound to the TLS session)
// that the hub closes after its welcome. The proof pins the hub's
// ephemeral TLS certificate for that address, and the later /healthz
// probes go over TLS checked against the pin, so a liveness answer too
// comes from the hub that holds the key. The peer's name is the one the
// hub signed in its proof; the announced name only asks for a new proof
// when it differs (at most once per reproveAfter per address).
//
// An address that fails its proof counts as a refusal: a forged
// announcement never makes a peer online, never renames it, and never
// moves it (its proven addresses stay among its candidates).

// reproveAfter bounds how often an announcement whose name differs from
// the proven one can make us prove an address again.
const reproveAfter = 5 * time.Second

// proof is what a proven handshake established for one address.
type proof struct {
	id   identity.PeerID
	pin  [sha256.Size]byte // the hub's TLS certificate
	name string            // signed in the hub's proof
	key  ed25519.PublicKey // the key the hub proved (id's)
	at   time.Time
}

// ErrUnproven: the hub at an address did not prove the key it was
// announced with (a forged announcement, or another peer's hub).
var ErrUnproven = errors.New("discovery: the hub did not prove the announced key")

// errPinMismatch: the hub at a proven address shows another certificate
// (it restarted, or someone else answers there now).
var errPinMismatch = errors.New("discovery: hub certificate is not the proven one")

// prove dials the hub at addr expecting id, and records the proof.
func (m *MDNS) prove(ctx context.Context, id identity.PeerID, addr netip.AddrPort) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.ProbeTimeout)
	defer cancel()
	host := strings.ReplaceAll(addr.String(), "%", "%25")
	c, err := signaling.Dial(ctx, signaling.DialConfig{
		URL: "wss://" + host + signaling.Path, Identity: m.cfg.Identity, ExpectPeer: id, Probe: true,
		Dialer: &websocket.Dialer{HandshakeTimeout: m.cfg.ProbeTimeout, NetDialContext: (&net.Dialer{}).DialContext},
	})
	if err != nil {
		if isRefused(err) {
			return fmt.Errorf("discovery: prove %s at %s: %w: %w", id.Short(), addr, ErrProbeRefused, err)
		}
		var se *signaling.Error
		if errors.As(err, &se) || strings.Contains(err.Error(), "HTTP ") {
			// The hub answered but is not id's (or refused us): a refusal.
			return fmt.Errorf("discovery: prove %s at %s: %w: %w: %w", id.Short(), addr, ErrProbeRefused, ErrUnproven, err)
		}
		return fmt.Errorf("discovery: prove %s at %s: %w: %w", id.Short(), addr, ErrProbeNoAnswer, err)
	}
	defer c.Close()
	cs := c.TLS()
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("discovery: prove %s at %s: %w: %w: no certificate", id.Short(), addr, ErrProbeRefused, ErrUnproven)
	}
	pf := proof{id: id, pin: sha256.Sum256(cs.PeerCertificates[0].Raw), at: time.Now()}
	if l := c.Welcome().Listener; l != nil {
		pf.name = cleanName(l.Name)
		// Dial checked the proof's signature under this key and that the
		// key is id's (ExpectPeer); check the hash again before handing
		// the key on as proven.
		if k := ed25519.PublicKey(bytes.Clone(l.Key)); len(k) == ed25519.PublicKeySize && identity.IDFromKey(k) == id {
			pf.key = k
		}
	}
	m.mu.Lock()
	m.proofs[addr] = pf
	if st := m.peers["id:"+id.String()]; st != nil && pf.key != nil {
		m.queueEvent(Event{Kind: PeerProven, Peer: m.viewOf(st), At: addr, Key: pf.key})
	}
	m.mu.Unlock()
	m.log.Debug("discovery: proven", "id", id.Short(), "addr", addr, "name", pf.name)
	return nil
}

// needsProof reports whether addr must be proven for id before a
// /healthz answer from it counts.
func (m *MDNS) needsProof(id identity.PeerID, addr netip.AddrPort) bool {
	if m.cfg.Identity == nil || id.IsZero() {
		return false // proofs off, or a static peer whose id we do not know
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	pf, ok := m.proofs[addr]
	if !ok || !pf.id.Equal(id) {
		return true
	}
	st := m.peers["id:"+id.String()]
	return st != nil && st.announced != pf.name && time.Since(pf.at) >= reproveAfter
}

// forgetProof drops addr's proof (its hub refused or changed).
func (m *MDNS) forgetProof(addr netip.AddrPort) {
	m.mu.Lock()
	delete(m.proofs, addr)
	m.mu.Unlock()
}

// keepProven adds to cands the addresses of old that are proven for id:
// a newer announcement may add addresses, but only a refusal removes a
// proven one. Callers hold mu.
func (m *MDNS) keepProven(id identity.PeerID, old, cands []netip.AddrPort) []netip.AddrPort {
	for _, a := range old {
		if pf, ok := m.proofs[a]; ok && pf.id.Equal(id) && !containsAddr(cands, a) {
			cands = append(cands, a)
		}
	}
	return cands
}

func containsAddr(list []netip.AddrPort, a netip.AddrPort) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// dialProbeTLS is the probe client's TLS dial: TLS 1.3 to the hub, whose
// certificate must be the one pinned by the address's proof, if any.
func (m *MDNS) dialProbeTLS(ctx context.Context, network, hostport string) (net.Conn, error) {
	d := &net.Dialer{Timeout: m.cfg.ProbeTimeout}
	raw, err := d.DialContext(ctx, network, hostport)
	if err != nil {
		return nil, err
	}
	addr, _ := netip.ParseAddrPort(hostport)
	m.mu.Lock()
	pf, pinned := m.proofs[addr]
	m.mu.Unlock()
	tc := tls.Client(raw, &tls.Config{
		MinVersion: tls.VersionTLS13,
		NextProtos: []string{"http/1.1"},
		// The certificate is self-signed and ephemeral: what makes it the
		// right one is the pin a proven handshake set.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if pinned && (len(cs.PeerCertificates) == 0 || sha256.Sum256(cs.PeerCertificates[0].Raw) != pf.pin) {
				return errPinMismatch
			}
			return nil
		},
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return tc, nil
}

// applyProof makes a fresh proof at addr the name of id's peer.
func (m *MDNS) applyProof(id identity.PeerID, addr netip.AddrPort) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.peers["id:"+id.String()]
	pf, ok := m.proofs[addr]
	if st == nil || !ok || st.name == pf.name {
		return
	}
	st.name = pf.name
	if st.online {
		m.emit(PeerUpdated, st)
	}
}

// viewOf is st's public view: with proofs on, its addresses are only the
// proven ones while it has any (an announced address nobody proved is
// not handed to callers to dial). Callers hold mu.
func (m *MDNS) viewOf(st *peerState) Peer {
	p := st.view()
	if m.cfg.Identity == nil || st.static {
		return p
	}
	proven := p.Addrs[:0:0]
	for _, a := range p.Addrs {
		if pf, ok := m.proofs[a]; ok && pf.id.Equal(st.id) {
			proven = append(proven, a)
		}
	}
	if len(proven) > 0 {
		p.Addrs = proven
	}
	return p
}

// freeAddr hears that the hub at addr answers but is not id's (it proved
// another key, or shows another certificate): the machine there is up and
// someone else's now, typically id reinstalled under a new key. The
// address's probe record is shared (bounds.go), and id's refusals back it
// off, so the peer now announced there might wait long for its proof at
// the very address "identity changed" is matched by (package trust): id's
// probe loop, woken exactly when the address is due, keeps taking the
// probe. So one other peer listing addr and not proven there gets its
// proof now (owned by m.wg, a token of the global bucket, counted as a
// probe of addr). Bounded: one proof per refusal of a probe-loop probe,
// and a proof started here never frees again.
func (m *MDNS) freeAddr(id identity.PeerID, addr netip.AddrPort) {
	m.mu.Lock()
	if !m.running || m.proving[addr] {
		m.mu.Unlock()
		return
	}
	var pick *peerState
	for _, st := range m.peers {
		if st.static || st.removed || st.id.IsZero() || st.id.Equal(id) || !containsAddr(st.cands, addr) {
			continue
		}
		if pf, ok := m.proofs[addr]; ok && pf.id.Equal(st.id) {
			continue
		}
		if pick == nil || (st.online && !pick.online) {
			pick = st // an online peer first: it is the likelier owner
		}
	}
	if pick == nil || !m.bucket.Allow() {
		m.mu.Unlock()
		return
	}
	m.proving[addr] = true
	ctx, wg, other := m.ctx, m.wg, pick.id
	wg.Add(1) // under mu: Run waits only once running is false
	m.mu.Unlock()
	m.log.Debug("discovery: address refused, proving another peer there", "refused", id.Short(), "addr", addr, "peer", other.Short())
	go func() {
		defer wg.Done()
		err := m.prove(ctx, other, addr)
		m.mu.Lock()
		delete(m.proving, addr)
		m.recordProbe(addr, err == nil, time.Now())
		m.mu.Unlock()
	}()
}
