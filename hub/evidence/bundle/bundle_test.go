package bundle

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

func wholeFixture() *fixture {
	f := newFixture()
	f.chain("cam1", "mmgmemm")
	f.chain("mic1", "mmm")
	return f
}

func TestVerifyWholeFile(t *testing.T) {
	f := wholeFixture()
	rep := verifyBytes(t, f.build(t, nil))
	if err := rep.Err(); err != nil {
		t.Fatalf("untouched file: %v\n%s", err, dump(rep))
	}
	whole := 0
	for _, l := range rep.Lines {
		if l.Part == PartSegment && l.Verdict == Whole {
			whole++
		}
	}
	if whole != 10 || rep.Records != 10 || rep.GapRecords != 2 || rep.Streams != 2 {
		t.Fatalf("%d whole of %d records (%d gaps) in %d streams, want 10 of 10 (2) in 2\n%s", whole, rep.Records, rep.GapRecords, rep.Streams, dump(rep))
	}
	if !strings.HasPrefix(rep.Summary(), "WHOLE") {
		t.Fatal(rep.Summary())
	}
}

// TestStandardTarReadsIt: any tar tool lists and extracts the file.
func TestStandardTarReadsIt(t *testing.T) {
	f := wholeFixture()
	f.room = "room-with-a-rather-long-identifier-that-fills-most-of-63-chars"
	f.streams, f.records = nil, map[string][]*protocol.Segment{}
	f.chain("camera-with-a-long-identifier-too-long-for-a-plain-ustar-name", "mm")
	tr := tar.NewReader(bytes.NewReader(f.build(t, nil)))
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || h.Mode != 0o444 {
			t.Errorf("%s: type %c mode %o", h.Name, h.Typeflag, h.Mode)
		}
		names = append(names, h.Name)
	}
	want := append(append([]string{}, fixedNames...), SegmentPath(f.room, f.streams[0], 0), SegmentPath(f.room, f.streams[0], 1))
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("entries %v, want %v", names, want)
	}
}

