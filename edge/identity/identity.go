// Package identity keeps the box's key pair and its enrollment with a hub.
// The private key is made on first start, stays on the box and is readable
// by the agent's user only.
package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/evalroom/evalroom/protocol"
)

// KeyFile and EnrollmentFile are the names used inside the data directory.
const (
	KeyFile        = "box.key"
	EnrollmentFile = "enrollment.json"
)

// ErrNotEnrolled means the box has no enrollment yet.
var ErrNotEnrolled = errors.New("box is not enrolled: run `evalroom-edge enroll --hub URL --token TOKEN` with a token from the hub")

// LoadOrCreateKey returns the box's signer, making the key on first start.
func LoadOrCreateKey(dir string) (protocol.Signer, error) {
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createKey(dir, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read box key: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("box key %s is readable by others (mode %v): run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("box key %s is not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("box key %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("box key %s: want an Ed25519 key, got %T", path, k)
	}
	return protocol.Ed25519Signer{Key: ek}, nil
}

func createKey(dir, path string) (protocol.Signer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate box key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("marshal box key: %w", err)
	}
	if err := writeFileSync(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, fmt.Errorf("write box key: %w", err)
	}
	return protocol.Ed25519Signer{Key: priv}, nil
}

// Enrollment is what the box keeps of its enrollment.
type Enrollment struct {
	Room       string    `json:"room"`
	Name       string    `json:"name"`
	Hub        string    `json:"hub"`
	PublicKey  string    `json:"public_key"`
	EnrolledAt time.Time `json:"enrolled_at"`
}

// LoadEnrollment reads the enrollment, or ErrNotEnrolled.
func LoadEnrollment(dir string) (Enrollment, error) {
	var e Enrollment
	b, err := os.ReadFile(filepath.Join(dir, EnrollmentFile))
	if errors.Is(err, os.ErrNotExist) {
		return e, ErrNotEnrolled
	}
	if err != nil {
		return e, fmt.Errorf("read enrollment: %w", err)
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("enrollment file %s is damaged: %w", filepath.Join(dir, EnrollmentFile), err)
	}
	return e, nil
}

// writeFileSync writes through a temporary file, fsyncs and renames, so a
// power cut leaves either the old file or the new one.
func writeFileSync(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
