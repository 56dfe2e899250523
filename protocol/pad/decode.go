package pad

import (
	"encoding/binary"
	"errors"
)

// ErrShort means b holds the start of a frame but not all of it.
var ErrShort = errors.New("pad frame incomplete: read more bytes")

// DecodeFrame decodes the frame at the start of b strictly: start byte,
// version, known type, length within bounds, CRC, and the payload the type
// requires. It returns the frame and how many bytes it took; ErrShort when
// b ends inside the frame. Payload aliases b.
func DecodeFrame(b []byte) (Frame, int, error) {
	if len(b) < HeaderSize {
		return Frame{}, 0, ErrShort
	}
	if b[0] != Start {
		return Frame{}, 0, ErrInvalid
	}
	if b[1] != Version {
		return Frame{}, 0, ErrVersion
	}
	t := Type(b[2])
	if t < TypeHello || t > TypeError {
		return Frame{}, 0, ErrInvalid
	}
	n := int(binary.BigEndian.Uint16(b[3:5]))
	if n > MaxPayload {
		return Frame{}, 0, ErrTooLarge
	}
	total := HeaderSize + n + TrailerSize
	if len(b) < total {
		return Frame{}, 0, ErrShort
	}
	if CRC16(b[1:HeaderSize+n]) != binary.BigEndian.Uint16(b[HeaderSize+n:]) {
		return Frame{}, 0, ErrCRC
	}
	f := Frame{Type: t, Payload: b[HeaderSize : HeaderSize+n]}
	if err := CheckPayload(f); err != nil {
		return Frame{}, total, err
	}
	return f, total, nil
}

// CheckPayload checks that f's payload has the form its type requires.
func CheckPayload(f Frame) error {
	p := f.Payload
	switch f.Type {
	case TypeHello, TypeCancel:
		return wantLen(p, 0)
	case TypeShow:
		return wantLen(p, DigestSize)
	case TypeSignature:
		return wantLen(p, SignatureSize)
	case TypeRefuse, TypeError:
		return wantLen(p, 1)
	case TypeFinish:
		return wantLen(p, 4)
	case TypeIdentity:
		_, err := ParseIdentity(p)
		return err
	case TypeStroke:
		if len(p) < 2 || p[0]&^1 != 0 || p[1] == 0 || p[1] > MaxPointsPerFrame || len(p) != 2+int(p[1])*PointSize {
			return ErrInvalid
		}
		return nil
	}
	return ErrInvalid
}

func wantLen(p []byte, n int) error {
	if len(p) != n {
		return ErrInvalid
	}
	return nil
}
