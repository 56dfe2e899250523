// Package protocol is the wire contract between the room box (edge) and the
// hub: MQTT topics, message types, the segment container with its hash chain
// and signatures, and live frames. Both sides import it; neither owns it.
//
// Decoding is strict everywhere: a version field is required, unknown fields
// are refused and every size is bounded, because these bytes come from
// outside the process that reads them.
//
// Version history (bump Version and add a line when the wire changes):
//
//	1 (2026-11-23): first version: status, health, telemetry, events,
//	  commands and replies over MQTT; segment container v1 with Ed25519
//	  signatures and SHA-256 chain; signed gap records; live frames;
//	  signal quality in health, segment flags and signal events.
//	  2026-11-23, additive: SM2 with SM3 as a second signature algorithm
//	  ("alg":"sm2"; key text "sm2:" and the uncompressed point); a box
//	  with an SM2 key binds its TLS transport key at enrollment with an
//	  SM2 signature over the certificate request. Ed25519 bytes unchanged.
//	  2026-11-23, additive: gap reason "box_replaced", the first record of
//	  a box that took a room over, signed with its key and naming the last
//	  record the hub holds from the box before it.
//	  2026-12, additive: gap reason "overrun", sound (or pictures) a
//	  device captured but the box did not read in time and lost, between
//	  the gap's start and end; the device itself stayed up.
//	  2026-12, additive: "rendition":"sub" on live commands and frames,
//	  a camera's sub-stream (SubWidth wide, SubFPS frames a second); and
//	  "features" in status, what an agent build offers ("live.sub"), so
//	  a hub asks a box of an older build, whose strict decoder refuses a
//	  command with a field it does not know, only for its main stream.
//	  Hubs are upgraded before boxes: an older hub refuses the field.
package protocol

// Version is the protocol version this code speaks and requires in every
// message and segment header.
const Version = 1
