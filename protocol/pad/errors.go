package pad

import "errors"

// Errors of the decoders; test them with errors.Is. They say what to do,
// since this package has no fmt to add detail with.
var (
	// ErrInvalid marks bytes that break the contract.
	ErrInvalid = errors.New("pad frame invalid: the pad's firmware does not speak this protocol; update it or replace the pad")
	// ErrVersion marks a frame of another protocol version.
	ErrVersion = errors.New("pad protocol version not supported: update the box or the pad's firmware")
	// ErrTooLarge marks a frame or payload over its bound.
	ErrTooLarge = errors.New("pad frame too large: the pad's firmware does not speak this protocol")
	// ErrCRC marks a frame whose CRC does not match: the line damaged it.
	ErrCRC = errors.New("pad frame damaged on the line (CRC): check the cable, then sign again")
	// ErrSignature marks a pad signature that does not verify.
	ErrSignature = errors.New("pad signature does not verify over the digest and strokes")
)
