package protocol

import "errors"

// Errors returned by decoders and verifiers; test them with errors.Is.
var (
	// ErrInvalid marks bytes or values that break the contract.
	ErrInvalid = errors.New("invalid")
	// ErrVersion marks a missing or unsupported protocol version.
	ErrVersion = errors.New("unsupported protocol version")
	// ErrTooLarge marks input over its size bound.
	ErrTooLarge = errors.New("too large")
	// ErrSignature marks a signature that does not verify.
	ErrSignature = errors.New("bad signature")
	// ErrChain marks a record whose previous-hash does not match the chain.
	ErrChain = errors.New("hash chain broken")
)
