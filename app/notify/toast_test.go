package notify

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestToastArgs(t *testing.T) {
	good := "v=2&id=7&tag=dGhpc2lzYWNhbGw&action=answer-audio"
	tests := []struct {
		name, in string
		want     ToastArgs
		ok       bool
	}{
		{"valid", good, ToastArgs{ID: 7, Tag: "dGhpc2lzYWNhbGw", Action: "answer-audio"}, true},
		{"default action", "v=2&id=4294967295&tag=a_-Z9&action=default", ToastArgs{ID: 4294967295, Tag: "a_-Z9", Action: "default"}, true},
		{"empty", "", ToastArgs{}, false},
		{"other version", strings.Replace(good, "v=2", "v=1", 1), ToastArgs{}, false},
		{"version with a zero", strings.Replace(good, "v=2", "v=02", 1), ToastArgs{}, false},
		{"keys out of order", "id=7&v=2&tag=x&action=decline", ToastArgs{}, false},
		{"repeated key", "v=2&id=7&id=8&action=decline", ToastArgs{}, false},
		{"unknown key", "v=2&id=7&tag=x&verb=decline", ToastArgs{}, false},
		{"extra field", good + "&x=1", ToastArgs{}, false},
		{"trailing ampersand", good + "&", ToastArgs{}, false},
		{"missing field", "v=2&id=7&tag=x", ToastArgs{}, false},
		{"id zero", "v=2&id=0&tag=x&action=decline", ToastArgs{}, false},
		{"id leading zero", "v=2&id=07&tag=x&action=decline", ToastArgs{}, false},
		{"id signed", "v=2&id=+7&tag=x&action=decline", ToastArgs{}, false},
		{"id too big", "v=2&id=4294967296&tag=x&action=decline", ToastArgs{}, false},
		{"id not a number", "v=2&id=seven&tag=x&action=decline", ToastArgs{}, false},
		{"empty call", "v=2&id=7&tag=&action=decline", ToastArgs{}, false},
		{"call with a percent escape", "v=2&id=7&tag=a%26b&action=decline", ToastArgs{}, false},
		{"call with an equals sign", "v=2&id=7&tag=a=b&action=decline", ToastArgs{}, false},
		{"call too long", "v=2&id=7&tag=" + strings.Repeat("a", MaxTagLen+1) + "&action=decline", ToastArgs{}, false},
		{"action upper case", "v=2&id=7&tag=x&action=Decline", ToastArgs{}, false},
		{"action empty", "v=2&id=7&tag=x&action=", ToastArgs{}, false},
		{"action with a space", "v=2&id=7&tag=x&action=de cline", ToastArgs{}, false},
		{"newline", good + "\n", ToastArgs{}, false},
		{"too long", good + strings.Repeat("x", MaxToastArgsLen), ToastArgs{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseToastArgs(tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("ParseToastArgs(%q) = %+v, %v; want %+v, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrToastArgs) {
				t.Fatalf("error %v is not ErrToastArgs", err)
			}
			if tt.ok && got.String() != tt.in {
				t.Fatalf("String() = %q, want %q (one text form)", got.String(), tt.in)
			}
		})
	}
}

// FuzzToastArgs: whatever a launch passes, the parser does not panic, and
// what it takes formats back to the very same text.
func FuzzToastArgs(f *testing.F) {
	f.Add("v=2&id=7&tag=dGhpc2lzYWNhbGw&action=answer-audio")
	f.Add("v=2&id=4294967295&tag=x&action=default")
	f.Add("v=1&id=1&call=x&action=decline") // version 1: refused
	f.Add("v=2&id=1&tag=x&action=decline&v=1")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseToastArgs(s)
		if err != nil {
			return
		}
		if a.String() != s {
			t.Fatalf("ParseToastArgs(%q).String() = %q", s, a.String())
		}
	})
}

// testTag is a tag as the Activator makes them (newTag).
const testTag = "dGhpc2lzYWNhbGw"

