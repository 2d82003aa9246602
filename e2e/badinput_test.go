//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/app/bridge/bridgetest"
	"github.com/peerline/peerline/internal/netnstest"
	"github.com/peerline/peerline/signaling/identity"
)

// TestBridgeBadInput: wrong calls at the bridge boundary get clear errors
// with the documented codes, leave no phantom call behind, and the
// connection keeps working.
func TestBridgeBadInput(t *testing.T) {
	requireE2E(t)
	ns := netnstest.New(t)
	a := StartInstance(t, ns, "A", Options{})
	me := a.Me()
	stranger, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	nobody, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	offer := FakeSDP("offer")

	cases := []struct {
		name     string
		method   string
		args     []any
		wantCode string // "" = any error
	}{
		{"unknown service", "Nope.Nothing", nil, "not_found"},
		{"unknown method", "Calls.Teleport", nil, "not_found"},
		{"lower-case method", "calls.start", []any{me.ID, true, offer}, "not_found"},
		{"too few args", "Calls.Start", []any{me.ID}, "bad_request"},
		{"too many args", "Identity.Me", []any{1}, "bad_request"},
		{"wrong arg types", "Calls.Start", []any{123, "yes", true}, "bad_request"},
		{"invalid peer id", "Calls.Start", []any{"not-a-peer-id", true, offer}, ""},
		{"empty peer id", "Calls.Start", []any{"", true, offer}, ""},
		{"own peer id", "Calls.Start", []any{me.ID, true, offer}, ""},
		{"empty offer", "Calls.Start", []any{stranger.ID().String(), true, ""}, ""},
		{"huge offer", "Calls.Start", []any{stranger.ID().String(), true, strings.Repeat("a", 600<<10)}, ""},
		{"accept no such call", "Calls.Accept", []any{"nope", true, FakeSDP("answer")}, ""},
		{"hangup no such call", "Calls.Hangup", []any{"nope"}, ""},
		{"candidate no such call", "Calls.Candidate", []any{"nope", FakeCandidate(1, "10.0.0.1")}, ""},
		{"bad media state", "Calls.MediaState", []any{"nope", "exploded"}, ""},
		{"bad renegotiate kind", "Calls.Renegotiate", []any{"nope", "sideways", offer}, ""},
		{"contact with bad id", "Contacts.Add", []any{map[string]string{"id": "zzz", "name": "X"}}, ""},
		{"contact add from LAN unknown", "Contacts.AddFromLAN", []any{stranger.ID().String()}, ""},
		{"block unknown id", "Contacts.SetBlocked", []any{"zzz", true}, ""},
		{"rename unknown contact", "Contacts.Rename", []any{nobody.ID().String(), "X"}, ""},
		{"favorite unknown contact", "Contacts.SetFavorite", []any{nobody.ID().String(), true}, ""},
		{"delete unknown contact", "Contacts.Delete", []any{nobody.ID().String()}, ""},
		{"accept key of unknown contact", "Contacts.AcceptNewKey", []any{nobody.ID().String()}, ""},
		{"empty name", "Identity.SetName", []any{""}, ""},
		{"history negative limit", "History.List", []any{-1, nil}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.Call(tc.method, tc.args...)
			var be *bridgetest.Error
			if !errors.As(err, &be) {
				if err == nil && (tc.name == "empty name" || tc.name == "history negative limit") {
					t.Logf("accepted (no error): %s%v", tc.method, tc.args)
					return
				}
				if err == nil && tc.name == "contact add from LAN unknown" {
					t.Fatalf("Contacts.AddFromLAN accepted a peer id that is not on the LAN: it made a contact with no key, address or server")
				}
				t.Fatalf("%s: err = %v, want a bridge error", tc.method, err)
			}
			if tc.wantCode != "" && be.Code != tc.wantCode {
				t.Errorf("%s: code %q (%s), want %q", tc.method, be.Code, be.Message, tc.wantCode)
			}
			if be.Message == "" || len(be.Message) > 500 {
				t.Errorf("%s: unhelpful message %q", tc.method, be.Message)
			}
			t.Logf("%s → %s: %s", tc.method, be.Code, be.Message)
		})
	}

	// Frames that aren't calls at all.
	c := a.Client()
	for _, raw := range []string{`not json`, `{"id":1}`, `{"id":"x","method":"Identity.Me"}`, `{"id":2,"method":"Identity.Me","args":{}}`, `{"id":3,"method":"Identity.Me","extra":1}`, `[]`} {
		if err := c.WriteRaw(websocket.TextMessage, []byte(raw)); err != nil {
			t.Fatalf("send %s: %v", raw, err)
		}
	}
	if err := c.WriteRaw(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(c.Stray()) < 7 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stray := c.Stray()
	if len(stray) != 7 {
		t.Errorf("%d answers to 7 malformed frames: %q", len(stray), stray)
	}
	for _, s := range stray {
		var f bridgetest.Frame
		if json.Unmarshal([]byte(s), &f) != nil || f.Error == nil || f.Error.Code != "bad_request" {
			t.Errorf("malformed frame answered %s, want a bad_request error", s)
		}
	}

	// A valid peer id nobody has: the call fails as unavailable and the
	// line is free afterwards.
	raw, err := a.Call("Calls.Start", stranger.ID().String(), true, offer)
	t.Logf("call to an unknown peer: %s, %v", raw, err)
	ctx, cancel := context.WithTimeout(context.Background(), signalTimeout)
	defer cancel()
	var cur *CallInfo
	for ctx.Err() == nil {
		a.Do(&cur, "Calls.Current")
		if cur == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if cur != nil {
		t.Errorf("after calling an unknown peer, Calls.Current = %+v, want null", cur)
	}

	// The connection still works after all that, and nothing panicked.
	var me2 Me
	a.Do(&me2, "Identity.Me")
	if me2.ID != me.ID {
		t.Errorf("Identity.Me after bad input: %+v", me2)
	}
	if s := a.stderr.String(); strings.Contains(s, "panic") {
		t.Errorf("the app logged a panic:\n%s", a.stderr.Tail(60))
	}
}

// TestBridgeSecurity: the bridge refuses a wrong token and a foreign
// Origin, and accepts the right ones; the ui URL opens the UI, and the
// bridge sets no cookie anywhere.
func TestBridgeSecurity(t *testing.T) {
	requireE2E(t)
	ns := netnstest.New(t)
	a := StartInstance(t, ns, "A", Options{})
	u, err := url.Parse(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	host, token := u.Host, bridgetest.Token(u)

	// The ui URL, as a browser opens it: the page (the #token= stays in the
	// browser), with no cookie.
	hc := httpClientIn(ns)
	resp, err := hc.Get(a.URL)
	if err != nil {
		t.Fatalf("GET ui url: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(strings.ToLower(string(body)), "<html") {
		t.Errorf("GET ui url: %s, %d bytes, want the HTML page", resp.Status, len(body))
	}
	if sc := resp.Header.Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("the page sets cookies %q: an ambient credential other local servers would get", sc)
	}
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "Bearer AAAA", http.StatusUnauthorized},
		{"token", "Bearer " + token, http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/api/info", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("GET /api/info (%s): %v", tc.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET /api/info (%s): %s, want %d", tc.name, resp.Status, tc.want)
		}
	}

	d := websocket.Dialer{NetDialContext: ns.DialContext, HandshakeTimeout: 5 * time.Second}
	proto := func(tok string) []string {
		return []string{bridgetest.Subprotocol, bridgetest.TokenProtocolPrefix + tok}
	}
	for _, tc := range []struct {
		name, url, origin string
		protocols         []string
		ok                bool
	}{
		{"no token", "ws://" + host + "/api", "http://" + host, nil, false},
		{"wrong token", "ws://" + host + "/api", "http://" + host, proto("AAAA"), false},
		{"token in the query is no login", "ws://" + host + "/api?token=" + token, "http://" + host, nil, false},
		{"foreign origin", "ws://" + host + "/api", "http://evil.example", proto(token), false},
		{"no origin", "ws://" + host + "/api", "", proto(token), false},
		{"right", "ws://" + host + "/api", "http://" + host, proto(token), true},
	} {
		h := map[string][]string{}
		if tc.origin != "" {
			h["Origin"] = []string{tc.origin}
		}
		d.Subprotocols = tc.protocols
		conn, resp, err := d.Dial(tc.url, h)
		if conn != nil {
			conn.Close()
		}
		if (err == nil) != tc.ok {
			status := ""
			if resp != nil {
				status = resp.Status
			}
			t.Errorf("%s: err %v (%s), want ok=%v", tc.name, err, status, tc.ok)
		}
	}
}
