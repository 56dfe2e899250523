package protocol

import (
	"crypto/ecdsa"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm2/sm2ec"
)

// AlgSM2 is SM2 signatures over SM3 digests (GB/T 32918.2), for
// deployments that must use the national algorithms. The public key's
// text form is "sm2:" and the base64 of the uncompressed point
// 04||X||Y (65 bytes, GB/T 32918.1); a signature is the DER SEQUENCE of r
// and s (GB/T 35276).
const AlgSM2 = "sm2"

// SM2UserID is the signer's distinguishing identifier hashed into every
// SM2 signature (Z_A of GB/T 32918.2): the default of GB/T 35276, which
// other SM2 software assumes when none is agreed.
const SM2UserID = "1234567812345678"

const (
	sm2PointSize  = 65 // 04 || X || Y
	sm2MaxSigSize = 72 // SEQUENCE of two INTEGERs of at most 33 bytes
)

// SM2Signer signs with an SM2 private key, SM3 digest and SM2UserID.
type SM2Signer struct {
	Key *sm2.PrivateKey
	// Rand is the entropy mixed with the key and message into each
	// signature's nonce; nil is crypto/rand. Test vectors set a fixed
	// reader so that their bytes are the same in every process.
	Rand io.Reader
}

// PublicKey implements Signer.
func (s SM2Signer) PublicKey() PublicKey {
	return PublicKey{Alg: AlgSM2, Key: sm2Point(&s.Key.PublicKey)}
}

// Sign implements Signer.
func (s SM2Signer) Sign(msg []byte) ([]byte, error) {
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	return s.Key.Sign(r, msg, sm2.NewSM2SignerOption(true, []byte(SM2UserID)))
}

// sm2Point encodes a public key as an uncompressed point.
func sm2Point(k *ecdsa.PublicKey) []byte {
	b := make([]byte, sm2PointSize)
	b[0] = 4
	k.X.FillBytes(b[1:33])
	k.Y.FillBytes(b[33:])
	return b
}

// parseSM2Point decodes an uncompressed point and checks that it is on the
// SM2 curve (and not the point at infinity).
func parseSM2Point(b []byte) (*ecdsa.PublicKey, error) {
	if len(b) != sm2PointSize || b[0] != 4 {
		return nil, invalid("sm2 public key: want a 65-byte uncompressed point (04||X||Y), got %d bytes", len(b))
	}
	x, y := sm2ec.Unmarshal(sm2.P256(), b)
	if x == nil {
		return nil, invalid("sm2 public key is not a point on the SM2 curve")
	}
	return &ecdsa.PublicKey{Curve: sm2.P256(), X: x, Y: y}, nil
}

// verifySM2 checks an SM2 signature of msg by the key in point form.
func verifySM2(point, msg, sig []byte) error {
	pub, err := parseSM2Point(point)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if len(sig) > sm2MaxSigSize || !sm2.VerifyASN1WithSM2(pub, []byte(SM2UserID), msg, sig) {
		return ErrSignature
	}
	return nil
}
