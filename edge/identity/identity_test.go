package identity_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/evalroom/evalroom/edge/identity"
)

func TestKeyIsMadeOnceAndPrivate(t *testing.T) {
	dir := t.TempDir()
	a, err := identity.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, identity.KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode().Perm(), err)
	}
	b, err := identity.LoadOrCreateKey(dir)
	if err != nil || b.PublicKey().String() != a.PublicKey().String() {
		t.Fatalf("second load gave another key: %v", err)
	}
	os.Chmod(filepath.Join(dir, identity.KeyFile), 0o644)
	if _, err := identity.LoadOrCreateKey(dir); err == nil {
		t.Fatal("a world-readable key was accepted")
	}
}

func TestLoadEnrollmentMissing(t *testing.T) {
	if _, err := identity.LoadEnrollment(t.TempDir()); err != identity.ErrNotEnrolled {
		t.Fatalf("LoadEnrollment = %v", err)
	}
}
