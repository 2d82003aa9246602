package bridge

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ErrNotStarted means the bridge has no address yet.
var ErrNotStarted = errors.New("bridge: not started")

// launchPrefix and launchSuffix frame a launch page's file name.
const (
	launchPrefix = "launch-"
	launchSuffix = ".html"
)

// launches owns the tickets and their launch pages: files of mode 0600 in
// a directory of mode 0700, so that only this user (and root) can read a
// ticket. A page is deleted when its ticket is redeemed, when it expires
// and when the bridge closes.
type launches struct {
	log *slog.Logger
	mu  sync.Mutex
	dir string // "" until the first page, unless configured
	// temp: dir was made by us under os.TempDir and goes at close.
	temp    bool
	tickets *tickets
	sweep   *time.Timer // deletes expired pages; nil when none wait
	closed  bool
}

func newLaunches(dir string, log *slog.Logger, now func() time.Time) *launches {
	return &launches{dir: dir, log: log, tickets: newTickets(now)}
}

// clean deletes launch pages a previous run left behind (a crash).
func (l *launches) clean() {
	if l.dir == "" {
		return
	}
	old, _ := filepath.Glob(filepath.Join(l.dir, launchPrefix+"*"+launchSuffix))
	l.remove(old)
}

// write makes a launch page that sends the browser to target plus
// "#ticket=T" (and "&"+fragment), and returns its path.
func (l *launches) write(origin, fragment string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return "", ErrClosed
	}
	if err := l.ensureDir(); err != nil {
		return "", fmt.Errorf("bridge: launch page: %w", err)
	}
	name := make([]byte, 12)
	rand.Read(name)
	file := filepath.Join(l.dir, launchPrefix+hex.EncodeToString(name)+launchSuffix)
	t, dropped, err := l.tickets.issue(file)
	if err != nil {
		return "", fmt.Errorf("bridge: making ticket: %w", err)
	}
	defer l.remove(dropped)
	target := origin + "/#ticket=" + t
	if fragment != "" {
		target += "&" + fragment
	}
	if err := writePrivate(file, launchPage(target)); err != nil {
		l.tickets.revoke(t)
		return "", fmt.Errorf("bridge: launch page: %w", err)
	}
	l.armSweep()
	return file, nil
}

// ensureDir makes the launch directory private, whatever it was before.
func (l *launches) ensureDir() error {
	if l.dir == "" {
		d, err := os.MkdirTemp("", "peerline-launch-") // mode 0700
		if err != nil {
			return err
		}
		l.dir, l.temp = d, true
		return nil
	}
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(l.dir, 0o700)
}

// redeem spends ticket s and deletes its page.
func (l *launches) redeem(s string) bool {
	l.mu.Lock()
	ok, file := l.tickets.redeem(s)
	l.mu.Unlock()
	if file != "" {
		l.remove([]string{file})
	}
	return ok
}

// armSweep schedules the deletion of the next page to expire. Called
// with l.mu held.
func (l *launches) armSweep() {
	next, ok := l.tickets.next()
	if !ok || l.closed {
		return
	}
	d := max(time.Until(next), 0)
	if l.sweep == nil {
		l.sweep = time.AfterFunc(d, l.expire)
	} else {
		l.sweep.Reset(d)
	}
}

func (l *launches) expire() {
	l.mu.Lock()
	files := l.tickets.expire(l.tickets.now())
	l.armSweep()
	l.mu.Unlock()
	l.remove(files)
}

// close deletes every page left, and the directory if it was ours.
func (l *launches) close() {
	l.mu.Lock()
	l.closed = true
	if l.sweep != nil {
		l.sweep.Stop()
	}
	files := l.tickets.all()
	dir, temp := l.dir, l.temp
	l.mu.Unlock()
	l.remove(files)
	if temp {
		os.RemoveAll(dir)
	}
}

func (l *launches) remove(files []string) {
	for _, f := range files {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			l.log.Warn("bridge: cannot delete a launch page", "file", f, "err", err)
		}
	}
}

// writePrivate creates file with mode 0600 (never wider, whatever the
// umask) and data in it. O_EXCL: a file someone put there first is not
// written to.
func writePrivate(file string, data []byte) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(file)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(file)
		return err
	}
	return nil
}

// launchPage is the HTML of a launch page: it replaces itself with target
// at once (no history entry). target goes in as a JSON string, which
// escapes <, > and & too.
func launchPage(target string) []byte {
	js, _ := json.Marshal(target)
	return []byte("<!doctype html>\n<meta charset=\"utf-8\">\n<meta name=\"referrer\" content=\"no-referrer\">\n" +
		"<title>Peerline</title>\n<script>location.replace(" + string(js) + ")</script>\n")
}

// LaunchURL returns a URL that logs a browser into this bridge once, for
// handing to another program on its command line (the call window's
// browser): file:///…/launch-RANDOM.html, a launch page of mode 0600 in
// Config.LaunchDir (mode 0700) that sends the browser on to
// http://127.0.0.1:PORT/#ticket=T&FRAGMENT. The command line, readable by
// every local account, holds only the page's path; the ticket is in the
// page and then in the URL's fragment, which never reaches a server. The
// frontend trades the ticket for the token at POST /api/session, once,
// within TicketTTL; the page is deleted then, or at expiry. fragment is
// what the page reads to know why it was opened; it must not contain '#',
// '&' first, or white space.
func (b *Bridge) LaunchURL(fragment string) (string, error) {
	b.mu.Lock()
	started, closed := b.started, b.closed
	b.mu.Unlock()
	switch {
	case closed:
		return "", ErrClosed
	case !started:
		return "", ErrNotStarted
	case strings.ContainsAny(fragment, "# \t\r\n") || strings.HasPrefix(fragment, "&"):
		return "", fmt.Errorf("bridge: launch URL: bad fragment %q", fragment)
	}
	file, err := b.launches.write(b.origin, fragment)
	if err != nil {
		return "", err
	}
	return fileURL(file), nil
}

// fileURL is the file: URL of an absolute path.
func fileURL(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: C:/Users/… is file:///C:/Users/…
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}
