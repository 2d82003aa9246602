package app

import "os"

// privateDir makes the data directory, or narrows an existing one, to mode
// 0700: it holds the identity key, the database (signaling tokens, TURN
// credentials, contacts, history), the call window's browser profile and
// its launch pages, none of which another account may read. Files inside
// are made 0600 by their owners (identity, store, instance, bridge), and
// the directory's mode covers whatever a library writes there with its
// own (Chromium's profile, SQLite's -wal and -shm).
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700) // MkdirAll leaves an existing directory as it was
}
