package discovery

import (
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// wire sends TXT strings through miekg/dns the way zeroconf does: packed
// into a message and unpacked again.
func wire(t *testing.T, txt []string) []string {
	t.Helper()
	m := new(dns.Msg)
	m.Answer = []dns.RR{&dns.TXT{
		Hdr: dns.RR_Header{Name: "x._peerline._tcp.local.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 120},
		Txt: txt,
	}}
	b, err := m.Pack()
	if err != nil {
		t.Fatalf("pack %q: %v", txt, err)
	}
	var back dns.Msg
	if err := back.Unpack(b); err != nil {
		t.Fatalf("unpack: %v", err)
	}
	return back.Answer[0].(*dns.TXT).Txt
}

func TestTXTRoundTrip(t *testing.T) {
	id := testID(t, 3)
	names := []struct{ name, in string }{
		{"ascii", "Alice's laptop"},
		{"utf8", "Zoë’s Mac — 会議室"},
		{"backslash", `C:\Users\bob`},
		{"quotes and equals", `say "hi" = yes`},
		{"empty", ""},
		{"longest", strings.Repeat("é", MaxNameBytes/2)},
	}
	for _, tc := range names {
		t.Run(tc.name, func(t *testing.T) {
			name := cleanName(tc.in)
			rec, err := parseTXT(wire(t, encodeTXT(id, name)))
			if err != nil {
				t.Fatal(err)
			}
			if rec.id != id || rec.name != name || rec.version != Version {
				t.Fatalf("got %v %q v%d, want %v %q v%d", rec.id.Short(), rec.name, rec.version, id.Short(), name, Version)
			}
		})
	}
}

func TestParseTXT(t *testing.T) {
	id := testID(t, 4).String()
	tests := []struct {
		name     string
		txt      []string
		wantName string
		wantV    int
		bad      bool
	}{
		{"canonical", []string{"id=" + id, "name=Bob", "v=1"}, "Bob", 1, false},
		{"keys any case, any order", []string{"V=2", "NAME=Bob", "Id=" + id}, "Bob", 2, false},
		{"first key wins", []string{"id=" + id, "name=Bob", "name=Eve", "v=1"}, "Bob", 1, false},
		{"unknown keys ignored", []string{"id=" + id, "v=1", "x=y", "flag"}, "", 1, false},
		{"lower-case id", []string{"id=" + strings.ToLower(id), "v=1"}, "", 1, false},
		{"control characters dropped", []string{"id=" + id, "name=Bo\\010b\\013", "v=1"}, "Bob", 1, false},
		{"no id", []string{"name=Bob", "v=1"}, "", 0, true},
		{"bad id", []string{"id=AAAA", "v=1"}, "", 0, true},
		{"no v", []string{"id=" + id}, "", 0, true},
		{"v not a number", []string{"id=" + id, "v=one"}, "", 0, true},
		{"v zero", []string{"id=" + id, "v=0"}, "", 0, true},
		{"nothing", nil, "", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := parseTXT(tc.txt)
			if tc.bad {
				if !errors.Is(err, ErrBadTXT) {
					t.Fatalf("err = %v, want ErrBadTXT", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.id.String() != id || rec.name != tc.wantName || rec.version != tc.wantV {
				t.Fatalf("got %s %q v%d", rec.id.Short(), rec.name, rec.version)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"trimmed", "  Bob  ", "Bob"},
		{"controls", "Bo\x00b\n", "Bob"},
		{"invalid utf8", "Bo\xffb", "Bo\uFFFDb"},
		{"cut at rune boundary", strings.Repeat("a", MaxNameBytes-1) + "é", strings.Repeat("a", MaxNameBytes-1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cleanName(tc.in); got != tc.want {
				t.Fatalf("cleanName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestInstanceName(t *testing.T) {
	id := testID(t, 5)
	a, b := instanceName(id), instanceName(id)
	if a == b {
		t.Fatalf("two registrations got the same instance name %q", a)
	}
	if !strings.HasPrefix(a, "peerline-"+id.Short()+"-") || len(a) > 63 {
		t.Fatalf("instance name %q", a)
	}
}

// FuzzParseTXT feeds parseTXT what any machine on the LAN can put in a
// TXT record: it must not panic, and what it accepts must be a valid
// record (an id, a version of at least 1, a clean name within bounds).
func FuzzParseTXT(f *testing.F) {
	id := testID(f, 1)
	f.Add(strings.Join(encodeTXT(id, "Ada"), "\x00"))
	f.Add("id=" + id.String() + "\x00v=1\x00name=A\\\\d\\195\\169")
	f.Add("ID=x\x00v=0\x00name=\x00=\x00\\")
	f.Fuzz(func(t *testing.T, s string) {
		rec, err := parseTXT(strings.Split(s, "\x00"))
		if err != nil {
			if !errors.Is(err, ErrBadTXT) {
				t.Fatalf("error %v is not ErrBadTXT", err)
			}
			return
		}
		if rec.id.IsZero() || rec.version < 1 || len(rec.name) > MaxNameBytes || cleanName(rec.name) != rec.name {
			t.Fatalf("accepted a bad record %+v from %q", rec, s)
		}
	})
}
