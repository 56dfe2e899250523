package pad

import "encoding/binary"

// Point is one sample of the pen.
type Point struct {
	X, Y     uint16
	Pressure uint16
	T        uint32 // milliseconds since the digest was shown
}

// Identity is what a pad says of itself.
type Identity struct {
	PublicKey [PublicKeySize]byte
	Firmware  string
	Serial    string
}

// AppendIdentity appends an Identity payload; firmware and serial are cut
// to MaxTextSize.
func AppendIdentity(dst []byte, pub *[PublicKeySize]byte, firmware, serial []byte) []byte {
	dst = append(dst, pub[:]...)
	dst = appendText(dst, firmware)
	return appendText(dst, serial)
}

func appendText(dst, s []byte) []byte {
	if len(s) > MaxTextSize {
		s = s[:MaxTextSize]
	}
	dst = append(dst, byte(len(s)))
	return append(dst, s...)
}

// ParseIdentity decodes an Identity payload strictly; texts must be
// printable ASCII.
func ParseIdentity(p []byte) (Identity, error) {
	var id Identity
	if len(p) < PublicKeySize+2 {
		return id, ErrInvalid
	}
	copy(id.PublicKey[:], p)
	fw, rest, ok := text(p[PublicKeySize:])
	if !ok {
		return id, ErrInvalid
	}
	serial, rest, ok := text(rest)
	if !ok || len(rest) != 0 {
		return id, ErrInvalid
	}
	id.Firmware, id.Serial = fw, serial
	return id, nil
}

func text(p []byte) (string, []byte, bool) {
	if len(p) < 1 || int(p[0]) > MaxTextSize || len(p) < 1+int(p[0]) {
		return "", nil, false
	}
	s := p[1 : 1+int(p[0])]
	for _, c := range s {
		if c < 0x20 || c > 0x7e {
			return "", nil, false
		}
	}
	return string(s), p[1+len(s):], true
}

// AppendPoint appends p's 10-byte form.
func AppendPoint(dst []byte, p Point) []byte {
	dst = binary.BigEndian.AppendUint16(dst, p.X)
	dst = binary.BigEndian.AppendUint16(dst, p.Y)
	dst = binary.BigEndian.AppendUint16(dst, p.Pressure)
	return binary.BigEndian.AppendUint32(dst, p.T)
}

// ReadPoint decodes the point at the start of b, which holds PointSize
// bytes at least.
func ReadPoint(b []byte) Point {
	return Point{
		X: binary.BigEndian.Uint16(b), Y: binary.BigEndian.Uint16(b[2:]),
		Pressure: binary.BigEndian.Uint16(b[4:]), T: binary.BigEndian.Uint32(b[6:]),
	}
}

// AppendStroke appends a Stroke payload of up to MaxPointsPerFrame points.
func AppendStroke(dst []byte, penUp bool, pts []Point) []byte {
	var flags byte
	if penUp {
		flags = 1
	}
	dst = append(dst, flags, byte(len(pts)))
	for _, p := range pts {
		dst = AppendPoint(dst, p)
	}
	return dst
}

// ParseStroke decodes a Stroke payload checked by CheckPayload, appending
// its points to dst.
func ParseStroke(p []byte, dst []Point) ([]Point, bool, error) {
	if err := CheckPayload(Frame{Type: TypeStroke, Payload: p}); err != nil {
		return dst, false, err
	}
	for i := 0; i < int(p[1]); i++ {
		dst = append(dst, ReadPoint(p[2+i*PointSize:]))
	}
	return dst, p[0]&1 != 0, nil
}

// AppendFinish appends a Finish payload.
func AppendFinish(dst []byte, strokes, points uint16) []byte {
	dst = binary.BigEndian.AppendUint16(dst, strokes)
	return binary.BigEndian.AppendUint16(dst, points)
}

// ParseFinish decodes a Finish payload.
func ParseFinish(p []byte) (strokes, points uint16, err error) {
	if len(p) != 4 {
		return 0, 0, ErrInvalid
	}
	return binary.BigEndian.Uint16(p), binary.BigEndian.Uint16(p[2:]), nil
}

// Error codes of an Error frame.
const (
	ErrCodeCRC        = 1 // the frame before was damaged on the line
	ErrCodeInvalid    = 2 // the frame before broke the contract
	ErrCodeUnexpected = 3 // the frame is not one this side takes now
	ErrCodeFull       = 4 // the pad holds MaxStrokes or MaxPoints already
)

// RefuseBySigner is the reason of a Refuse frame when the signer pressed
// "refuse".
const RefuseBySigner = 1
