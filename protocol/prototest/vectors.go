// Package prototest holds the shared test vectors of the wire contract: good
// and malformed bytes with what decoding them must give. Edge and hub tests
// use the same tables so that both sides agree on every case.
package prototest

import (
	"crypto/ed25519"
	"time"

	"github.com/evalroom/evalroom/protocol"
)

// Signer is a fixed test key; its seed is public, so nothing it signs is
// trustworthy outside tests.
var Signer = protocol.Ed25519Signer{Key: ed25519.NewKeyFromSeed([]byte("evalroom-test-vector-seed-000001"))}

// OtherSigner is a second fixed key, for "wrong key" cases.
var OtherSigner = protocol.Ed25519Signer{Key: ed25519.NewKeyFromSeed([]byte("evalroom-test-vector-seed-000002"))}

// T0 is the capture time the vectors start at.
var T0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// MessageVector is one MQTT payload and the outcome of decoding it.
type MessageVector struct {
	Name string
	Data string
	New  func() protocol.Message // a fresh value of the type to decode into
	Err  error                   // nil when the bytes are good
}

func status() protocol.Message    { return new(protocol.Status) }
func health() protocol.Message    { return new(protocol.Health) }
func telemetry() protocol.Message { return new(protocol.Telemetry) }
func event() protocol.Message     { return new(protocol.Event) }
func command() protocol.Message   { return new(protocol.Command) }
func reply() protocol.Message     { return new(protocol.Reply) }

