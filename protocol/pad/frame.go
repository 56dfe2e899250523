package pad

import "encoding/binary"

// Version is the protocol version this package speaks.
const Version = 1

// Start is the first byte of every frame.
const Start = 0xA5

// Type is a frame's type.
type Type uint8

// Frame types; the package documentation lists their payloads.
const (
	TypeHello     Type = 0x01
	TypeIdentity  Type = 0x02
	TypeShow      Type = 0x03
	TypeStroke    Type = 0x04
	TypeFinish    Type = 0x05
	TypeSignature Type = 0x06
	TypeRefuse    Type = 0x07
	TypeCancel    Type = 0x08
	TypeError     Type = 0x09
)

// Bounds of a frame.
const (
	HeaderSize        = 5 // start, version, type, length
	TrailerSize       = 2 // CRC
	MaxPayload        = 1024
	MaxFrame          = HeaderSize + MaxPayload + TrailerSize
	PointSize         = 10
	MaxPointsPerFrame = 64
	DigestSize        = 32
	PublicKeySize     = 32
	SignatureSize     = 64
	MaxTextSize       = 32 // firmware version and serial
)

// Frame is one decoded frame. Payload aliases the decoder's buffer: copy it
// to keep it past the next read.
type Frame struct {
	Type    Type
	Payload []byte
}

// AppendFrame appends the encoded frame to dst. It returns dst unchanged
// and ErrTooLarge when the payload is over MaxPayload.
func AppendFrame(dst []byte, t Type, payload []byte) ([]byte, error) {
	if len(payload) > MaxPayload {
		return dst, ErrTooLarge
	}
	start := len(dst)
	dst = append(dst, Start, Version, byte(t), 0, 0)
	binary.BigEndian.PutUint16(dst[start+3:], uint16(len(payload)))
	dst = append(dst, payload...)
	crc := CRC16(dst[start+1:])
	return binary.BigEndian.AppendUint16(dst, crc), nil
}

// CRC16 is CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no
// reflection, no final xor) of b; its check value for "123456789" is 0x29B1.
func CRC16(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// String names the type, for logs.
func (t Type) String() string {
	switch t {
	case TypeHello:
		return "hello"
	case TypeIdentity:
		return "identity"
	case TypeShow:
		return "show"
	case TypeStroke:
		return "stroke"
	case TypeFinish:
		return "finish"
	case TypeSignature:
		return "signature"
	case TypeRefuse:
		return "refuse"
	case TypeCancel:
		return "cancel"
	case TypeError:
		return "error"
	}
	return "unknown"
}
