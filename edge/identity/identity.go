// Package identity keeps the box's key pair and its enrollment with a hub.
// The private key is made on first start, stays on the box and is readable
// by the agent's user only.
package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/evalroom/evalroom/internal/durable"
	"github.com/evalroom/evalroom/protocol"
)

// KeyFile and EnrollmentFile are the names used inside the data directory.
const (
	KeyFile        = "box.key"
	EnrollmentFile = "enrollment.json"
)

// ErrNotEnrolled means the box has no enrollment yet.
var ErrNotEnrolled = errors.New("box is not enrolled: run `evalroom-edge enroll --hub URL --token TOKEN` with a token from the hub")

// LoadOrCreateKey returns the box's signer, of whichever algorithm its key
// is, making an Ed25519 key on first start.
func LoadOrCreateKey(dir string) (protocol.Signer, error) {
	return LoadOrCreateKeyAlg(dir, "")
}

// LoadOrCreateKeyAlg returns the box's signer, making a key of alg
// (protocol.AlgEd25519 or protocol.AlgSM2; "" is Ed25519) on first start.
// A key of another algorithm than alg is refused: a box keeps its key, so
// changing the algorithm means a new key and a new enrollment.
func LoadOrCreateKeyAlg(dir, alg string) (protocol.Signer, error) {
	if err := checkAlg(alg); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, KeyFile)
	k, err := readPrivateKey(path)
	if errors.Is(err, os.ErrNotExist) {
		return createKey(dir, path, alg)
	}
	if err != nil {
		return nil, fmt.Errorf("box key: %w", err)
	}
	var signer protocol.Signer
	switch k := k.(type) {
	case ed25519.PrivateKey:
		signer = protocol.Ed25519Signer{Key: k}
	case *sm2.PrivateKey:
		signer = protocol.SM2Signer{Key: k}
	default:
		return nil, fmt.Errorf("box key %s: want an Ed25519 or SM2 key, got %T", path, k)
	}
	if have := signer.PublicKey().Alg; alg != "" && have != alg {
		return nil, fmt.Errorf("%w: box key %s is %s, the configuration asks for %s: keep key_algorithm %q, or move the key away and enroll the box again with a new token",
			ErrKeyAlgorithm, path, have, alg, have)
	}
	return signer, nil
}

// ErrKeyAlgorithm means the box's key is not of the algorithm asked for.
var ErrKeyAlgorithm = errors.New("box key of another algorithm")

func checkAlg(alg string) error {
	switch alg {
	case "", protocol.AlgEd25519, protocol.AlgSM2:
		return nil
	}
	return fmt.Errorf("%w: %q: use %s or %s", ErrKeyAlgorithm, alg, protocol.AlgEd25519, protocol.AlgSM2)
}

func createKey(dir, path, alg string) (protocol.Signer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	var signer protocol.Signer
	var priv any
	if alg == protocol.AlgSM2 {
		k, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate box key: %w", err)
		}
		signer, priv = protocol.SM2Signer{Key: k}, k
	} else {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate box key: %w", err)
		}
		signer, priv = protocol.Ed25519Signer{Key: k}, k
	}
	if err := writePrivateKey(path, priv); err != nil {
		return nil, fmt.Errorf("write box key: %w", err)
	}
	return signer, nil
}

// readPrivateKey reads a PKCS #8 PEM private key (Ed25519, SM2 or ECDSA)
// that only its owner may read.
func readPrivateKey(path string) (any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %v): run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s is not a PEM private key", path)
	}
	k, err := smx509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// writePrivateKey writes a key as PKCS #8 PEM, readable by its owner only.
func writePrivateKey(path string, key any) error {
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", path, err)
	}
	return durable.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// Enrollment is what the box keeps of its enrollment.
type Enrollment struct {
	Room       string    `json:"room"`
	Name       string    `json:"name"`
	Hub        string    `json:"hub"`
	PublicKey  string    `json:"public_key"`
	EnrolledAt time.Time `json:"enrolled_at"`
	// Chains are where the room's streams stood at the hub at enrollment:
	// a box that takes a room over goes on with them.
	Chains []ChainHead `json:"chains,omitempty"`
}

// ChainHead is the last record the hub held of a stream.
type ChainHead struct {
	Stream  string    `json:"stream"`
	NextSeq uint64    `json:"next_seq"`
	Prev    string    `json:"prev"`
	LastEnd time.Time `json:"last_end"`
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
