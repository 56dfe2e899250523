// Package firmware is the core of the signing pad's firmware: the protocol
// state machine of protocol/pad, the stroke capture loop and signing with
// the pad's own Ed25519 key, behind a small hardware interface (Port,
// Digitiser, Display, KeyStore, Clock). TinyGo compiles it for the pad's
// microcontroller; the simulator in simulators/pad runs the same code on
// the host behind a pseudo-terminal.
//
// It uses no reflection, fmt, encoding/json or maps, and every buffer is
// fixed in size (Pad is about 100 KiB, allocated once): the loop allocates
// only inside crypto/ed25519 when it signs.
package firmware
