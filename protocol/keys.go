package protocol

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// AlgEd25519 is the default signature algorithm. Its public key's text
// form is "ed25519:" and the base64 of the 32-byte key.
const AlgEd25519 = "ed25519"

// Signer signs segment headers with the box's private key.
type Signer interface {
	PublicKey() PublicKey
	Sign(msg []byte) ([]byte, error)
}

// PublicKey is a box's public key with its algorithm. Its text form is
// "ALG:BASE64", e.g. "ed25519:..." or "sm2:...".
type PublicKey struct {
	Alg string
	Key []byte
}

// String returns the text form.
func (k PublicKey) String() string {
	return k.Alg + ":" + base64.StdEncoding.EncodeToString(k.Key)
}

// ID returns a short fingerprint of the key: the first 16 hex digits of the
// SHA-256 of its text form.
func (k PublicKey) ID() string {
	sum := sha256.Sum256([]byte(k.String()))
	return hex.EncodeToString(sum[:8])
}

// ParsePublicKey reads the text form.
func ParsePublicKey(s string) (PublicKey, error) {
	alg, b64, ok := strings.Cut(s, ":")
	if !ok {
		return PublicKey{}, invalid("public key %q: want ALG:BASE64", s)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return PublicKey{}, invalid("public key: %v", err)
	}
	switch alg {
	case AlgEd25519:
		if len(key) != ed25519.PublicKeySize {
			return PublicKey{}, invalid("ed25519 public key has %d bytes", len(key))
		}
	case AlgSM2:
		if _, err := parseSM2Point(key); err != nil {
			return PublicKey{}, err
		}
	default:
		return PublicKey{}, invalid("unknown key algorithm %q", alg)
	}
	return PublicKey{Alg: alg, Key: key}, nil
}

// Crypto returns the key as the standard library's type: an
// ed25519.PublicKey, which certificates can name, or for SM2 an
// *ecdsa.PublicKey on the SM2 curve, which crypto/x509 and crypto/tls
// cannot use (a box with an SM2 key has a separate transport key for TLS).
func (k PublicKey) Crypto() (crypto.PublicKey, error) {
	switch k.Alg {
	case AlgEd25519:
		if len(k.Key) == ed25519.PublicKeySize {
			return ed25519.PublicKey(k.Key), nil
		}
	case AlgSM2:
		if pub, err := parseSM2Point(k.Key); err == nil {
			return pub, nil
		}
	}
	return nil, invalid("%s public key cannot be used for a certificate", k.Alg)
}

// Verify checks sig over msg.
func (k PublicKey) Verify(msg, sig []byte) error {
	switch k.Alg {
	case AlgEd25519:
		if len(k.Key) != ed25519.PublicKeySize || !ed25519.Verify(ed25519.PublicKey(k.Key), msg, sig) {
			return ErrSignature
		}
		return nil
	case AlgSM2:
		return verifySM2(k.Key, msg, sig)
	default:
		return fmt.Errorf("%w: unknown algorithm %q", ErrSignature, k.Alg)
	}
}

// Ed25519Signer signs with an Ed25519 private key.
type Ed25519Signer struct{ Key ed25519.PrivateKey }

// Crypto returns the private key for certificate requests and TLS.
func (s Ed25519Signer) Crypto() crypto.Signer { return s.Key }

// PublicKey implements Signer.
func (s Ed25519Signer) PublicKey() PublicKey {
	return PublicKey{Alg: AlgEd25519, Key: []byte(s.Key.Public().(ed25519.PublicKey))}
}

// Sign implements Signer.
func (s Ed25519Signer) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.Key, msg), nil }
