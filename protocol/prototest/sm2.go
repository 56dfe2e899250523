package prototest

import (
	"encoding/base64"
	"encoding/pem"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/evalroom/evalroom/protocol"
)

// SM2Signer and OtherSM2Signer are fixed SM2 test keys; like Signer's seed
// they are public, so nothing they sign is trustworthy outside tests. They
// sign deterministically (fixed entropy), so vectors are stable bytes.
var (
	SM2Signer = sm2Key(`-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgoIJSBrDUV0Ch2yl3
4Mc/me+eikI3z74ptD58DlxQoQ+hRANCAAT+4oMqy/xC7n/RnltLfq8eEXCfIsYp
RFhljWEyv++GmhulbpufEB9ioeGUXZAqoYw/gcW067ckOGASG8mw8MGh
-----END PRIVATE KEY-----`)
	OtherSM2Signer = sm2Key(`-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgM/dTE+uFR0aHsUaf
paOAIyEw8F4d0G1XXj9XcNxFXKuhRANCAARJCHwK7ldgjG8R9LUOMci/HDmZLdN2
/XB3RFlso1n0pDDU0D1t5k5EmRkAwgWplbl2mmYIw3EclTsY1yskKylQ
-----END PRIVATE KEY-----`)
)

func sm2Key(p string) protocol.SM2Signer {
	blk, _ := pem.Decode([]byte(p))
	k, err := smx509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		panic(err)
	}
	return protocol.SM2Signer{Key: k.(*sm2.PrivateKey), Rand: zeros{}}
}

// zeros is the test keys' fixed entropy: the nonce is then derived from
// key and message alone, so a vector is the same bytes in every process.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// KeyVector is a public key's text form and the outcome of parsing it.
type KeyVector struct {
	Name string
	Text string
	Err  error // nil when the text is good
}

// Keys returns the public key vectors.
func Keys() []KeyVector {
	point := SM2Signer.PublicKey().Key
	b64 := base64.StdEncoding.EncodeToString
	edit := func(f func(b []byte) []byte) string {
		return "sm2:" + b64(f(append([]byte(nil), point...)))
	}
	pkix, err := smx509.MarshalPKIXPublicKey(&SM2Signer.Key.PublicKey)
	if err != nil {
		panic(err)
	}
	ff := make([]byte, 65)
	for i := range ff {
		ff[i] = 0xff
	}
	ff[0] = 4
	return []KeyVector{
		{"ed25519", Signer.PublicKey().String(), nil},
		{"sm2", SM2Signer.PublicKey().String(), nil},
		{"other sm2", OtherSM2Signer.PublicKey().String(), nil},
		{"empty", "", protocol.ErrInvalid},
		{"no algorithm", "ed25519", protocol.ErrInvalid},
		{"not base64", "ed25519:!!", protocol.ErrInvalid},
		{"ed25519 too short", "ed25519:AAAA", protocol.ErrInvalid},
		{"unknown algorithm", "rsa:AAAA", protocol.ErrInvalid},
		{"sm2 compressed point", edit(func(b []byte) []byte { b[0] = 2 + b[64]&1; return b[:33] }), protocol.ErrInvalid},
		{"sm2 X and Y without 04", edit(func(b []byte) []byte { return b[1:] }), protocol.ErrInvalid},
		{"sm2 hybrid prefix", edit(func(b []byte) []byte { b[0] = 6; return b }), protocol.ErrInvalid},
		{"sm2 point off the curve", edit(func(b []byte) []byte { b[64] ^= 1; return b }), protocol.ErrInvalid},
		{"sm2 point at infinity", "sm2:" + b64(append([]byte{4}, make([]byte, 64)...)), protocol.ErrInvalid},
		{"sm2 coordinates beyond the field", "sm2:" + b64(ff), protocol.ErrInvalid},
		{"sm2 trailing byte", edit(func(b []byte) []byte { return append(b, 0) }), protocol.ErrInvalid},
		{"sm2 PKIX DER instead of the point", "sm2:" + b64(pkix), protocol.ErrInvalid},
		{"sm2 named with an ed25519 key", "sm2:" + b64(Signer.PublicKey().Key), protocol.ErrInvalid},
		{"ed25519 named with an sm2 point", "ed25519:" + b64(point), protocol.ErrInvalid},
	}
}

// SignatureVector is a segment that decodes, the key it is checked with
// and the outcome of Segment.Verify.
type SignatureVector struct {
	Name string
	Data []byte
	Key  protocol.PublicKey
	Err  error // nil when the signature verifies
}

// Signatures returns the signature vectors of both algorithms, good and
// forged; the first two are the good Ed25519 and SM2 media records.
func Signatures() []SignatureVector {
	ed := MediaSegment("room-1", "cam1", 0, "")
	sm := MediaSegmentBy(SM2Signer, "room-1", "cam1", 0, "")
	smGap := GapSegmentBy(SM2Signer, "room-1", "cam1", 1, sm.Hash())
	edKey, smKey := Signer.PublicKey(), SM2Signer.PublicKey()
	resign := func(s *protocol.Segment, sig []byte) []byte {
		c := *s
		c.Signature = sig
		return c.Encode()
	}
	must := func(b []byte, err error) []byte {
		if err != nil {
			panic(err)
		}
		return b
	}
	flipped := append([]byte(nil), sm.Signature...)
	flipped[len(flipped)-1] ^= 1
	otherUID := must(SM2Signer.Key.Sign(zeros{}, sm.HeaderBytes, sm2.NewSM2SignerOption(true, []byte("evalroom"))))
	// An SM2 header (alg and key id of the SM2 key) over which the
	// Ed25519 key signs.
	edUnderSM2 := must(Signer.Sign(sm.HeaderBytes))
	return []SignatureVector{
		{"ed25519 good", ed.Encode(), edKey, nil},
		{"sm2 good", sm.Encode(), smKey, nil},
		{"sm2 gap record good", smGap.Encode(), smKey, nil},
		{"sm2 checked with another sm2 key", sm.Encode(), OtherSM2Signer.PublicKey(), protocol.ErrSignature},
		{"sm2 signed by another sm2 key under this key's id", resign(sm, must(OtherSM2Signer.Sign(sm.HeaderBytes))), smKey, protocol.ErrSignature},
		{"sm2 signature flipped", resign(sm, flipped), smKey, protocol.ErrSignature},
		{"sm2 signature with another user id", resign(sm, otherUID), smKey, protocol.ErrSignature},
		{"sm2 signature as raw r||s", resign(sm, make([]byte, 64)), smKey, protocol.ErrSignature},
		{"sm2 signature with a trailing byte", resign(sm, append(append([]byte(nil), sm.Signature...), 0)), smKey, protocol.ErrSignature},
		{"sm2 signature empty", resign(sm, nil), smKey, protocol.ErrSignature},
		{"sm2 header with an ed25519 signature", resign(sm, edUnderSM2), smKey, protocol.ErrSignature},
		{"sm2 record checked with the ed25519 key", sm.Encode(), edKey, protocol.ErrSignature},
		{"ed25519 record checked with the sm2 key", ed.Encode(), smKey, protocol.ErrSignature},
	}
}
