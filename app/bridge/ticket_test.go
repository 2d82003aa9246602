package bridge

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// launch is one LaunchURL: the page's path and where it sends the browser.
type launch struct {
	file   string
	target *url.URL
	ticket string
}

var replaceRE = regexp.MustCompile(`location\.replace\(("[^"]*")\)`)

func launchOf(t *testing.T, h *harness, fragment string) launch {
	t.Helper()
	raw, err := h.b.LaunchURL(fragment)
	if err != nil {
		t.Fatalf("LaunchURL: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "file" || u.Host != "" {
		t.Fatalf("LaunchURL = %q (%v), want a file:/// URL", raw, err)
	}
	if strings.Contains(raw, h.token) || strings.Contains(raw, "ticket") {
		t.Fatalf("LaunchURL %q carries a secret", raw)
	}
	page, err := os.ReadFile(u.Path)
	if err != nil {
		t.Fatalf("launch page: %v", err)
	}
	if strings.Contains(string(page), h.token) {
		t.Fatalf("the launch page holds the token:\n%s", page)
	}
	m := replaceRE.FindSubmatch(page)
	if m == nil {
		t.Fatalf("launch page without location.replace:\n%s", page)
	}
	var target string
	if err := json.Unmarshal(m[1], &target); err != nil {
		t.Fatal(err)
	}
	tu, err := url.Parse(target)
	if err != nil || "http://"+tu.Host != h.base || tu.Path != "/" || tu.RawQuery != "" {
		t.Fatalf("the launch page goes to %q, want %s/#…", target, h.base)
	}
	frag, _ := url.ParseQuery(tu.Fragment)
	return launch{file: u.Path, target: tu, ticket: frag.Get("ticket")}
}

// redeem posts a ticket to /api/session as the frontend does.
func redeem(t *testing.T, h *harness, auth string) (status int, token string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.base+"/api/session", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Origin", h.base)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var s session
	json.Unmarshal(body, &s)
	if resp.StatusCode == 200 && resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("session answer Cache-Control %q, want no-store", resp.Header.Get("Cache-Control"))
	}
	return resp.StatusCode, s.Token
}

func TestLaunchPageIsPrivateAndLogsInOnce(t *testing.T) {
	old := syscall.Umask(0) // the modes must not depend on the umask
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "launch")
	if err := os.Mkdir(dir, 0o777); err != nil { // too open: the bridge narrows it
		t.Fatal(err)
	}
	h := start(t, Config{LaunchDir: dir})
	l := launchOf(t, h, "accept=c1&video=1")
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("launch dir mode %v (%v), want 0700", st.Mode(), err)
	}
	if st, err := os.Stat(l.file); err != nil || st.Mode().Perm() != 0o600 || filepath.Dir(l.file) != dir {
		t.Fatalf("launch page %s mode %v (%v), want 0600 in %s", l.file, st.Mode(), err, dir)
	}
	if l.ticket == "" || l.target.Fragment != "ticket="+l.ticket+"&accept=c1&video=1" {
		t.Fatalf("fragment %q, want ticket=T&accept=c1&video=1", l.target.Fragment)
	}

	if st, tok := redeem(t, h, "Ticket "+l.ticket); st != 200 || tok != h.token {
		t.Fatalf("first use: %d, token ok %v; want 200 and the token", st, tok == h.token)
	}
	if _, err := os.Stat(l.file); !os.IsNotExist(err) {
		t.Errorf("the launch page is still there after its ticket was spent: %v", err)
	}
	if st, tok := redeem(t, h, "Ticket "+l.ticket); st != 401 || tok != "" {
		t.Fatalf("second use: %d, want 401", st)
	}
}

