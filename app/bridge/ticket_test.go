package bridge

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// launchTicket returns the ticket and fragment of a LaunchURL.
func launchTicket(t *testing.T, h *harness, fragment string) (ticket, frag string) {
	t.Helper()
	raw, err := h.b.LaunchURL(fragment)
	if err != nil {
		t.Fatalf("LaunchURL: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("LaunchURL returned %q: %v", raw, err)
	}
	if got := "http://" + u.Host; got != h.base {
		t.Fatalf("LaunchURL host = %s, want %s", got, h.base)
	}
	if u.Query().Has("token") || strings.Contains(raw, h.token) {
		t.Fatalf("LaunchURL %q carries the token", raw)
	}
	return u.Query().Get("ticket"), u.Fragment
}

func TestLaunchTicketLogsInOnce(t *testing.T) {
	h := start(t, Config{})
	ticket, frag := launchTicket(t, h, "accept=c1&video=1")
	if frag != "accept=c1&video=1" {
		t.Fatalf("fragment = %q", frag)
	}

	resp := h.get(t, "/?ticket="+ticket, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first use: status %d, want 303", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("redirect to %q, want / (the ticket must not stay in the address bar)", loc)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, "peerline_token_") {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != h.token || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("first use: cookie %+v, want the HttpOnly SameSite=Strict session cookie", cookie)
	}
	// The cookie works like one from the token.
	if resp := h.get(t, "/", http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("with the cookie: status %d", resp.StatusCode)
	}

	// Spent: a second use is refused, even by a browser that has the cookie.
	for _, hdr := range []http.Header{nil, {"Cookie": {h.cookie()}}} {
		resp := h.get(t, "/?ticket="+ticket, hdr)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("second use (header %v): status %d, want 401", hdr, resp.StatusCode)
		}
	}
}

func TestLaunchTicketRefusals(t *testing.T) {
	h := start(t, Config{})
	cases := []struct{ name, path string }{
		{"empty", "/?ticket="},
		{"made up", "/?ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"the token is not a ticket", "/?ticket=" + h.token},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.get(t, tc.path, nil)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			if len(resp.Cookies()) != 0 {
				t.Fatalf("a refused ticket set cookies %v", resp.Cookies())
			}
		})
	}
	// Under /api a ticket is no login at all (only pages trade tickets).
	ticket, _ := launchTicket(t, h, "")
	if resp := h.get(t, "/api/info?ticket="+ticket, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/api/info with a ticket: status %d, want 401", resp.StatusCode)
	}
	if resp := h.get(t, "/?ticket="+ticket, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the ticket tried under /api must still be good for the page: status %d", resp.StatusCode)
	}

	for _, frag := range []string{"a#b", "a b", "a\nb"} {
		if _, err := h.b.LaunchURL(frag); err == nil {
			t.Errorf("LaunchURL(%q) accepted a bad fragment", frag)
		}
	}
}

func TestLaunchURLNeedsARunningBridge(t *testing.T) {
	b, err := New(Config{Assets: testAssets})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.LaunchURL(""); err != ErrNotStarted {
		t.Fatalf("before Start: %v, want ErrNotStarted", err)
	}
	b.Close()
	if _, err := b.LaunchURL(""); err != ErrClosed {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
}

func TestTicketsExpireAndStayBounded(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	tk := newTickets(func() time.Time { return now })
	old, err := tk.issue()
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(TicketTTL)
	if tk.redeem(old) {
		t.Fatal("a ticket was redeemed at its expiry")
	}

	var all []string
	for range maxTickets + 5 {
		s, err := tk.issue()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
		now = now.Add(time.Millisecond)
	}
	if len(tk.byID) != maxTickets {
		t.Fatalf("%d tickets held, want at most %d", len(tk.byID), maxTickets)
	}
	if tk.redeem(all[0]) {
		t.Error("the oldest ticket survived the bound")
	}
	if !tk.redeem(all[len(all)-1]) {
		t.Error("the newest ticket was dropped")
	}
}
