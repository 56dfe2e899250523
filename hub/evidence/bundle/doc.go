// Package bundle writes, reads and verifies evidence files: one room's
// recording for a time range, with everything needed to prove it whole
// later and offline.
//
// An evidence file is a POSIX ustar archive, so any tar tool lists and
// extracts it, written in one canonical form so that every byte of it is
// accounted for. Its entries, in this order:
//
//	manifest.json    what the file holds: room, range, streams, per record
//	                 seq, last seq, kind, times, hash, prev, size and path,
//	                 the holes the hub never received, the other files'
//	                 SHA-256, when and by whom it was exported
//	manifest.sha256  "HEX  manifest.json\n" (sha256sum -c reads it)
//	README.txt       how to check the file by hand
//	enrollment.json  the room's enrolled box keys (and, later, certificates)
//	audit.json       the hub's audit log for the room from the range's start
//	                 to this export, other rooms' entries elided, ending with
//	                 the export's own entry, which names the manifest's hash
//	segments/ROOM/STREAM/SEQ.seg  every record as the box signed and sent it
//
// The package imports only protocol and the standard library, so that a
// verifier built from it links nothing else of the hub.
package bundle
