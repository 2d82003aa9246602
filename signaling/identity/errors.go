package identity

import "errors"

// ErrBadPeerID means a string is not a valid peer id (wrong length,
// characters or check characters).
var ErrBadPeerID = errors.New("bad peer id")

// ErrBadKey means a public key, private key or key file is malformed.
var ErrBadKey = errors.New("bad key")
