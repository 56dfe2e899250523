package identity_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/protocol"
)

func TestKeyIsMadeOnceAndPrivate(t *testing.T) {
	for _, alg := range []string{"", protocol.AlgEd25519, protocol.AlgSM2} {
		t.Run("alg="+alg, func(t *testing.T) {
			dir := t.TempDir()
			a, err := identity.LoadOrCreateKeyAlg(dir, alg)
			if err != nil {
				t.Fatal(err)
			}
			want := alg
			if want == "" {
				want = protocol.AlgEd25519
			}
			if a.PublicKey().Alg != want {
				t.Fatalf("made a %s key, want %s", a.PublicKey().Alg, want)
			}
			fi, err := os.Stat(filepath.Join(dir, identity.KeyFile))
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file mode %v, %v", fi.Mode().Perm(), err)
			}
			b, err := identity.LoadOrCreateKeyAlg(dir, alg)
			if err != nil || b.PublicKey().String() != a.PublicKey().String() {
				t.Fatalf("second load gave another key: %v", err)
			}
			if c, err := identity.LoadOrCreateKey(dir); err != nil || c.PublicKey().String() != a.PublicKey().String() {
				t.Fatalf("load without an algorithm: %v", err)
			}
			sig, err := b.Sign([]byte("header"))
			if err != nil || a.PublicKey().Verify([]byte("header"), sig) != nil {
				t.Fatalf("the loaded key does not sign for the made one: %v", err)
			}
			other := protocol.AlgSM2
			if want == protocol.AlgSM2 {
				other = protocol.AlgEd25519
			}
			if _, err := identity.LoadOrCreateKeyAlg(dir, other); !errors.Is(err, identity.ErrKeyAlgorithm) {
				t.Fatalf("a %s key loaded as %s: %v", want, other, err)
			}
			os.Chmod(filepath.Join(dir, identity.KeyFile), 0o644)
			if _, err := identity.LoadOrCreateKeyAlg(dir, alg); err == nil || !strings.Contains(err.Error(), "chmod 600") {
				t.Fatalf("a world-readable key was accepted: %v", err)
			}
		})
	}
	if _, err := identity.LoadOrCreateKeyAlg(t.TempDir(), "rsa"); !errors.Is(err, identity.ErrKeyAlgorithm) {
		t.Fatalf("algorithm rsa: %v", err)
	}
}

func TestKeyFileNotAKey(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, identity.KeyFile), []byte("hello"), 0o600)
	if _, err := identity.LoadOrCreateKey(dir); err == nil {
		t.Fatal("a file that is no key was accepted")
	}
}

func TestLoadEnrollmentMissing(t *testing.T) {
	if _, err := identity.LoadEnrollment(t.TempDir()); err != identity.ErrNotEnrolled {
		t.Fatalf("LoadEnrollment = %v", err)
	}
}