func TestLaunchTicketRefusals(t *testing.T) {
	h := start(t, Config{})
	l := launchOf(t, h, "")
	for _, auth := range []string{
		"",
		"Ticket ",
		"Ticket AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"Ticket " + h.token, // the token is not a ticket
		"Bearer " + l.ticket,
		"Bearer " + h.token,
	} {
		if st, tok := redeem(t, h, auth); st != 401 || tok != "" {
			t.Errorf("Authorization %q: %d, want 401", auth, st)
		}
	}
	// A ticket is no credential for the API, in any form.
	for _, hd := range []http.Header{
		{"Authorization": {"Bearer " + l.ticket}},
		{"Sec-WebSocket-Protocol": {Subprotocol + ", " + TokenProtocolPrefix + l.ticket}},
	} {
		if resp := h.get(t, "/api/info?ticket="+l.ticket, hd); resp.StatusCode != 401 {
			t.Errorf("/api/info with the ticket (%v): %d, want 401", hd, resp.StatusCode)
		}
	}
	if st, _ := redeem(t, h, "Ticket "+l.ticket); st != 200 {
		t.Fatalf("the ticket tried elsewhere must still be good: %d", st)
	}

	for _, frag := range []string{"a#b", "a b", "a\nb", "&ticket=x"} {
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

func TestLaunchPagesGoAway(t *testing.T) {
	// Default: a directory of the bridge's own, gone at Close with its pages.
	h := start(t, Config{})
	l := launchOf(t, h, "")
	h.b.Close()
	if _, err := os.Stat(filepath.Dir(l.file)); !os.IsNotExist(err) {
		t.Errorf("the bridge's launch dir outlived Close: %v", err)
	}

	// A configured directory: pages an earlier run left are deleted at
	// Start, the directory stays.
	dir := t.TempDir()
	stale := filepath.Join(dir, launchPrefix+"0123"+launchSuffix)
	other := filepath.Join(dir, "keep.txt")
	for _, f := range []string{stale, other} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h = start(t, Config{LaunchDir: dir})
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a stale launch page survived Start: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("Start deleted a file that is not a launch page: %v", err)
	}
	l = launchOf(t, h, "")
	h.b.Close()
	if _, err := os.Stat(l.file); !os.IsNotExist(err) {
		t.Errorf("a launch page outlived Close: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("Close removed the configured dir: %v", err)
	}
}

func TestLaunchPageDeletedAtExpiry(t *testing.T) {
	// The launches' own sweeper reads the clock too: keep it atomic.
	var clock atomic.Int64
	clock.Store(time.Unix(1_000_000, 0).UnixNano())
	l := newLaunches(t.TempDir(), slog.New(slog.DiscardHandler), func() time.Time { return time.Unix(0, clock.Load()) })
	defer l.close()
	file, err := l.write("http://127.0.0.1:1", "")
	if err != nil {
		t.Fatal(err)
	}
	l.expire()
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the page went before its ticket expired: %v", err)
	}
	clock.Add(int64(TicketTTL))
	l.expire()
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("the page of an expired ticket is still there: %v", err)
	}
}

func TestTicketsExpireAndStayBounded(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	tk := newTickets(func() time.Time { return now })
	old, _, err := tk.issue("old")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(TicketTTL)
	if ok, file := tk.redeem(old); ok || file != "old" {
		t.Fatalf("redeem at expiry = %v, %q; want false and the page to delete", ok, file)
	}

	var all []string
	var dropped []string
	for i := range maxTickets + 5 {
		s, d, err := tk.issue(string(rune('a' + i)))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
		dropped = append(dropped, d...)
		now = now.Add(time.Millisecond)
	}
	if len(tk.byID) != maxTickets || len(dropped) != 5 || dropped[0] != "a" {
		t.Fatalf("%d tickets held, dropped %q; want %d held and the 5 oldest pages dropped", len(tk.byID), dropped, maxTickets)
	}
	if ok, _ := tk.redeem(all[0]); ok {
		t.Error("the oldest ticket survived the bound")
	}
	if ok, _ := tk.redeem(all[len(all)-1]); !ok {
		t.Error("the newest ticket was dropped")
	}
}
