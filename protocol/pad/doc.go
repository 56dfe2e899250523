// Package pad is the wire protocol between a room box and an expert's
// signing pad on a serial line (USB CDC-ACM). Both sides import it: the
// box's driver and the pad's firmware (firmware/), which TinyGo compiles,
// so this package uses no reflection, fmt, encoding/json or maps.
//
// A frame is
//
//	start 0xA5 | version 1 | type (1 byte) | length (uint16 BE) | payload | CRC (uint16 BE)
//
// The CRC is CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) over
// version, type, length and payload. CRC-16 rather than CRC-32 because
// frames are at most MaxPayload+7 bytes, where CRC-16/CCITT still detects
// every error of up to three bits and every burst of up to 16, it costs two
// bytes a frame, and a bitwise loop needs no table in the pad's flash.
// USB already checks its packets; the CRC catches a UART bridge or a
// firmware bug, not an attacker: the pad's Ed25519 signature does that.
//
// Frame types (B = box to pad, P = pad to box):
//
//	0x01 Hello      B  no payload: who are you?
//	0x02 Identity   P  public key (32) | firmware length (1) | firmware | serial length (1) | serial
//	0x03 Show       B  SHA-256 digest of the document (32): show it and start capturing
//	0x04 Stroke     P  flags (1, bit 0: pen lifted after these points) | count (1, 1..MaxPointsPerFrame) | points
//	0x05 Finish     P  strokes (uint16 BE) | points (uint16 BE): the signer pressed "sign"
//	0x06 Signature  P  Ed25519 signature (64) over SignedBytes(digest, strokes)
//	0x07 Refuse     P  reason (1): the signer pressed "refuse"
//	0x08 Cancel     B  no payload: stop capturing, forget the strokes
//	0x09 Error      BP code (1): the frame before could not be used
//
// A point is x, y, pressure (uint16 BE each) and time (uint32 BE,
// milliseconds since Show), 10 bytes. The strokes the signature covers are
// in the canonical form of EncodeStrokes: strokes (uint16 BE), then per
// stroke its points (uint16 BE) and the points. The pad signs
//
//	"evalroom-pad-v1" | 0x00 | digest (32) | canonical strokes
//
// with a key made in the pad that never leaves it.
//
// Version history: 1 (2026-12) the first.
package pad
