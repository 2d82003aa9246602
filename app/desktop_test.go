package app

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/app/api"
	"github.com/peerline/peerline/app/bridge/bridgetest"
	"github.com/peerline/peerline/app/browser"
	"github.com/peerline/peerline/app/calls"
)

// recordingBrowser puts a program on PEERLINE_BROWSER that writes its
// arguments, one per line, to the returned file and exits.
func recordingBrowser(t *testing.T) (argsFile string) {
	t.Helper()
	dir := t.TempDir()
	argsFile = filepath.Join(dir, "args")
	prog := filepath.Join(dir, "browser")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + argsFile + ".tmp' && mv '" + argsFile + ".tmp' '" + argsFile + "'\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(browser.EnvProgram, prog)
	t.Setenv(browser.EnvArgs, "")
	return argsFile
}

// appURL waits for the browser's arguments and returns its --app URL.
func appURL(t *testing.T, argsFile string) *url.URL {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(argsFile)
		if err == nil {
			os.Remove(argsFile)
			for _, a := range strings.Split(string(b), "\n") {
				if raw, ok := strings.CutPrefix(a, "--app="); ok {
					u, err := url.Parse(raw)
					if err != nil {
						t.Fatalf("--app=%s: %v", raw, err)
					}
					return u
				}
			}
			t.Fatalf("no --app= among the browser's arguments:\n%s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the browser was not started")
	return nil
}

var replaceRE = regexp.MustCompile(`location\.replace\(("[^"]*")\)`)

// launchTarget reads the launch page at the file: URL u (only this
// account may) and returns where it sends the browser.
func launchTarget(t *testing.T, u *url.URL) *url.URL {
	t.Helper()
	if u.Scheme != "file" {
		t.Fatalf("the call window opens %s, want its launch page (file:)", u.Redacted())
	}
	st, err := os.Stat(u.Path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("launch page %s: mode %v (%v), want 0600", u.Path, st.Mode(), err)
	}
	page, _ := os.ReadFile(u.Path)
	m := replaceRE.FindSubmatch(page)
	if m == nil {
		t.Fatalf("launch page without location.replace:\n%s", page)
	}
	var target string
	if err := json.Unmarshal(m[1], &target); err != nil {
		t.Fatal(err)
	}
	return mustParse(t, target)
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestOpenCallWindow(t *testing.T) {
	argsFile := recordingBrowser(t)
	a, b := startApp(t, "Ada"), startApp(t, "Bob")
	me, _ := b.Identity.Me()
	if _, err := a.Contacts.Add(api.ContactInput{ID: me.ID, Name: "Bob", Address: "127.0.0.1:" + strconv.Itoa(me.HubPort)}); err != nil {
		t.Fatal(err)
	}

	refusals := []struct {
		name string
		in   api.CallIntent
		code string
	}{
		{"unknown action", api.CallIntent{Action: "dance"}, "bad_input"},
		{"no action", api.CallIntent{}, "bad_input"},
		{"not a peer id", api.CallIntent{Action: "call", Peer: "nobody"}, "bad_peer_id"},
		{"nothing rings", api.CallIntent{Action: "accept", Call: "c1"}, "wrong_state"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Desktop.OpenCallWindow(tc.in)
			var coder interface{ ErrorCode() string }
			if !errors.As(err, &coder) || coder.ErrorCode() != tc.code {
				t.Fatalf("OpenCallWindow(%+v) = %v, want code %s", tc.in, err, tc.code)
			}
		})
	}

	// Placing a call: the window opens on the bridge with a ticket, never the token.
	w, err := b.Desktop.OpenCallWindow(api.CallIntent{Action: "call", Peer: a.key.ID().String(), Video: true})
	if err != nil || !w.AppMode {
		t.Fatalf("OpenCallWindow(call) = %+v, %v", w, err)
	}
	u := launchTarget(t, appURL(t, argsFile))
	if u.Scheme != "http" || !strings.HasPrefix(u.Host, "127.0.0.1:") || u.Path != "/" || u.RawQuery != "" {
		t.Fatalf("the launch page goes to %s, not the bridge's page", u.Redacted())
	}
	frag, _ := url.ParseQuery(u.Fragment)
	ticket := frag.Get("ticket")
	if frag.Has("token") || ticket == "" || strings.Contains(u.String(), bridgetest.Token(mustParse(t, b.uiURL))) {
		t.Fatal("the launch page must carry a ticket and never the token")
	}
	if want := "ticket=" + ticket + "&call=" + a.key.ID().String() + "&video=1"; u.Fragment != want {
		t.Fatalf("fragment %q, want %q", u.Fragment, want)
	}
	// The ticket logs a browser in once.
	for i, want := range []int{http.StatusOK, http.StatusUnauthorized} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+u.Host+"/api/session", nil)
		req.Header.Set("Authorization", "Ticket "+ticket)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("use %d of the ticket: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}

	// Answering: only the call that rings now.
	info, err := a.Calls.Start(b.key.ID().String(), true, offer)
	if err != nil {
		t.Fatal(err)
	}
	b.wait(t, calls.EventIncoming, nil)
	if _, err := b.Desktop.OpenCallWindow(api.CallIntent{Action: "accept", Call: info.ID + "x"}); err == nil {
		t.Fatal("a call window was opened for a call that does not ring")
	}
	if _, err := b.Desktop.OpenCallWindow(api.CallIntent{Action: "accept", Call: info.ID, Video: false}); err != nil {
		t.Fatal(err)
	}
	got := launchTarget(t, appURL(t, argsFile)).Fragment
	if _, rest, _ := strings.Cut(got, "&"); rest != "accept="+url.QueryEscape(info.ID)+"&video=0" {
		t.Fatalf("fragment %q, want ticket=…&accept=%s&video=0", got, info.ID)
	}
	if err := b.Desktop.Ready(api.Capabilities{Window: "app", MediaDevices: true}); err != nil {
		t.Fatal(err)
	}
}

// The types Wails generates bindings from are those the window binds.
func TestServiceTypesMatchBindings(t *testing.T) {
	a := startApp(t, "Ada")
	bound, types := a.Bindings(), ServiceTypes()
	if len(bound) != len(types) {
		t.Fatalf("%d bindings, %d service types", len(bound), len(types))
	}
	for i := range bound {
		if bt, tt := reflect.TypeOf(bound[i]), reflect.TypeOf(types[i]); bt != tt {
			t.Errorf("binding %d is %v, ServiceTypes has %v", i, bt, tt)
		}
	}
}
