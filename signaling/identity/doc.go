// Package identity holds a Peerline install's Ed25519 key pair and the peer
// id derived from it.
//
// It owns key generation, the key file (PEM, mode 0600) and the peer id's
// text form. It decides no trust (pinning a key to a contact is the
// store's and the user's business) and never sends a key or a signature
// anywhere: the protocol (package signaling) does.
//
// A peer id is the SHA-256 of the public key, written the way Syncthing
// writes device ids: base32 (RFC 4648 alphabet, no padding), one Luhn mod 32
// check character after every 13 characters, and groups of seven joined by
// dashes, for example
//
//	MFZWI3D-BONSGYC-YLTMRWG-C43ENR5-QXGZDMM-FZWI3DP-BONSGYY-LTMRWAD
//
// Two people can read it aloud and compare it; a typo is caught by the
// check characters. Parse is lenient about case, spaces and the letters
// people confuse with digits (0/O, 1/I, 8/B); String is the one canonical
// form; Short is the first group, for logs.
package identity