// Messages are the message vectors.
var Messages = []MessageVector{
	{"status online", `{"v":1,"room":"room-1","online":true,"time":"2026-03-02T09:30:00Z"}`, status, nil},
	{"status offline will", `{"v":1,"room":"room-1","online":false,"time":"0001-01-01T00:00:00Z"}`, status, nil},
	{"status missing version", `{"room":"room-1","online":true,"time":"2026-03-02T09:30:00Z"}`, status, protocol.ErrVersion},
	{"status future version", `{"v":2,"room":"room-1","online":true,"time":"2026-03-02T09:30:00Z"}`, status, protocol.ErrVersion},
	{"status unknown field", `{"v":1,"room":"room-1","online":true,"time":"2026-03-02T09:30:00Z","admin":true}`, status, protocol.ErrInvalid},
	{"status bad room", `{"v":1,"room":"../etc","online":true,"time":"2026-03-02T09:30:00Z"}`, status, protocol.ErrInvalid},
	{"status trailing", `{"v":1,"room":"room-1","online":true,"time":"2026-03-02T09:30:00Z"}{}`, status, protocol.ErrInvalid},
	{"status not json", `online`, status, protocol.ErrInvalid},
	{"health", `{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","devices":[{"stream":"cam1","kind":"video","device":"sim:cam1","state":"ok"},{"stream":"mic1","kind":"audio","device":"sim:mic1","state":"absent","reason":"unplugged"}]}`, health, nil},
	{"health with quality", `{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","devices":[{"stream":"cam1","kind":"video","device":"sim:cam1","state":"ok","quality":{"fps":9.8,"width":640,"height":360,"luma":3.2,"signals":["black"]}},{"stream":"mic1","kind":"audio","device":"sim:mic1","state":"ok","quality":{"rms_dbfs":-120,"peak_dbfs":-120,"signals":["silent"]}}]}`, health, nil},
	{"health unknown signal", `{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","devices":[{"stream":"cam1","kind":"video","device":"x","state":"ok","quality":{"signals":["purple"]}}]}`, health, protocol.ErrInvalid},
	{"health level above full scale", `{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","devices":[{"stream":"mic1","kind":"audio","device":"x","state":"ok","quality":{"rms_dbfs":3}}]}`, health, protocol.ErrInvalid},
	{"health bad state", `{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","devices":[{"stream":"cam1","kind":"video","device":"x","state":"great"}]}`, health, protocol.ErrInvalid},
	{"health bad kind", `{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","devices":[{"stream":"cam1","kind":"smell","device":"x","state":"ok"}]}`, health, protocol.ErrInvalid},
	{"telemetry", `{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","spool_bytes":1024,"spool_segments":2,"oldest_unsent_seconds":4.5,"disk_free_bytes":100,"upload_bytes_per_sec":10,"evicted_segments":0}`, telemetry, nil},
	{"telemetry negative", `{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","spool_bytes":-1,"spool_segments":2,"oldest_unsent_seconds":4.5,"disk_free_bytes":100,"upload_bytes_per_sec":10,"evicted_segments":0}`, telemetry, protocol.ErrInvalid},
	{"event", `{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","kind":"device_lost","stream":"cam2","detail":"unplugged"}`, event, nil},
	{"event unknown kind", `{"v":1,"room":"room-1","time":"2026-03-02T09:30:00Z","kind":"party"}`, event, protocol.ErrInvalid},
	{"command live on", `{"v":1,"id":"c1","room":"room-1","kind":"live","stream":"cam1","on":true,"lease":"30s","sent":"2026-03-02T09:30:00Z"}`, command, nil},
	{"command live off", `{"v":1,"id":"c2","room":"room-1","kind":"live","stream":"cam1","sent":"2026-03-02T09:30:00Z"}`, command, nil},
	{"command ping", `{"v":1,"id":"c3","room":"room-1","kind":"ping","sent":"2026-03-02T09:30:00Z"}`, command, nil},
	{"command sub-stream on", `{"v":1,"id":"c7","room":"room-1","kind":"live","stream":"cam1","rendition":"sub","on":true,"lease":"30s","sent":"2026-03-02T09:30:00Z"}`, command, nil},
	{"command unknown rendition", `{"v":1,"id":"c8","room":"room-1","kind":"live","stream":"cam1","rendition":"hd","on":true,"lease":"30s","sent":"2026-03-02T09:30:00Z"}`, command, protocol.ErrInvalid},
	{"command ping with a rendition", `{"v":1,"id":"c9","room":"room-1","kind":"ping","rendition":"sub","sent":"2026-03-02T09:30:00Z"}`, command, protocol.ErrInvalid},
	{"command live without lease", `{"v":1,"id":"c4","room":"room-1","kind":"live","stream":"cam1","on":true,"sent":"2026-03-02T09:30:00Z"}`, command, protocol.ErrInvalid},
	{"command lease too long", `{"v":1,"id":"c5","room":"room-1","kind":"live","stream":"cam1","on":true,"lease":"100h","sent":"2026-03-02T09:30:00Z"}`, command, protocol.ErrInvalid},
	{"command lease not a string", `{"v":1,"id":"c6","room":"room-1","kind":"live","stream":"cam1","on":true,"lease":30,"sent":"2026-03-02T09:30:00Z"}`, command, protocol.ErrInvalid},
	{"command session start", `{"v":1,"id":"c8","room":"room-1","kind":"session","session":"proj-2026-0042","sent":"2026-03-02T09:30:00Z"}`, command, nil},
	{"command session bad id", `{"v":1,"id":"c9","room":"room-1","kind":"session","session":"a b","sent":"2026-03-02T09:30:00Z"}`, command, protocol.ErrInvalid},
	{"command reboot", `{"v":1,"id":"c7","room":"room-1","kind":"reboot","sent":"2026-03-02T09:30:00Z"}`, command, protocol.ErrInvalid},
	{"command no id", `{"v":1,"id":"","room":"room-1","kind":"ping","sent":"2026-03-02T09:30:00Z"}`, command, protocol.ErrInvalid},
	{"reply", `{"v":1,"id":"c3","room":"room-1","ok":true,"box_time":"2026-03-02T09:30:00.2Z"}`, reply, nil},
	{"reply wrong type", `{"v":1,"id":"c3","room":"room-1","ok":"yes","box_time":"2026-03-02T09:30:00.2Z"}`, reply, protocol.ErrInvalid},
}