// callToast is the ringer's call notification, as the ringer builds it.
func callToast(name string) Notification {
	return Notification{
		Summary: name + " is calling", Body: "Video call · not a verified contact",
		Category: CategoryCall, Persistent: true, Urgency: UrgencyCritical,
		Actions: []Action{{Key: DefaultKey, Label: "Answer"}, {Key: "answer", Label: "Answer", Kind: ActionAccept},
			{Key: "answer-audio", Label: "Audio only", Kind: ActionAccept}, {Key: "decline", Label: "Decline", Kind: ActionDecline}},
	}
}

// toastDoc is what a toast's XML says, read back by a strict parser.
type toastDoc struct {
	XMLName   xml.Name `xml:"toast"`
	Launch    string   `xml:"launch,attr"`
	Scenario  string   `xml:"scenario,attr"`
	Duration  string   `xml:"duration,attr"`
	UseStyles string   `xml:"useButtonStyle,attr"`
	Texts     []string `xml:"visual>binding>text"`
	Actions   []struct {
		Content   string `xml:"content,attr"`
		Arguments string `xml:"arguments,attr"`
		Style     string `xml:"hint-buttonStyle,attr"`
	} `xml:"actions>action"`
	Audio struct {
		Src string `xml:"src,attr"`
	} `xml:"audio"`
}

// readToast parses x strictly: one root element, nothing after it.
func readToast(t *testing.T, x string) toastDoc {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(x))
	d.Strict = true
	var doc toastDoc
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, x)
	}
	if tok, err := d.Token(); err != io.EOF {
		t.Fatalf("after the root: %v, %v\n%s", tok, err, x)
	}
	return doc
}

func TestToastXML(t *testing.T) {
	x, err := ToastXML(callToast(`Grace "<b>&amp;</b>" O'Hara`), 7, testTag)
	if err != nil {
		t.Fatal(err)
	}
	doc := readToast(t, x)
	if doc.Launch != "v=2&id=7&tag=dGhpc2lzYWNhbGw&action=default" || doc.Scenario != "incomingCall" || doc.Duration != "long" {
		t.Errorf("launch %q scenario %q duration %q (looping audio needs long)", doc.Launch, doc.Scenario, doc.Duration)
	}
	if len(doc.Texts) != 2 || doc.Texts[0] != `Grace "<b>&amp;</b>" O'Hara is calling` || doc.Texts[1] != "Video call · not a verified contact" {
		t.Errorf("texts %q", doc.Texts)
	}
	var buttons []string
	for _, a := range doc.Actions {
		ta, err := ParseToastArgs(a.Arguments)
		if err != nil || ta.ID != 7 {
			t.Errorf("button %q: arguments %q: %v", a.Content, a.Arguments, err)
		}
		buttons = append(buttons, a.Content+"="+ta.Action+"/"+a.Style)
	}
	if got := strings.Join(buttons, ","); got != "Answer=answer/Success,Audio only=answer-audio/Success,Decline=decline/Critical" || doc.UseStyles != "true" {
		t.Errorf("buttons %s", got)
	}
	if doc.Audio.Src != "ms-winsoundevent:Notification.Looping.Call" {
		t.Errorf("audio %q", doc.Audio.Src)
	}
	if strings.Contains(x, "<b>") {
		t.Errorf("markup from the name reached the XML: %s", x)
	}

	t.Run("not a call", func(t *testing.T) {
		x, err := ToastXML(Notification{Summary: "Hi"}, 1, "t")
		if err != nil {
			t.Fatal(err)
		}
		if doc := readToast(t, x); doc.Scenario != "" || doc.Duration != "" || doc.UseStyles != "" || len(doc.Actions) != 0 || doc.Audio.Src != "" || len(doc.Texts) != 1 {
			t.Errorf("%s", x)
		}
	})
	for _, bad := range []struct {
		note Notification
		tag  string
	}{
		{Notification{Summary: "no tag"}, ""},
		{Notification{Summary: "tag"}, "a&b"},
		{Notification{Summary: "tag with a call id's colon"}, "a:b.c"},
		{Notification{Summary: "key", Actions: []Action{{Key: "Answer&x", Label: "A"}}}, "t"},
		{Notification{Summary: "twice", Actions: []Action{{Key: "a", Label: "A"}, {Key: "a", Label: "B"}}}, "t"},
	} {
		if x, err := ToastXML(bad.note, 1, bad.tag); err == nil {
			t.Errorf("%s: no error, %s", bad.note.Summary, x)
		}
	}
}

