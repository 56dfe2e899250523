package prototest

import (
	"crypto/ed25519"
	"crypto/sha256"

	"github.com/evalroom/evalroom/protocol/pad"
)

// PadKey is a fixed test key of a signing pad; its seed is public.
var PadKey = ed25519.NewKeyFromSeed([]byte("evalroom-test-vector-pad-seed-01"))

// PadDigest is the digest of the test document a pad is asked to sign.
var PadDigest = sha256.Sum256([]byte("evaluation report, project 2026-0042"))

// PadStrokes are two short strokes in the test vectors.
var PadStrokes = [][]pad.Point{
	{{X: 100, Y: 200, Pressure: 300, T: 0}, {X: 110, Y: 205, Pressure: 512, T: 8}},
	{{X: 300, Y: 180, Pressure: 200, T: 400}},
}

// PadStrokeBytes is the canonical form of PadStrokes.
func PadStrokeBytes() []byte { return pad.EncodeStrokes(nil, PadStrokes) }

// PadSignature is PadKey's signature over PadDigest and PadStrokes.
func PadSignature() []byte {
	return ed25519.Sign(PadKey, pad.AppendSignedBytes(nil, &PadDigest, PadStrokeBytes()))
}

// PadFrameVector is one frame's bytes and the outcome of decoding them.
type PadFrameVector struct {
	Name string
	Data []byte
	Type pad.Type // of a good frame
	Err  error    // nil when the bytes are good
}

func padFrame(t pad.Type, payload []byte) []byte {
	b, err := pad.AppendFrame(nil, t, payload)
	if err != nil {
		panic(err)
	}
	return b
}

// PadFrames are the pad protocol's frame vectors, good and malformed.
func PadFrames() []PadFrameVector {
	var pub [32]byte
	copy(pub[:], PadKey.Public().(ed25519.PublicKey))
	ident := pad.AppendIdentity(nil, &pub, []byte("1.0.0"), []byte("PAD-0001"))
	stroke := pad.AppendStroke(nil, true, PadStrokes[0])
	badCRC := padFrame(pad.TypeHello, nil)
	badCRC[len(badCRC)-1] ^= 1
	v2 := padFrame(pad.TypeHello, nil)
	v2[1] = 2
	long := []byte{pad.Start, pad.Version, byte(pad.TypeStroke), 0x04, 0x01}
	return []PadFrameVector{
		{"hello", padFrame(pad.TypeHello, nil), pad.TypeHello, nil},
		{"identity", padFrame(pad.TypeIdentity, ident), pad.TypeIdentity, nil},
		{"show", padFrame(pad.TypeShow, PadDigest[:]), pad.TypeShow, nil},
		{"stroke", padFrame(pad.TypeStroke, stroke), pad.TypeStroke, nil},
		{"finish", padFrame(pad.TypeFinish, pad.AppendFinish(nil, 2, 3)), pad.TypeFinish, nil},
		{"signature", padFrame(pad.TypeSignature, PadSignature()), pad.TypeSignature, nil},
		{"refuse", padFrame(pad.TypeRefuse, []byte{1}), pad.TypeRefuse, nil},
		{"cancel", padFrame(pad.TypeCancel, nil), pad.TypeCancel, nil},
		{"error", padFrame(pad.TypeError, []byte{1}), pad.TypeError, nil},
		{"wrong crc", badCRC, 0, pad.ErrCRC},
		{"version 2", v2, 0, pad.ErrVersion},
		{"unknown type", padFrame(pad.Type(0x42), nil), 0, pad.ErrInvalid},
		{"no start byte", append([]byte{0x00}, padFrame(pad.TypeHello, nil)...), 0, pad.ErrInvalid},
		{"length over bound", long, 0, pad.ErrTooLarge},
		{"hello with payload", padFrame(pad.TypeHello, []byte{0}), 0, pad.ErrInvalid},
		{"short digest", padFrame(pad.TypeShow, PadDigest[:31]), 0, pad.ErrInvalid},
		{"stroke count mismatch", padFrame(pad.TypeStroke, stroke[:len(stroke)-1]), 0, pad.ErrInvalid},
		{"stroke no points", padFrame(pad.TypeStroke, []byte{0, 0}), 0, pad.ErrInvalid},
		{"stroke unknown flag", padFrame(pad.TypeStroke, append([]byte{2}, stroke[1:]...)), 0, pad.ErrInvalid},
		{"identity text not ascii", padFrame(pad.TypeIdentity, pad.AppendIdentity(nil, &pub, []byte("1.0\n"), nil)), 0, pad.ErrInvalid},
		{"identity trailing", padFrame(pad.TypeIdentity, append(ident, 0)), 0, pad.ErrInvalid},
		{"short signature", padFrame(pad.TypeSignature, PadSignature()[:63]), 0, pad.ErrInvalid},
		{"cut short", padFrame(pad.TypeShow, PadDigest[:])[:20], 0, pad.ErrShort},
	}
}
