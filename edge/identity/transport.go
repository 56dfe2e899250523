package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/evalroom/evalroom/protocol"
)

// TransportKeyFile holds the box's TLS key when its signing key cannot be
// used for TLS: an ECDSA P-256 key, made at enrollment next to an SM2 box
// key and used for nothing but mutual TLS with the hub and broker.
const TransportKeyFile = "transport.key"

// ErrNoTransportKey means a box with a certificate has lost the key it is for.
var ErrNoTransportKey = errors.New("the box's TLS transport key is missing: enroll the box again with a new token")

// tlsKey returns the key the box's certificate is for: the box key itself
// when it can do TLS (Ed25519), else the transport key in dir, made first
// if create is set.
func tlsKey(dir string, signer protocol.Signer, create bool) (crypto.Signer, error) {
	if cs, ok := signer.(interface{ Crypto() crypto.Signer }); ok {
		return cs.Crypto(), nil
	}
	path := filepath.Join(dir, TransportKeyFile)
	k, err := readPrivateKey(path)
	switch {
	case errors.Is(err, os.ErrNotExist) && create:
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate transport key: %w", err)
		}
		if err := writePrivateKey(path, key); err != nil {
			return nil, fmt.Errorf("write transport key: %w", err)
		}
		return key, nil
	case errors.Is(err, os.ErrNotExist):
		return nil, ErrNoTransportKey
	case err != nil:
		return nil, fmt.Errorf("transport key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("transport key %s: want an ECDSA P-256 key, got %T: remove it and enroll the box again", path, k)
	}
	return key, nil
}

// needsBinding reports whether the box's certificate is for a key other
// than its signing key, which must then vouch for it.
func needsBinding(signer protocol.Signer) bool {
	_, ok := signer.(interface{ Crypto() crypto.Signer })
	return !ok
}