// FuzzToastXML: whatever a caller names themselves, the toast is
// well-formed XML whose text is the name as PlainText makes it, and whose
// buttons are exactly the notification's.
func FuzzToastXML(f *testing.F) {
	f.Add("Grace", "Video call", "Answer")
	f.Add(`"/><action content="x" arguments="v=1`, "]]><!--", "<&>")
	f.Add("\x00\ufffe\U0001F600\u202e", "a\nb\r\tc", "\xff")
	f.Fuzz(func(t *testing.T, name, body, label string) {
		note := callToast(name)
		note.Body = body
		note.Actions[1].Label = label
		x, err := ToastXML(note, 42, testTag)
		if label == "" && err != nil {
			return // a button needs a label (validate)
		}
		if err != nil {
			t.Fatal(err)
		}
		doc := readToast(t, x)
		if want := PlainText(note.Summary, MaxSummaryRunes); len(doc.Texts) == 0 || doc.Texts[0] != want {
			t.Fatalf("summary %q, want %q", doc.Texts, want)
		}
		if len(doc.Actions) != 3 {
			t.Fatalf("%d buttons: %s", len(doc.Actions), x)
		}
		for i, a := range doc.Actions {
			ta, err := ParseToastArgs(a.Arguments)
			if err != nil || ta.Action != note.Actions[i+1].Key || ta.ID != 42 {
				t.Fatalf("button %d arguments %q: %v", i, a.Arguments, err)
			}
		}
	})
}

func TestActivator(t *testing.T) {
	act := NewActivator(nil)
	var mu sync.Mutex
	var got []string
	note := callToast("Grace")
	note.OnAction = func(key string) { mu.Lock(); got = append(got, "action "+key); mu.Unlock() }
	note.OnClosed = func(r CloseReason) { mu.Lock(); got = append(got, "closed "+r.String()); mu.Unlock() }
	id, tag := act.add(note)
	click := func(tag, key string) string { return ToastArgs{ID: id, Tag: tag, Action: key}.String() }

	if err := act.Activate(click("someoneelse", "decline")); !errors.Is(err, ErrStaleClick) {
		t.Errorf("another tag: %v", err)
	}
	if err := act.Activate(click(tag, "hangup")); err == nil {
		t.Error("an action it does not have was taken")
	}
	if err := act.Activate("v=2&id=1&tag=x&action=decline&more"); !errors.Is(err, ErrToastArgs) {
		t.Errorf("bad arguments: %v", err)
	}
	if err := act.Activate(click(tag, "decline")); err != nil {
		t.Fatal(err)
	}
	if err := act.Activate(click(tag, "answer")); !errors.Is(err, ErrStaleClick) {
		t.Errorf("second click: %v", err)
	}
	if strings.Join(got, ",") != "action decline,closed dismissed" {
		t.Errorf("callbacks %q", got)
	}

	// A withdrawn notification takes no click; IDs are not reused.
	id2, tag2 := act.add(note)
	if id2 == id || tag2 == tag || !act.remove(id2) || act.remove(id2) {
		t.Errorf("ids %d %d", id, id2)
	}
	if err := act.Activate(ToastArgs{ID: id2, Tag: tag2, Action: "decline"}.String()); !errors.Is(err, ErrStaleClick) {
		t.Errorf("withdrawn: %v", err)
	}
}

