package bundle

// Readme is README.txt in every evidence file: how to check the file by
// hand, without evalroom.
const Readme = `evalroom evidence file, format 1

This archive is one room's recording for a time range, exported by an
evalroom hub. Check it with:

    evalroom-hub verify-evidence FILE

or by hand, with any tar, sha256sum and an Ed25519 or SM2 library:

1. The archive is ustar. manifest.json lists the room, the range, who
   exported it and when, and per stream every record (seq, last_seq, kind,
   start, end, hash, prev, size, path) and the holes the hub never received.
   sha256sum -c manifest.sha256 checks the manifest; the same digest is in
   the last entry of audit.json, the hub's audit log entry for this export.
2. enrollment.json holds the room's box keys ("ed25519:BASE64", or
   "sm2:BASE64" of the uncompressed point 04||X||Y); its SHA-256 is in the
   manifest, as is this file's.
3. Every segments/ROOM/STREAM/SEQ.seg is a record exactly as the box signed
   and sent it:
     "ERSG" | version 1 (1 byte) | header length (uint32 BE) | header JSON |
     signature length (uint16 BE) | signature | payload length (uint32 BE) |
     payload
   The signature is over the header JSON bytes, by the key whose key_id the
   header names, with the header's alg: Ed25519, or SM2 with SM3 and the
   default user ID 1234567812345678 (a DER SEQUENCE of r and s). The header's payload_sha256 is the SHA-256 of the payload.
   The record's hash is the SHA-256 of the header JSON bytes.
4. In each stream, every record's "prev" is the hash of the record before
   it (for a "spool_eviction" gap record, the next record's prev is the
   gap's last_hash and its seq follows the gap's last_seq), and sequence
   numbers follow each other. Gap records say what was not recorded and why.
5. audit.json is a stretch of the hub's hash-chained audit log: each entry's
   hash is SHA-256(prev || {"id","at" (Unix ns),"actor","action","target",
   "detail"} as compact JSON, <, > and & escaped as \u003c, \u003e and
   \u0026 the way Go's encoding/json writes them); runs of other rooms' entries are elided to
   their ids and the hashes around them. Compare its hashes with the hub's
   log to prove this export happened as recorded.
`
