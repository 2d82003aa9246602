//go:build linux

// Package notifytest runs a real desktop notification server for tests:
// a private session D-Bus (dbus-daemon), an X server (Xvfb) and dunst,
// whose script rule logs every notification it receives and whose
// context menu ("dmenu") is a script that picks the action a test asks
// for. Nothing is faked: the notifications go through D-Bus to dunst,
// and dunst sends the actions back.
package notifytest

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Tools are the programs Start needs (apt: dbus-daemon, xvfb, dunst;
// dunstctl comes with dunst and uses dbus-send).
var Tools = []string{"dbus-daemon", "dbus-send", "Xvfb", "dunst", "dunstctl"}

// Desktop is a running private bus with dunst on it.
type Desktop struct {
	// BusAddress is the private session bus (DBUS_SESSION_BUS_ADDRESS).
	BusAddress string
	// Display is the X display dunst draws on (":N").
	Display string

	dir string
}

// Received is one notification as dunst received it (from its script
// rule's environment).
type Received struct {
	ID      uint32
	AppName string
	Summary string
	Body    string
	Urgency string // "LOW", "NORMAL" or "CRITICAL"
}

// Require skips t when a tool is missing, unless CI is set (make
// deps-test installs them there), when it fails.
func Require(t testing.TB) {
	t.Helper()
	for _, tool := range Tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed (make deps-test installs dunst, dbus and xvfb)", tool)
			}
			t.Skipf("%s not installed (apt install dunst dbus-x11 xvfb, or make deps-test)", tool)
		}
	}
}

// StartBus runs a private session bus with no notification server on it
// and returns its address.
func StartBus(t testing.TB) string {
	t.Helper()
	d := &Desktop{dir: t.TempDir()}
	return d.startBus(t)
}

// Start runs dbus-daemon, Xvfb and dunst for t; t's cleanup stops them.
func Start(t testing.TB) *Desktop {
	t.Helper()
	Require(t)
	d := &Desktop{dir: t.TempDir()}
	d.BusAddress = d.startBus(t)
	d.Display = d.startX(t)
	d.startDunst(t)
	return d
}

// Env is the environment a process needs to notify through this desktop.
func (d *Desktop) Env() []string {
	return []string{"DBUS_SESSION_BUS_ADDRESS=" + d.BusAddress, "DISPLAY=" + d.Display}
}

func (d *Desktop) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + d.dir, "XDG_CONFIG_HOME=" + filepath.Join(d.dir, "config")}, d.Env()...)
	return cmd
}

// run starts a long-lived process whose output goes to a file in d.dir
// and stops it at cleanup.
func (d *Desktop) run(t testing.TB, cmd *exec.Cmd, name string) {
	t.Helper()
	out, err := os.Create(filepath.Join(d.dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("notifytest: start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		out.Close()
	})
}

// Log returns what a process (dbus, xvfb, dunst) wrote, for failures.
func (d *Desktop) Log(name string) string {
	b, _ := os.ReadFile(filepath.Join(d.dir, name+".log"))
	return string(b)
}

// readFD runs cmd with a pipe as fd 3 and returns its first line.
func (d *Desktop) readFD(t testing.TB, cmd *exec.Cmd, name string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.ExtraFiles = []*os.File{w}
	d.run(t, cmd, name)
	w.Close()
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(r).ReadString('\n')
		r.Close()
		line <- strings.TrimSpace(l)
	}()
	select {
	case l := <-line:
		if l == "" {
			t.Fatalf("notifytest: %s printed nothing; log:\n%s", name, d.Log(name))
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatalf("notifytest: %s did not start in 10s; log:\n%s", name, d.Log(name))
	}
	return ""
}

// busConfig is the private bus: a session bus with no service
// directories, so nothing is started on demand. (The system's session
// services would be: a Chromium on this bus activated
// xdg-document-portal, whose FUSE mount in the test's HOME outlived it.)
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

func (d *Desktop) startBus(t testing.TB) string {
	sock := filepath.Join(d.dir, "bus")
	conf := filepath.Join(d.dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, sock)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--print-address=3")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + d.dir}
	return d.readFD(t, cmd, "dbus")
}

func (d *Desktop) startX(t testing.TB) string {
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1024x600x24", "-nolisten", "tcp")
	n := d.readFD(t, cmd, "xvfb")
	if _, err := strconv.Atoi(n); err != nil {
		t.Fatalf("notifytest: Xvfb gave display %q", n)
	}
	return ":" + n
}

// The dunst configuration: a script rule that logs every notification
// (fields base64-encoded after a "b", so none is empty; one line each), and a "dmenu" that picks the
// context menu line holding the text in the choice file.
const dunstrc = `[global]
    font = DejaVu Sans 11
    width = 420
    height = 160
    origin = top-right
    offset = 16x16
    frame_width = 2
    padding = 12
    horizontal_padding = 14
    markup = full
    format = "<b>%%s</b>\n%%b"
    show_indicators = yes
    min_icon_size = 48
    max_icon_size = 48
    icon_position = left
    dmenu = %[1]s/dmenu.sh
    browser = /bin/true
[urgency_critical]
    background = "#ffffff"
    foreground = "#1d2430"
    frame_color = "#2f6fed"
    timeout = 0
[log]
    summary = "*"
    script = %[1]s/log.sh
`

const logScript = `#!/bin/sh
enc() { printf 'b'; printf '%%s' "$1" | base64 -w0; }
printf '%%s %%s %%s %%s %%s\n' "$DUNST_ID" "$(enc "$DUNST_APP_NAME")" "$(enc "$DUNST_SUMMARY")" "$(enc "$DUNST_BODY")" "$DUNST_URGENCY" >> %[1]s/received.log
`

const dmenuScript = `#!/bin/sh
cat > %[1]s/menu.txt
grep -F -- "$(cat %[1]s/choice)" %[1]s/menu.txt | head -n 1
`

func (d *Desktop) startDunst(t testing.TB) {
	t.Helper()
	for name, text := range map[string]string{"dunstrc": dunstrc, "log.sh": logScript, "dmenu.sh": dmenuScript} {
		if err := os.WriteFile(filepath.Join(d.dir, name), []byte(fmt.Sprintf(text, d.dir)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Wait for dunst to own the name: the bus says so in a signal.
	conn, err := dbus.Connect(d.BusAddress)
	if err != nil {
		t.Fatalf("notifytest: bus: %v", err)
	}
	defer conn.Close()
	if err := conn.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, "org.freedesktop.Notifications")); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan *dbus.Signal, 4)
	conn.Signal(sigs)
	d.run(t, d.command("dunst", "-conf", filepath.Join(d.dir, "dunstrc")), "dunst")
	timeout := time.After(10 * time.Second)
	for {
		select {
		case s := <-sigs:
			if len(s.Body) == 3 && s.Body[2] != "" {
				return
			}
		case <-timeout:
			t.Fatalf("notifytest: dunst did not take org.freedesktop.Notifications in 10s; log:\n%s", d.Log("dunst"))
		}
	}
}

// Received returns every notification dunst has received so far.
func (d *Desktop) Received() []Received {
	b, _ := os.ReadFile(filepath.Join(d.dir, "received.log"))
	var out []Received
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 {
			continue
		}
		id, _ := strconv.ParseUint(f[0], 10, 32)
		dec := func(s string) string {
			v, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "b"))
			return string(v)
		}
		out = append(out, Received{ID: uint32(id), AppName: dec(f[1]), Summary: dec(f[2]), Body: dec(f[3]), Urgency: f[4]})
	}
	return out
}