func TestToastRegistry(t *testing.T) {
	q := func(s string) string { return `"` + s + `"` }
	vals := toastRegistry(`C:\Program Files\Peerline\peerline.exe`, `D:\data dir`, `D:\data dir\toast-icon.png`, q)
	got := map[string]string{}
	for _, v := range vals {
		got[v.key+"|"+v.name] = v.data
	}
	want := map[string]string{
		`Software\Classes\AppUserModelId\Peerline.Desktop|DisplayName`:      "Peerline",
		`Software\Classes\AppUserModelId\Peerline.Desktop|CustomActivator`:  ToastActivatorCLSID,
		`Software\Classes\AppUserModelId\Peerline.Desktop|IconUri`:          `D:\data dir\toast-icon.png`,
		`Software\Classes\CLSID\` + ToastActivatorCLSID + `|`:               "Peerline toast activator",
		`Software\Classes\CLSID\` + ToastActivatorCLSID + `\LocalServer32|`: `"C:\Program Files\Peerline\peerline.exe" --toast-activated --data-dir "D:\data dir"`,
	}
	if len(got) != len(want) {
		t.Errorf("%d values, want %d: %q", len(got), len(want), got)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	for _, v := range vals {
		if !slices.ContainsFunc(ToastRegistryKeys(), func(k string) bool { return v.key == k || strings.HasPrefix(v.key, k+`\`) }) {
			t.Errorf("%s is under no key ToastRegistryKeys lists: the uninstaller would leave it", v.key)
		}
	}
}

// TestUninstallerRemovesToastKeys: the NSIS uninstaller deletes every key
// Peerline writes for its toasts.
func TestUninstallerRemovesToastKeys(t *testing.T) {
	nsi, err := os.ReadFile("../../build/windows/installer/project.nsi")
	if err != nil {
		t.Fatal(err)
	}
	_, uninstall, ok := strings.Cut(string(nsi), `Section "uninstall"`)
	if !ok {
		t.Fatal(`no Section "uninstall"`)
	}
	uninstall, _, _ = strings.Cut(uninstall, "SectionEnd")
	for _, k := range ToastRegistryKeys() {
		if !strings.Contains(uninstall, `DeleteRegKey HKCU "`+k+`"`) {
			t.Errorf("the uninstaller does not delete HKCU %s", k)
		}
	}
}

// TestActivatorRespond: a macOS response names the notification by its
// identifier; Wails's DEFAULT_ACTION is the click on the notification.
func TestActivatorRespond(t *testing.T) {
	act := NewActivator(nil)
	keys := make(chan string, 2)
	note := callToast("Grace")
	note.OnAction = func(k string) { keys <- k }
	id, tag := act.add(note)
	ident := appleIdent(id, tag)
	for _, bad := range [][2]string{
		{"peerline.x." + tag, "decline"},
		{"peerline." + ident, "decline"},
		{"other.1." + tag, "decline"},
		{strings.TrimSuffix(ident, "w") + "x", "decline"},
		{ident, "com.apple.UNNotificationDismissActionIdentifier"},
		{ident, "hangup"},
	} {
		if err := act.Respond(bad[0], bad[1]); err == nil {
			t.Errorf("Respond(%q, %q) was taken", bad[0], bad[1])
		}
	}
	if err := act.Respond(ident, "DEFAULT_ACTION"); err != nil {
		t.Fatal(err)
	}
	if k := <-keys; k != DefaultKey {
		t.Errorf("key %q, want %q", k, DefaultKey)
	}
}

func TestActionKindString(t *testing.T) {
	for k, want := range map[ActionKind]string{ActionPlain: "plain", ActionAccept: "accept", ActionDecline: "decline", 9: "ActionKind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", k, got, want)
		}
	}
}

// TestNewTag: every notification gets a fresh random tag the click
// arguments carry, whatever the call it rings for is called.
func TestNewTag(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		tag := newTag()
		if !validTag(tag) || len(tag) != 16 || seen[tag] {
			t.Fatalf("tag %q: invalid or repeated", tag)
		}
		seen[tag] = true
	}
}