// entries reads a file's entries, for tests that rearrange them.
func entries(t *testing.T, b []byte) []*entry {
	t.Helper()
	r := newReader(bytes.NewReader(b))
	var out []*entry
	for {
		e, err := r.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
}

func rewrite(t *testing.T, b []byte, change func([]*entry) []*entry) []byte {
	t.Helper()
	es := change(entries(t, b))
	var buf bytes.Buffer
	w := NewWriter(&buf, newFixture().exportedAt)
	for _, e := range es {
		w.Add(e.name, e.data)
	}
	w.Close()
	return buf.Bytes()
}

func replaceIn(name, old, repl string) func([]*entry) []*entry {
	return func(es []*entry) []*entry {
		for _, e := range es {
			if e.name == name {
				e.data = bytes.Replace(e.data, []byte(old), []byte(repl), 1)
			}
		}
		return es
	}
}

func TestVerifyNamesTheFault(t *testing.T) {
	seg := func(stream string, seq uint64) string { return SegmentPath("room-1", stream, seq) }
	cases := []struct {
		name   string
		file   func(t *testing.T) []byte
		want   error
		expect func(Line) bool // some line must match
	}{
		{"record signed by another key", func(t *testing.T) []byte {
			f := wholeFixture()
			r := f.records["mic1"][1]
			f.records["mic1"][1], _ = protocol.Seal(r.Header, r.Payload, prototest.OtherSigner)
			f.records["mic1"][2], _ = protocol.Seal(withPrev(f.records["mic1"][2].Header, f.records["mic1"][1].Hash()), f.records["mic1"][2].Payload, prototest.Signer)
			return f.build(t, nil)
		}, ErrDamaged, func(l Line) bool {
			return l.Path == seg("mic1", 1) && l.Verdict == Altered && strings.Contains(l.Detail, "does not list")
		}},
		{"record that does not follow its predecessor", func(t *testing.T) []byte {
			f := wholeFixture()
			r := f.records["mic1"][2]
			f.records["mic1"][2], _ = protocol.Seal(withPrev(r.Header, f.records["mic1"][0].Hash()), r.Payload, prototest.Signer)
			return f.build(t, nil)
		}, ErrDamaged, func(l Line) bool {
			return l.Path == seg("mic1", 2) && strings.Contains(l.Detail, "does not follow seq 1")
		}},
		{"record left out of manifest and file alike", func(t *testing.T) []byte {
			f := wholeFixture()
			f.records["cam1"] = append(f.records["cam1"][:1], f.records["cam1"][2:]...)
			return f.build(t, nil)
		}, ErrDamaged, func(l Line) bool {
			return l.Verdict == Missing && l.Part == PartSegment && l.Stream == "cam1" && l.Seq == 1 && strings.Contains(l.Detail, "neither")
		}},
		{"hole the hub declared", func(t *testing.T) []byte {
			f := wholeFixture()
			f.records["cam1"] = append(f.records["cam1"][:1], f.records["cam1"][2:]...)
			f.holes["cam1"] = []Hole{{FirstSeq: 1, LastSeq: 1, Start: prototest.T0, End: prototest.T0}}
			return f.build(t, nil)
		}, ErrIncomplete, func(l Line) bool { return l.Part == PartHole && l.Seq == 1 && l.Verdict == Missing }},
		{"open tail the hub declared", func(t *testing.T) []byte {
			f := wholeFixture()
			f.holes["mic1"] = []Hole{{FirstSeq: 3, Open: true, Start: prototest.T0, End: prototest.T0}}
			return f.build(t, nil)
		}, ErrIncomplete, func(l Line) bool { return l.Part == PartHole && strings.Contains(l.Detail, "after seq 2") }},
		{"declared hole over a listed record", func(t *testing.T) []byte {
			f := wholeFixture()
			f.holes["mic1"] = []Hole{{FirstSeq: 1, LastSeq: 1}}
			return f.build(t, nil)
		}, ErrDamaged, func(l Line) bool { return l.Part == PartManifest && strings.Contains(l.Detail, "does not fit") }},
		{"enrollment with another key", func(t *testing.T) []byte {
			f := wholeFixture()
			pub := prototest.OtherSigner.PublicKey()
			f.keys = []Key{{PublicKey: pub.String(), Alg: pub.Alg, KeyID: pub.ID(), Current: true}}
			return f.build(t, nil)
		}, ErrDamaged, func(l Line) bool { return l.Path == seg("cam1", 0) && strings.Contains(l.Detail, "does not list") }},
		{"bytes after the end marker", func(t *testing.T) []byte {
			return append(wholeFixture().build(t, nil), 'x')
		}, ErrDamaged, func(l Line) bool {
			return l.Part == PartContainer && strings.Contains(l.Detail, "after the end-of-archive")
		}},
		{"end marker cut off", func(t *testing.T) []byte {
			b := wholeFixture().build(t, nil)
			return b[:len(b)-2*blockSize]
		}, ErrDamaged, func(l Line) bool { return l.Part == PartContainer && strings.Contains(l.Detail, "truncated") }},
		{"entry out of place", func(t *testing.T) []byte {
			return rewrite(t, wholeFixture().build(t, nil), func(es []*entry) []*entry {
				es[2], es[3] = es[3], es[2]
				return es
			})
		}, ErrDamaged, func(l Line) bool { return l.Verdict == Reordered && l.Path == EnrollmentName }},
		{"entry the format does not have", func(t *testing.T) []byte {
			return rewrite(t, wholeFixture().build(t, nil), func(es []*entry) []*entry {
				return append(es, &entry{name: "notes.txt", data: []byte("hello")})
			})
		}, ErrDamaged, func(l Line) bool { return l.Verdict == Extra && l.Path == "notes.txt" }},
		{"record twice", func(t *testing.T) []byte {
			return rewrite(t, wholeFixture().build(t, nil), func(es []*entry) []*entry {
				return append(es, es[6])
			})
		}, ErrDamaged, func(l Line) bool { return l.Verdict == Extra && l.Path == seg("cam1", 1) }},
		{"audit entry altered", func(t *testing.T) []byte {
			return rewrite(t, wholeFixture().build(t, nil), replaceIn(AuditName, "from seq 0", "from seq 9"))
		}, ErrDamaged, func(l Line) bool { return l.Part == PartAudit && strings.Contains(l.Detail, "entry 14 is altered") }},
		{"audit spacing changed", func(t *testing.T) []byte {
			return rewrite(t, wholeFixture().build(t, nil), replaceIn(AuditName, "\n  \"room\"", "\n \t\"room\""))
		}, ErrDamaged, func(l Line) bool { return l.Part == PartAudit && strings.Contains(l.Detail, "not in the form") }},
		{"audit field name in capitals", func(t *testing.T) []byte {
			return rewrite(t, wholeFixture().build(t, nil), replaceIn(AuditName, `"actor"`, `"Actor"`))
		}, ErrDamaged, func(l Line) bool { return l.Part == PartAudit && strings.Contains(l.Detail, "not in the form") }},
		{"manifest.sha256 altered", func(t *testing.T) []byte {
			return rewrite(t, wholeFixture().build(t, nil), func(es []*entry) []*entry {
				es[1].data = []byte(ManifestSum(strings.Repeat("0", 64)))
				return es
			})
		}, ErrDamaged, func(l Line) bool { return l.Path == ManifestSumName && l.Verdict == Altered }},
		{"manifest and its sum replaced", func(t *testing.T) []byte {
			return rewrite(t, wholeFixture().build(t, nil), func(es []*entry) []*entry {
				es[0].data = bytes.Replace(es[0].data, []byte(`"exported_at": "2026-03-02T11:30:00Z"`), []byte(`"exported_at": "2026-03-02T11:31:00Z"`), 1)
				es[1].data = []byte(ManifestSum(digest(es[0].data)))
				return es
			})
		}, ErrDamaged, func(l Line) bool { return l.Part == PartManifest && strings.Contains(l.Detail, "both were replaced") }},
		{"readme altered", func(t *testing.T) []byte {
			return rewrite(t, wholeFixture().build(t, nil), replaceIn(ReadmeName, "evalroom", "evilroom"))
		}, ErrDamaged, func(l Line) bool { return l.Part == PartReadme }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := verifyBytes(t, c.file(t))
			if err := rep.Err(); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v\n%s", err, c.want, dump(rep))
			}
			for _, l := range rep.Lines {
				if c.expect(l) {
					return
				}
			}
			t.Fatalf("no line names the fault\n%s", dump(rep))
		})
	}
}

