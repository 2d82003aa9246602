package servers

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

// linker records what the Set asks of links.Router.
type linker struct {
	mu      sync.Mutex
	added   map[string][]identity.PeerID // url → peers at AddServer
	subs    map[string][]identity.PeerID // url → peers at SubscribeServer
	removed []string
}

func (l *linker) AddServer(url, _ string, peers []identity.PeerID) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.added[url] = peers
	return nil
}

func (l *linker) SubscribeServer(_ context.Context, url string, peers []identity.PeerID) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.subs[url] = peers
	return nil
}

func (l *linker) RemoveServer(url string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.removed = append(l.removed, url)
}

func newID(t *testing.T) identity.PeerID {
	t.Helper()
	k, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k.ID()
}

// TestServersInUse: the flag's servers, the settings' and the contacts'
// are all linked, once each, and each watches only its own contacts and
// those with no server; blocked contacts name no server and are watched
// nowhere. Pruning keeps a server a contact still names and drops one
// nothing names.
func TestServersInUse(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "peerline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	// Canonical server URLs, as the store and the flag parser give them.
	const flag, setting, grace, mallory = "wss://flag.example/v1/signal", "wss://settings.example/v1/signal",
		"wss://grace.example/v1/signal", "wss://mallory.example/v1/signal"
	set, err := st.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.SignalingServers = []store.SignalingServer{{URL: setting, Token: "t"}, {URL: flag}}
	if _, err := st.PutSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	lan, g, m := newID(t), newID(t), newID(t)
	for _, c := range []store.Contact{
		{ID: lan, Name: "Ada"},
		{ID: g, Name: "Grace", SignalURL: grace},
		{ID: m, Name: "Mallory", SignalURL: mallory, Blocked: true},
	} {
		if _, err := st.AddContact(ctx, c); err != nil {
			t.Fatalf("AddContact(%s): %v", c.Name, err)
		}
	}

	l := &linker{added: map[string][]identity.PeerID{}, subs: map[string][]identity.PeerID{}}
	s := New(ctx, Config{Linker: l, Source: st, Extra: []string{flag}})
	if got, want := s.URLs(), []string{flag, setting, grace}; !slices.Equal(got, want) {
		t.Fatalf("URLs() = %v, want %v", got, want)
	}
	s.Start()
	want := map[string][]identity.PeerID{flag: {lan}, setting: {lan}, grace: {lan, g}}
	if len(l.added) != len(want) {
		t.Fatalf("linked %v, want %v", l.added, want)
	}
	for url, peers := range want {
		got := l.added[url]
		slices.SortFunc(got, compare)
		slices.SortFunc(peers, compare)
		if !slices.Equal(got, peers) {
			t.Errorf("%s watches %v, want %v", url, got, peers)
		}
	}

	s.Prune(ctx, grace) // Grace is still a contact: resubscribed, kept
	if _, ok := l.subs[grace]; !ok || slices.Contains(l.removed, grace) {
		t.Fatalf("Prune(%s) with Grace a contact: subscribed %v, removed %v", grace, l.subs, l.removed)
	}
	if err := st.DeleteContact(ctx, g); err != nil {
		t.Fatal(err)
	}
	s.Prune(ctx, grace)
	if !slices.Contains(l.removed, grace) {
		t.Fatalf("Prune(%s) after Grace was deleted: removed %v, want it", grace, l.removed)
	}
	s.Prune(ctx, "") // a contact with no server names none
	if len(l.removed) != 1 {
		t.Fatalf("removed %v, want only %s", l.removed, grace)
	}
}

func compare(a, b identity.PeerID) int { return strings.Compare(a.String(), b.String()) }
