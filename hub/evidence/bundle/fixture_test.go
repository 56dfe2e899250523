package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// fixture builds evidence files from records made with the shared test
// key, without a hub: the file as an exporter writes it, so tests can
// change one thing and see the verifier name it.
type fixture struct {
	room       string
	streams    []string
	records    map[string][]*protocol.Segment
	holes      map[string][]Hole
	from, to   time.Time
	exportedAt time.Time
	by         string
	keys       []Key
}

func newFixture() *fixture {
	pub := prototest.Signer.PublicKey()
	return &fixture{
		room: "room-1", records: map[string][]*protocol.Segment{}, holes: map[string][]Hole{},
		from: prototest.T0.Add(-time.Minute), to: prototest.T0.Add(time.Hour), exportedAt: prototest.T0.Add(2 * time.Hour), by: "regulator@127.0.0.1",
		keys: []Key{{PublicKey: pub.String(), Alg: pub.Alg, KeyID: pub.ID(), EnrolledAt: prototest.T0.Add(-24 * time.Hour), Current: true}},
	}
}

// chain adds a stream whose records follow kinds: m media, g a device_lost
// gap, e a spool_eviction gap standing for two dropped records.
func (f *fixture) chain(stream, kinds string) []*protocol.Segment {
	var out []*protocol.Segment
	seq, prev, t := uint64(0), "", prototest.T0
	for _, k := range kinds {
		h := protocol.SegmentHeader{Room: f.room, Stream: stream, Seq: seq, Start: t, End: t.Add(2 * time.Second), Prev: prev}
		var payload []byte
		switch k {
		case 'm':
			payload = []byte("\xff\xd8frame " + stream + string(rune('a'+seq%26)) + "\xff\xd9")
			h.Record, h.Codec, h.Frames = protocol.RecordMedia, protocol.CodecMJPEG, []protocol.Frame{{Offset: 0, Size: len(payload), Time: t.UnixNano()}}
		case 'g':
			h.Record, h.Gap = protocol.RecordGap, &protocol.Gap{Reason: protocol.GapDeviceLost, Detail: "camera unplugged"}
		case 'e':
			dropped := prototest.MediaSegment(f.room, stream, seq+1, "")
			h.Record, h.Gap = protocol.RecordGap, &protocol.Gap{Reason: protocol.GapSpoolEviction, LastSeq: seq + 1, LastHash: dropped.Hash(), Bytes: 100}
		}
		s, err := protocol.Seal(h, payload, prototest.Signer)
		if err != nil {
			panic(err)
		}
		out = append(out, s)
		seq, prev, t = s.Header.LastSeq()+1, s.ChainHash(), t.Add(2*time.Second)
	}
	f.streams = append(f.streams, stream)
	f.records[stream] = out
	return out
}

// manifest is the manifest of the fixture as an exporter makes it.
func (f *fixture) manifest(enrollment []byte) *Manifest {
	m := &Manifest{
		Format: FormatManifest, V: Version, Protocol: protocol.Version, Room: f.room, From: f.from, To: f.to,
		ExportedAt: f.exportedAt, ExportedBy: f.by,
		Files: []File{{ReadmeName, int64(len(Readme)), digest([]byte(Readme))}, {EnrollmentName, int64(len(enrollment)), digest(enrollment)}},
	}
	for _, st := range f.streams {
		s := Stream{Stream: st, Segments: []Segment{}, Holes: f.holes[st]}
		if s.Holes == nil {
			s.Holes = []Hole{}
		}
		for _, r := range f.records[st] {
			g := Segment{Seq: r.Header.Seq, LastSeq: r.Header.LastSeq(), Record: r.Header.Record, Start: r.Header.Start, End: r.Header.End,
				Hash: r.Hash(), Prev: r.Header.Prev, Size: int64(len(r.Encode())), Path: SegmentPath(f.room, st, r.Header.Seq)}
			if r.Header.Gap != nil {
				g.Gap = r.Header.Gap.Reason
			}
			s.Segments = append(s.Segments, g)
		}
		m.Streams = append(m.Streams, s)
	}
	return m
}

// audit is an excerpt: the room's creation, three other entries elided,
// a playback, and the export naming sum.
func (f *fixture) audit(sum string) []byte {
	a := AuditExcerpt{Format: FormatAudit, V: Version, Room: f.room, Prev: digest([]byte("entry 9"))}
	add := func(e AuditEntry) {
		if n := len(a.Entries); n > 0 {
			e.Prev = a.Entries[n-1].Hash
		} else {
			e.Prev = a.Prev
		}
		if e.Elided {
			e.Hash = digest([]byte("elided run"))
		} else {
			e.Hash = auditDigest(e)
		}
		a.Entries = append(a.Entries, e)
	}
	add(AuditEntry{ID: 10, At: prototest.T0, Actor: "operator@cli", Action: "room.create", Target: f.room, Detail: "第1评标室"})
	add(AuditEntry{ID: 11, LastID: 13, Elided: true})
	add(AuditEntry{ID: 14, At: prototest.T0.Add(time.Minute), Actor: "regulator@127.0.0.1", Action: "recording.playback", Target: f.room + "/cam1", Detail: "from seq 0"})
	add(AuditEntry{ID: 15, At: f.exportedAt, Actor: f.by, Action: AuditExportAction, Target: f.room, Detail: "evidence manifest_sha256=" + sum})
	b, err := EncodeJSON(a)
	if err != nil {
		panic(err)
	}
	return b
}

func (f *fixture) enrollment() []byte {
	b, err := EncodeJSON(Enrollment{Format: FormatEnrollment, V: Version, Room: f.room, Name: "第1评标室", Keys: f.keys})
	if err != nil {
		panic(err)
	}
	return b
}

// build writes the file; edit, when set, changes the manifest first.
func (f *fixture) build(t testing.TB, edit func(*Manifest)) []byte {
	t.Helper()
	enr := f.enrollment()
	m := f.manifest(enr)
	if edit != nil {
		edit(m)
	}
	mb, err := EncodeJSON(m)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(mb)
	hexSum := hex.EncodeToString(sum[:])
	var buf bytes.Buffer
	w := NewWriter(&buf, f.exportedAt)
	w.Add(ManifestName, mb)
	w.Add(ManifestSumName, []byte(ManifestSum(hexSum)))
	w.Add(ReadmeName, []byte(Readme))
	w.Add(EnrollmentName, enr)
	w.Add(AuditName, f.audit(hexSum))
	for _, st := range f.streams {
		for _, r := range f.records[st] {
			w.Add(SegmentPath(f.room, st, r.Header.Seq), r.Encode())
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func verifyBytes(t testing.TB, b []byte) *Report {
	t.Helper()
	rep, err := Verify(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func dump(rep *Report) string {
	var b bytes.Buffer
	for _, l := range rep.Lines {
		b.WriteString(l.String() + "\n")
	}
	b.WriteString(rep.Summary())
	return b.String()
}
