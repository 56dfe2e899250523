package evidence_test

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/evidence/bundle"
)

// span is where one entry lies in the file, as a standard tar reader sees
// it: header, data, and the padding up to the next header.
type span struct {
	name             string
	header, data, to int64 // to: where the next header starts
	size             int64
	content          []byte
}

type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// layout maps the file with archive/tar, independent of the code under
// test.
func layout(t *testing.T, b []byte) []span {
	t.Helper()
	c := &counter{r: bytes.NewReader(b)}
	tr := tar.NewReader(c)
	var out []span
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		s := span{name: h.Name, header: c.n - 512, data: c.n, size: h.Size, to: c.n + (h.Size+511)/512*512}
		s.content, _ = io.ReadAll(tr)
		out = append(out, s)
	}
}

// positions are the bytes of one entry worth flipping: in its tar header,
// and in its data; for a segment, in each field of the signed container.
func positions(s span) map[string]int64 {
	p := map[string]int64{
		"tar name": s.header + 3, "tar size": s.header + 130, "tar checksum": s.header + 150, "tar magic": s.header + 258, "tar padding byte": s.header + 510,
		"first byte": s.data, "middle byte": s.data + s.size/2, "last byte": s.data + s.size - 1,
	}
	if s.to > s.data+s.size {
		p["zero padding"] = s.data + s.size
	}
	if strings.HasPrefix(s.name, "segments/") {
		hl := int64(binary.BigEndian.Uint32(s.content[5:9]))
		sl := int64(binary.BigEndian.Uint16(s.content[9+hl : 11+hl]))
		p["container version"] = s.data + 4
		p["header length"] = s.data + 8
		p["header seq"] = s.data + 9 + int64(bytes.Index(s.content, []byte(`"seq":`))) + 6
		p["header prev"] = s.data + 9 + int64(bytes.Index(s.content, []byte(`"prev":`))) + 10
		p["header key"] = s.data + 9 + hl - 5
		p["signature length"] = s.data + 10 + hl
		p["signature"] = s.data + 11 + hl + sl/2
		p["payload length"] = s.data + 11 + hl + sl + 3
		if s.size > 15+hl+sl {
			p["payload"] = s.data + 15 + hl + sl
		}
	}
	return p
}

// names reports whether some fault of the report points at the entry:
// by its path or part, or by a byte offset inside it.
func names(rep *bundle.Report, s span) bool {
	part := map[string]bundle.Part{
		bundle.ManifestName: bundle.PartManifest, bundle.ManifestSumName: bundle.PartManifest, bundle.ReadmeName: bundle.PartReadme,
		bundle.EnrollmentName: bundle.PartEnrollment, bundle.AuditName: bundle.PartAudit,
	}[s.name]
	for _, l := range rep.Faults() {
		switch {
		case l.Path == s.name, part != "" && l.Part == part:
			return true
		case l.Part == bundle.PartContainer && l.Offset >= s.header && l.Offset < s.to:
			return true
		}
	}
	return false
}

// TestFlippedByteIsNamed flips one byte at a time all over an exported
// file, in every entry's tar header, data and padding and in every field
// of the signed records, and in the end-of-archive marker: verification
// fails each time and names the entry.
func TestFlippedByteIsNamed(t *testing.T) {
	e := recorded(t)
	b, _ := e.export(from, end)
	if rep := verify(t, b); rep.Err() != nil {
		t.Fatalf("untouched file: %v\n%s", rep.Err(), dump(rep))
	}
	spans := layout(t, b)
	if len(spans) != 5+14 {
		t.Fatalf("%d entries", len(spans))
	}
	tried := 0
	for _, s := range spans {
		for what, off := range positions(s) {
			t.Run(fmt.Sprintf("%s/%s", s.name, what), func(t *testing.T) {
				c := bytes.Clone(b)
				c[off] ^= 0x01
				rep := verify(t, c)
				if !errors.Is(rep.Err(), bundle.ErrDamaged) {
					t.Fatalf("byte %d flipped: %v\n%s", off, rep.Err(), dump(rep))
				}
				if !names(rep, s) {
					t.Fatalf("byte %d flipped: no fault names %s\n%s", off, s.name, dump(rep))
				}
			})
			tried++
		}
	}
	last := spans[len(spans)-1].to
	for _, off := range []int64{last, last + 700, int64(len(b)) - 1} {
		c := bytes.Clone(b)
		c[off] ^= 0x01
		rep := verify(t, c)
		found := false
		for _, l := range rep.Faults() {
			found = found || (l.Part == bundle.PartContainer && l.Offset >= last)
		}
		if !found {
			t.Errorf("end marker byte %d flipped: not named\n%s", off, dump(rep))
		}
	}
	t.Logf("%d positions", tried+3)
}

// rebuild writes the entries of a file again in the same canonical form,
// after change.
func rebuild(t *testing.T, b []byte, change func([]span) []span) []byte {
	t.Helper()
	spans := change(layout(t, b))
	var mtime int64
	if h, err := tar.NewReader(bytes.NewReader(b)).Next(); err == nil {
		mtime = h.ModTime.Unix()
	}
	var buf bytes.Buffer
	w := bundle.NewWriter(&buf, unix(mtime))
	for _, s := range spans {
		if err := w.Add(s.name, s.content); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	return buf.Bytes()
}

// TestDropSwapTruncate: a record dropped, two records swapped, an entry
// dropped, the file cut short at several places: each fails and is named.
func TestDropSwapTruncate(t *testing.T) {
	e := recorded(t)
	b, _ := e.export(from, end)
	spans := layout(t, b)
	seg := func(i int) span { return spans[5+i] }
	type want struct {
		verdict bundle.Verdict
		path    string
	}
	cases := []struct {
		name string
		file []byte
		want []want
	}{
		{"record dropped", rebuild(t, b, func(s []span) []span { return append(s[:7:7], s[8:]...) }),
			[]want{{bundle.Missing, seg(2).name}}},
		{"records swapped", rebuild(t, b, func(s []span) []span { s[9], s[10] = s[10], s[9]; return s }),
			[]want{{bundle.Reordered, seg(4).name}, {bundle.Reordered, seg(5).name}}},
		{"record moved to the end", rebuild(t, b, func(s []span) []span { return append(append(s[:5:5], s[6:]...), s[5]) }),
			[]want{{bundle.Reordered, seg(0).name}}},
		{"audit excerpt dropped", rebuild(t, b, func(s []span) []span { return append(s[:4:4], s[5:]...) }),
			[]want{{bundle.Missing, bundle.AuditName}}},
		{"cut inside the manifest", b[:spans[0].data+100], []want{{bundle.Missing, bundle.ManifestName}, {bundle.Missing, bundle.AuditName}}},
		{"cut inside a record", b[:seg(6).data+50], []want{{bundle.Missing, seg(6).name}, {bundle.Missing, seg(13).name}}},
		{"cut between records", b[:seg(10).header], []want{{bundle.Missing, seg(10).name}}},
		{"cut before the end marker", b[:spans[len(spans)-1].to], []want{{bundle.Missing, ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := verify(t, c.file)
			if !errors.Is(rep.Err(), bundle.ErrDamaged) {
				t.Fatalf("%v\n%s", rep.Err(), dump(rep))
			}
			for _, w := range c.want {
				found := false
				for _, l := range rep.Faults() {
					found = found || (l.Verdict == w.verdict && l.Path == w.path)
				}
				if !found {
					t.Errorf("no %s line for %q\n%s", w.verdict, w.path, dump(rep))
				}
			}
		})
	}
}

func unix(s int64) time.Time { return time.Unix(s, 0) }
