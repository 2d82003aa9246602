package api

import (
	"errors"
	"fmt"
	"testing"

	"github.com/peerline/peerline/app/browser"
	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/links"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling"
)

// Every producer's sentinel that can reach the UI means one code.
func TestCoded(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want errcode.Code
	}{
		{"nil", nil, ""},
		{"plain", errors.New("disk I/O error"), errcode.Failed},
		{"not found", fmt.Errorf("store: contact: %w", store.ErrNotFound), errcode.NotFound},
		{"invalid", fmt.Errorf("store: put settings: %w: display name: too long", store.ErrInvalid), errcode.BadInput},
		{"exists", store.ErrExists, errcode.Exists},
		{"key mismatch", store.ErrKeyMismatch, errcode.Stale},
		{"no route", fmt.Errorf("calls: send hangup: %w", links.ErrNoRoute), errcode.Offline},
		{"peer offline", fmt.Errorf("links: %w", signaling.ErrUnavailable), errcode.Offline},
		{"no browser", browser.ErrNoBrowser, errcode.NoBrowser},
		{"calls keeps its code", fmt.Errorf("%w: offer missing", calls.ErrBadInput), errcode.BadInput},
		{"a code beats a sentinel inside", fmt.Errorf("%w: %w", calls.ErrNoCall, store.ErrNotFound), errcode.NoCall},
		{"bad peer id", func() error { _, err := parsePeer("nope"); return err }(), errcode.BadPeerID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := coded(c.err)
			if code := errcode.Of(got); code != c.want {
				t.Errorf("coded(%v) has code %q, want %q", c.err, code, c.want)
			}
			if c.err != nil && got.Error() != c.err.Error() {
				t.Errorf("coded changed the text: %q, was %q", got, c.err)
			}
			if c.err != nil && !errors.Is(got, c.err) {
				t.Errorf("coded lost the cause %v", c.err)
			}
		})
	}
}
