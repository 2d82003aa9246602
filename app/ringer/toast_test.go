package ringer_test

import (
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/notify"
	"github.com/peerline/peerline/app/ringer"
)

// TestNotificationAsToast: the ring's notification is what a Windows
// toast can carry (keys in the click arguments' alphabet; the tag is the
// Notifier's nonce, not the call id, so a call id with '.' and ':', as
// the wire allows, still rings), with Answer, Audio only (video calls) and Decline as
// buttons, the click on the toast showing the window (KeyShow), not answering.
func TestNotificationAsToast(t *testing.T) {
	for _, tt := range []struct {
		name    string
		id      string
		media   []string
		buttons string
	}{
		{"video", "q83vEjRWeJA0Vnhp", []string{"audio", "video"}, "Answer answer Success|Audio only answer-audio Success|Decline decline Critical"},
		{"audio", "q83vEjRWeJA0Vnhp", []string{"audio"}, "Answer answer Success|Decline decline Critical"},
		{"call id with dot and colon", "peer.example:7:c1", []string{"audio"}, "Answer answer Success|Decline decline Critical"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const tag = "AAAAAAAAAAAAAAAA" // the Notifier's nonce
			id := tt.id
			n := ringer.Notification(calls.Info{ID: id, PeerName: `Grace <text>"`, Media: tt.media, Verified: true})
			x, err := notify.ToastXML(n, 3, tag)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Launch   string   `xml:"launch,attr"`
				Scenario string   `xml:"scenario,attr"`
				Texts    []string `xml:"visual>binding>text"`
				Actions  []struct {
					Content   string `xml:"content,attr"`
					Arguments string `xml:"arguments,attr"`
					Style     string `xml:"hint-buttonStyle,attr"`
				} `xml:"actions>action"`
			}
			if err := xml.Unmarshal([]byte(x), &doc); err != nil {
				t.Fatalf("%v\n%s", err, x)
			}
			var buttons []string
			for _, a := range doc.Actions {
				args, err := notify.ParseToastArgs(a.Arguments)
				if err != nil || args.Tag != tag {
					t.Fatalf("button %q: %q: %v", a.Content, a.Arguments, err)
				}
				buttons = append(buttons, a.Content+" "+args.Action+" "+a.Style)
			}
			if got := strings.Join(buttons, "|"); got != tt.buttons {
				t.Errorf("buttons %s, want %s", got, tt.buttons)
			}
			if launch, err := notify.ParseToastArgs(doc.Launch); err != nil || launch.Action != ringer.KeyShow || launch.Tag != tag {
				t.Errorf("launch %q: %+v %v", doc.Launch, launch, err)
			}
			if strings.Contains(x, id) {
				t.Errorf("the call id %q is in the toast: %s", id, x)
			}
			if doc.Scenario != "incomingCall" || len(doc.Texts) == 0 || doc.Texts[0] != `Grace <text>" is calling` {
				t.Errorf("scenario %q texts %q", doc.Scenario, doc.Texts)
			}
		})
	}
}

// TestButtonSetsFixed: a ring's buttons depend on the media alone, so the
// two sets Start registers up front (macOS categories: an audio call's,
// a video call's) are the ones every ring uses.
func TestButtonSetsFixed(t *testing.T) {
	audio := ringer.Notification(calls.Info{}).Actions
	video := ringer.Notification(calls.Info{Media: []string{"audio", "video"}}).Actions
	for _, c := range []calls.Info{
		{ID: "a.b:c", PeerName: "Grace", Media: []string{"audio"}, Verified: true},
		{ID: "x", PeerName: "Ada", SameNameAs: "Grace", Media: []string{"video", "audio"}},
	} {
		want := audio
		if len(c.Media) == 2 {
			want = video
		}
		if got := ringer.Notification(c).Actions; !slices.Equal(got, want) {
			t.Errorf("call %+v: buttons %+v, want %+v", c, got, want)
		}
	}
	if slices.Equal(audio, video) {
		t.Error("the audio and the video call have the same buttons")
	}
}
