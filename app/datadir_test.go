//go:build !windows

package app

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/peerline/peerline/app/api"
	"github.com/peerline/peerline/signaling/identity"
)

// Nothing the app writes in its data dir is open to other accounts, under
// any umask: the dir is 0700 (even when it existed wider), the key, the
// database with its -wal and -shm, the lock, the instance socket and the
// launch pages 0600.
func TestDataDirIsPrivateUnderAnyUmask(t *testing.T) {
	for _, existing := range []bool{false, true} {
		t.Run(map[bool]string{false: "new", true: "existing too open"}[existing], func(t *testing.T) {
			testDataDirPrivate(t, existing)
		})
	}
}

func testDataDirPrivate(t *testing.T, existing bool) {
	recordingBrowser(t)
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	if existing {
		// A directory and database left too open by an older version are
		// narrowed.
		if err := os.Mkdir(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "peerline.db"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, err := New(Options{DataDir: dir, Name: "Ada", NoDiscovery: true, Logger: testLogger("Ada")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Start(); err != nil {
		t.Fatal(err)
	}
	grace, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Contacts.Add(api.ContactInput{ID: grace.ID().String(), Name: "Grace"}); err != nil {
		t.Fatal(err) // a write, so the WAL has pages
	}
	if _, err := a.bridge.LaunchURL("call=x"); err != nil {
		t.Fatal(err)
	}

	want := map[string]bool{"identity.pem": false, "peerline.db": false, "peerline.db-wal": false, "peerline.db-shm": false, "lock": false, "peerline.sock": false}
	var launchPages int
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if _, ok := want[rel]; ok {
			want[rel] = true
		}
		if filepath.Dir(rel) == "launch" && !d.IsDir() {
			launchPages++
		}
		switch perm := st.Mode().Perm(); {
		case d.IsDir() && perm != 0o700:
			t.Errorf("%s: directory mode %v, want 0700", rel, perm)
		case !d.IsDir() && perm&0o077 != 0:
			t.Errorf("%s: mode %v is open to other accounts", rel, perm)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for f, seen := range want {
		if !seen {
			t.Errorf("%s was not written; the test would miss its mode", f)
		}
	}
	if launchPages != 1 {
		t.Errorf("%d launch pages under launch/, want 1", launchPages)
	}
}