func withPrev(h protocol.SegmentHeader, prev string) protocol.SegmentHeader {
	h.Prev = prev
	return h
}

// TestManifestStrict: the manifest's decoder refuses what the format does
// not allow, and the verifier says so.
func TestManifestStrict(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Manifest)
	}{
		{"wrong format", func(m *Manifest) { m.Format = "tar" }},
		{"no version", func(m *Manifest) { m.V = 0 }},
		{"bad room", func(m *Manifest) { m.Room = "../etc" }},
		{"empty range", func(m *Manifest) { m.To = m.From }},
		{"path not canonical", func(m *Manifest) { m.Streams[0].Segments[0].Path = "segments/x.seg" }},
		{"seqs out of order", func(m *Manifest) {
			s := m.Streams[1].Segments
			s[0], s[1] = s[1], s[0]
		}},
		{"stream twice", func(m *Manifest) { m.Streams[1].Stream = m.Streams[0].Stream }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := verifyBytes(t, wholeFixture().build(t, c.edit))
			if !errors.Is(rep.Err(), ErrDamaged) {
				t.Fatalf("accepted\n%s", dump(rep))
			}
			for _, l := range rep.Lines {
				if l.Part == PartManifest && strings.Contains(l.Detail, "not a valid manifest") {
					return
				}
			}
			t.Fatalf("no manifest line\n%s", dump(rep))
		})
	}
}