// WaitReceived waits until dunst has received a notification that match
// accepts (nil: any) and returns it. dunst runs its script rule in a
// child process, so this watches the log it writes.
func (d *Desktop) WaitReceived(t testing.TB, match func(Received) bool, timeout time.Duration) Received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, r := range d.Received() {
			if match == nil || match(r) {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("notifytest: no matching notification in %s; dunst received %+v; log:\n%s", timeout, d.Received(), d.Log("dunst"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Displayed is how many notifications dunst shows now.
func (d *Desktop) Displayed(t testing.TB) int {
	t.Helper()
	out, err := d.command("dunstctl", "count", "displayed").Output()
	if err != nil {
		t.Fatalf("notifytest: dunstctl count: %v", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("notifytest: dunstctl count said %q", out)
	}
	return n
}

// WaitDisplayed waits until dunst shows n notifications.
func (d *Desktop) WaitDisplayed(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for got := d.Displayed(t); got != n; got = d.Displayed(t) {
		if time.Now().After(deadline) {
			t.Fatalf("notifytest: dunst shows %d notifications, want %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// DefaultAction invokes the default action of the notification shown at
// position (0: the top one), as `dunstctl action N` does: what a click
// on the notification does.
func (d *Desktop) DefaultAction(t testing.TB, position int) {
	t.Helper()
	if out, err := d.command("dunstctl", "action", strconv.Itoa(position)).CombinedOutput(); err != nil {
		t.Fatalf("notifytest: dunstctl action: %v: %s", err, out)
	}
}

// ChooseAction opens dunst's context menu (`dunstctl context`) and picks
// the action key of notification id: a button other than the default.
// dunst lists actions as "#Label (Summary) [ID,KEY]".
func (d *Desktop) ChooseAction(t testing.TB, id uint32, key string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(d.dir, "choice"), []byte(fmt.Sprintf("[%d,%s]", id, key)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := d.command("dunstctl", "context").CombinedOutput(); err != nil {
		t.Fatalf("notifytest: dunstctl context: %v: %s", err, out)
	}
}

// Menu returns the last context menu dunst offered (one line per item).
func (d *Desktop) Menu() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "menu.txt"))
	return string(b)
}

// HistoryEntry is one notification of `dunstctl history`.
type HistoryEntry struct {
	ID      uint32
	AppName string
	Summary string
	Body    string
}

// History returns dunst's history (notifications closed or expired),
// from `dunstctl history` (JSON: {"type":"aa{sv}","data":[[{...}]]}).
func (d *Desktop) History(t testing.TB) []HistoryEntry {
	t.Helper()
	out, err := d.command("dunstctl", "history").Output()
	if err != nil {
		t.Fatalf("notifytest: dunstctl history: %v", err)
	}
	type field struct {
		Data json.RawMessage `json:"data"`
	}
	var h struct {
		Data [][]map[string]field `json:"data"`
	}
	if err := json.Unmarshal(out, &h); err != nil {
		t.Fatalf("notifytest: dunstctl history: %v: %s", err, out)
	}
	var entries []HistoryEntry
	for _, page := range h.Data {
		for _, m := range page {
			var e HistoryEntry
			json.Unmarshal(m["id"].Data, &e.ID)
			json.Unmarshal(m["appname"].Data, &e.AppName)
			json.Unmarshal(m["summary"].Data, &e.Summary)
			json.Unmarshal(m["body"].Data, &e.Body)
			entries = append(entries, e)
		}
	}
	return entries
}

// Screenshot saves the X screen (with the notifications on it) as a PNG
// with ImageMagick's import.
func (d *Desktop) Screenshot(t testing.TB, path string) {
	t.Helper()
	if out, err := d.command("import", "-window", "root", path).CombinedOutput(); err != nil {
		t.Fatalf("notifytest: screenshot: %v: %s", err, out)
	}
}

// Context is a helper for tests: a context that ends with t.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}