// SegmentVector is one encoded segment and the outcome of decoding it.
type SegmentVector struct {
	Name string
	Data []byte
	Err  error
	Key  protocol.PublicKey // the key a good vector verifies with
}

// MediaSegment returns a sealed video segment of the test key with the
// given sequence number and previous hash.
func MediaSegment(room, stream string, seq uint64, prev string) *protocol.Segment {
	return MediaSegmentBy(Signer, room, stream, seq, prev)
}

// MediaSegmentBy is MediaSegment sealed by signer.
func MediaSegmentBy(signer protocol.Signer, room, stream string, seq uint64, prev string) *protocol.Segment {
	frames := [][]byte{[]byte("\xff\xd8frame-one\xff\xd9"), []byte("\xff\xd8frame-two\xff\xd9")}
	var payload []byte
	var index []protocol.Frame
	start := T0.Add(time.Duration(seq) * 2 * time.Second)
	for i, f := range frames {
		index = append(index, protocol.Frame{Offset: len(payload), Size: len(f), Time: start.Add(time.Duration(i) * time.Second).UnixNano()})
		payload = append(payload, f...)
	}
	s, err := protocol.Seal(protocol.SegmentHeader{
		Room: room, Stream: stream, Record: protocol.RecordMedia, Seq: seq,
		Start: start, End: start.Add(2 * time.Second), Codec: protocol.CodecMJPEG,
		Frames: index, Prev: prev,
	}, payload, signer)
	if err != nil {
		panic(err)
	}
	return s
}

// Segments returns the segment vectors: the same cases sealed with the
// Ed25519 test key and (names starting "sm2 ") with the SM2 one.
func Segments() []SegmentVector {
	return append(segmentsBy(Signer, ""), segmentsBy(SM2Signer, "sm2 ")...)
}

// GapSegmentBy returns a sealed device_lost gap record of signer.
func GapSegmentBy(signer protocol.Signer, room, stream string, seq uint64, prev string) *protocol.Segment {
	start := T0.Add(time.Duration(seq) * 2 * time.Second)
	gap, err := protocol.Seal(protocol.SegmentHeader{
		Room: room, Stream: stream, Record: protocol.RecordGap, Seq: seq,
		Start: start, End: start.Add(5 * time.Second), Prev: prev,
		Gap: &protocol.Gap{Reason: protocol.GapDeviceLost, Detail: "camera unplugged"},
	}, nil, signer)
	if err != nil {
		panic(err)
	}
	return gap
}

func segmentsBy(signer protocol.Signer, prefix string) []SegmentVector {
	good := MediaSegmentBy(signer, "room-1", "cam1", 0, "")
	next := MediaSegmentBy(signer, "room-1", "cam1", 1, good.Hash())
	gap := GapSegmentBy(signer, "room-1", "cam1", 2, next.Hash())
	enc := good.Encode()
	flip := func(i int) []byte {
		b := append([]byte(nil), enc...)
		b[i] ^= 0x01
		return b
	}
	key := signer.PublicKey()
	vs := []SegmentVector{
		{"media first", enc, nil, key},
		{"media second", next.Encode(), nil, key},
		{"gap device lost", gap.Encode(), nil, key},
		{"empty", nil, protocol.ErrInvalid, key},
		{"bad magic", flip(0), protocol.ErrInvalid, key},
		{"bad container version", flip(4), protocol.ErrVersion, key},
		{"truncated", enc[:len(enc)-1], protocol.ErrInvalid, key},
		{"trailing byte", append(append([]byte(nil), enc...), 0), protocol.ErrInvalid, key},
		{"payload flipped", flip(len(enc) - 3), protocol.ErrInvalid, key},
		{"header length huge", append(append([]byte("ERSG\x01"), 0xff, 0xff, 0xff, 0xff), enc[9:]...), protocol.ErrTooLarge, key},
	}
	for i := range vs {
		vs[i].Name = prefix + vs[i].Name
	}
	return vs
}
