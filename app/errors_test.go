package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/app/api"
	"github.com/peerline/peerline/app/bridge/bridgetest"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// wireError is {code, message}, as both transports deliver a failure.
type wireError struct {
	Code    errcode.Code `json:"code"`
	Message string       `json:"message"`
}

// viaWails calls a bound method as Wails' dispatcher does (the JSON
// arguments decoded into the parameters by reflection) and returns what
// the window receives: the callback message with the ErrorFormatter's
// result (main.go sets errcode.Format) in its "error" member.
func viaWails(t *testing.T, a *testApp, service, method string, args []json.RawMessage) *wireError {
	t.Helper()
	fn := reflect.ValueOf(a.services()[service]).MethodByName(method)
	if !fn.IsValid() {
		t.Fatalf("no bound method %s.%s", service, method)
	}
	in := make([]reflect.Value, len(args))
	for i, raw := range args {
		p := reflect.New(fn.Type().In(i))
		if err := json.Unmarshal(raw, p.Interface()); err != nil {
			t.Fatal(err)
		}
		in[i] = p.Elem()
	}
	out := fn.Call(in)
	var callback struct {
		Error *wireError `json:"error"`
	}
	if err, _ := out[len(out)-1].Interface().(error); err != nil {
		// Wails' CallbackMessage{Err: errfmt(err)}, marshalled and read back.
		b, jerr := json.Marshal(map[string]any{"result": nil, "error": errcode.Format(err), "callbackid": "1"})
		if jerr != nil || json.Unmarshal(b, &callback) != nil {
			t.Fatalf("the formatted error does not travel as JSON: %s, %v", b, jerr)
		}
	}
	return callback.Error
}

// bridgeClient is a browser on the app's real bridge: the token traded
// for the cookie, then the WebSocket at /api with the page's Origin.
func bridgeClient(t *testing.T, uiURL string) *websocket.Conn {
	t.Helper()
	u, _ := url.Parse(uiURL)
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second,
		Subprotocols: []string{bridgetest.Subprotocol, bridgetest.TokenProtocolPrefix + bridgetest.Token(u)}}
	ws, _, err := d.Dial("ws://"+u.Host+"/api", http.Header{"Origin": {"http://" + u.Host}})
	if err != nil {
		t.Fatalf("dial the bridge: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func viaBridge(t *testing.T, ws *websocket.Conn, id int, method string, args []json.RawMessage) *wireError {
	t.Helper()
	if err := ws.WriteJSON(map[string]any{"id": id, "method": method, "args": args}); err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		var r struct {
			ID    *int       `json:"id"`
			Error *wireError `json:"error"`
		}
		if err := ws.ReadJSON(&r); err != nil {
			t.Fatal(err)
		}
		if r.ID != nil && *r.ID == id { // skip pushed events
			return r.Error
		}
	}
}

// The same failing action, through the Wails binding and through the
// bridge, reaches the UI with the same code (and the same message).
func TestErrorsKeepTheirCodeOnBothTransports(t *testing.T) {
	a, b := startApp(t, "Ada"), startApp(t, "Bob")
	if _, err := a.Contacts.Add(api.ContactInput{ID: b.key.ID().String(), Name: "Bob"}); err != nil {
		t.Fatal(err)
	}
	ws := bridgeClient(t, a.uiURL)
	stranger := signalingtest.Key(t).ID().String()
	for i, tc := range []struct {
		name, service, method string
		args                  []any
		code                  errcode.Code
	}{
		{"hang up no call", "Calls", "Hangup", []any{"no-such-call"}, errcode.NoCall},
		{"accept with nothing ringing", "Calls", "Accept", []any{"no-such-call", true, answer}, errcode.NoCall},
		{"call a bad id", "Calls", "Start", []any{"not-an-id", true, offer}, errcode.BadPeerID},
		{"call yourself", "Calls", "Start", []any{a.key.ID().String(), true, offer}, errcode.OwnID},
		{"bad media state", "Calls", "MediaState", []any{"c1", "dancing"}, errcode.BadInput},
		{"add yourself", "Contacts", "Add", []any{api.ContactInput{ID: a.key.ID().String()}}, errcode.OwnID},
		{"add with a bad server", "Contacts", "Add", []any{api.ContactInput{ID: stranger, Server: "http://x"}}, errcode.BadInput},
		{"rename a stranger", "Contacts", "Rename", []any{stranger, "X"}, errcode.NotFound},
		{"accept a key nobody offered", "Contacts", "AcceptNewKey", []any{b.key.ID().String(), stranger}, errcode.WrongState},
		{"keep a peer not on the LAN", "Contacts", "AddFromLAN", []any{stranger}, errcode.Offline},
		{"empty name", "Identity", "SetName", []any{"  "}, errcode.BadInput},
		{"call window for nothing", "Desktop", "OpenCallWindow", []any{api.CallIntent{Action: "accept", Call: "c1"}}, errcode.WrongState},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := make([]json.RawMessage, len(tc.args))
			for i, v := range tc.args {
				args[i], _ = json.Marshal(v)
			}
			w := viaWails(t, a, tc.service, tc.method, args)
			br := viaBridge(t, ws, i+1, tc.service+"."+tc.method, args)
			if w == nil || br == nil {
				t.Fatalf("Wails %+v, bridge %+v: want both to fail", w, br)
			}
			if w.Code != tc.code || br.Code != tc.code {
				t.Errorf("codes: Wails %q, bridge %q, want %q", w.Code, br.Code, tc.code)
			}
			if w.Message == "" || w.Message != br.Message {
				t.Errorf("messages: Wails %q, bridge %q, want the same text", w.Message, br.Message)
			}
			if !tc.code.Known() {
				t.Errorf("%q is not in the table", tc.code)
			}
		})
	}
}
