package identity

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSignVerify(t *testing.T) {
	kp := testKey(t, 1)
	other := testKey(t, 2)
	msg := []byte("hello")
	sig := kp.Sign(msg)
	tests := []struct {
		name string
		pub  []byte
		msg  []byte
		sig  []byte
		want bool
	}{
		{"valid", kp.Public(), msg, sig, true},
		{"other key", other.Public(), msg, sig, false},
		{"changed message", kp.Public(), []byte("hellO"), sig, false},
		{"short signature", kp.Public(), msg, sig[:10], false},
		{"short key", kp.Public()[:5], msg, sig, false},
		{"nil", nil, nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Verify(tc.pub, tc.msg, tc.sig); got != tc.want {
				t.Fatalf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "identity.pem")
	kp, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreate: created=%v err=%v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	again, created, err := LoadOrCreate(path)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate: created=%v err=%v", created, err)
	}
	if again.ID() != kp.ID() {
		t.Fatalf("reloaded id %v, want %v", again.ID(), kp.ID())
	}
	// No temporary files are left beside the key.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("dir holds %d entries, want only the key file", len(entries))
	}
}

func TestLoadOrCreateRefusesCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "identity.pem")
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreate(path); !errors.Is(err, ErrBadKey) {
		t.Fatalf("LoadOrCreate(corrupt) err = %v, want ErrBadKey", err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "garbage" {
		t.Fatal("corrupt key file was overwritten")
	}
}

func TestFromSeedRejectsBadSize(t *testing.T) {
	if _, err := FromSeed([]byte{1, 2, 3}); !errors.Is(err, ErrBadKey) {
		t.Fatalf("FromSeed(short) err = %v", err)
	}
}
