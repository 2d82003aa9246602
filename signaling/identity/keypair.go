package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KeyPair is an install's Ed25519 identity. The private half never leaves
// this type except through Save.
type KeyPair struct {
	priv ed25519.PrivateKey
	id   PeerID
}

// Generate makes a new random key pair.
func Generate() (*KeyPair, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("identity: generate: %w", err)
	}
	return fromPrivate(priv), nil
}

// FromSeed makes the key pair for a 32-byte Ed25519 seed (tests and
// fixtures use it for stable ids).
func FromSeed(seed []byte) (*KeyPair, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("identity: seed: %w: %d bytes", ErrBadKey, len(seed))
	}
	return fromPrivate(ed25519.NewKeyFromSeed(seed)), nil
}

func fromPrivate(priv ed25519.PrivateKey) *KeyPair {
	return &KeyPair{priv: priv, id: IDFromKey(priv.Public().(ed25519.PublicKey))}
}

// ID returns the peer id of the key pair.
func (k *KeyPair) ID() PeerID { return k.id }

// Public returns the public key.
func (k *KeyPair) Public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// Sign signs msg with the private key.
func (k *KeyPair) Sign(msg []byte) []byte { return ed25519.Sign(k.priv, msg) }

// Verify reports whether sig is pub's signature of msg. A key of the wrong
// size is simply not valid (never a panic).
func Verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, msg, sig)
}

const pemType = "PEERLINE ED25519 PRIVATE KEY"

// Save writes the private key seed to path as PEM with mode 0600. It writes
// a temporary file, syncs it and renames it over path, so a crash leaves
// either the old file or the new one, never half of one.
func (k *KeyPair) Save(path string) error {
	data := pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: k.priv.Seed()})
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("identity: save %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, ".identity-*")
	if err != nil {
		return fmt.Errorf("identity: save %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("identity: save %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("identity: save %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("identity: save %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("identity: save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("identity: save %s: %w", path, err)
	}
	return nil
}

// Load reads a key file written by Save.
func Load(path string) (*KeyPair, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("identity: load %s: %w", path, err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemType || len(block.Bytes) != ed25519.SeedSize {
		return nil, fmt.Errorf("identity: load %s: %w", path, ErrBadKey)
	}
	return fromPrivate(ed25519.NewKeyFromSeed(block.Bytes)), nil
}

// LoadOrCreate loads the key file at path, or generates and saves a new key
// pair when there is none. created reports which happened. A file that
// exists but cannot be read is an error, never silently replaced: that
// would change the user's identity.
func LoadOrCreate(path string) (kp *KeyPair, created bool, err error) {
	kp, err = Load(path)
	if err == nil {
		return kp, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	kp, err = Generate()
	if err != nil {
		return nil, false, err
	}
	if err := kp.Save(path); err != nil {
		return nil, false, err
	}
	return kp, true, nil
}
