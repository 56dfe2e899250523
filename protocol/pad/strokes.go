package pad

import (
	"crypto/ed25519"
	"encoding/binary"
)

// Bounds of one signature's strokes.
const (
	MaxStrokes = 512
	MaxPoints  = 4096
	// MaxStrokesSize bounds the canonical form of the strokes.
	MaxStrokesSize = 2 + MaxStrokes*2 + MaxPoints*PointSize
)

// signContext starts every message a pad signs, so its signature cannot be
// taken for one over anything else.
const signContext = "evalroom-pad-v1\x00"

// EncodeStrokes appends the canonical form of strokes to dst: strokes
// (uint16 BE), then per stroke its points (uint16 BE) and the points.
func EncodeStrokes(dst []byte, strokes [][]Point) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(strokes)))
	for _, s := range strokes {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
		for _, p := range s {
			dst = AppendPoint(dst, p)
		}
	}
	return dst
}

// DecodeStrokes decodes the canonical form strictly: within the bounds, no
// empty stroke, nothing after the last point.
func DecodeStrokes(b []byte) ([][]Point, error) {
	if len(b) > MaxStrokesSize {
		return nil, ErrTooLarge
	}
	if len(b) < 2 {
		return nil, ErrInvalid
	}
	n := int(binary.BigEndian.Uint16(b))
	if n > MaxStrokes {
		return nil, ErrTooLarge
	}
	b = b[2:]
	out := make([][]Point, 0, n)
	total := 0
	for range n {
		if len(b) < 2 {
			return nil, ErrInvalid
		}
		m := int(binary.BigEndian.Uint16(b))
		total += m
		if m == 0 || total > MaxPoints || len(b) < 2+m*PointSize {
			return nil, ErrInvalid
		}
		s := make([]Point, m)
		for i := range s {
			s[i] = ReadPoint(b[2+i*PointSize:])
		}
		out = append(out, s)
		b = b[2+m*PointSize:]
	}
	if len(b) != 0 {
		return nil, ErrInvalid
	}
	return out, nil
}

// AppendSignedBytes appends what a pad signs: the context, the document
// digest and the canonical strokes.
func AppendSignedBytes(dst []byte, digest *[DigestSize]byte, strokes []byte) []byte {
	dst = append(dst, signContext...)
	dst = append(dst, digest[:]...)
	return append(dst, strokes...)
}

// Verify checks a pad's signature over digest and the canonical strokes;
// it returns ErrInvalid for strokes not in canonical form and ErrSignature
// for a signature that does not verify.
func Verify(pub, digest, strokes, sig []byte) error {
	if len(pub) != PublicKeySize || len(digest) != DigestSize || len(sig) != SignatureSize {
		return ErrInvalid
	}
	if _, err := DecodeStrokes(strokes); err != nil {
		return err
	}
	msg := AppendSignedBytes(nil, (*[DigestSize]byte)(digest), strokes)
	if !ed25519.Verify(ed25519.PublicKey(pub), msg, sig) {
		return ErrSignature
	}
	return nil
}
