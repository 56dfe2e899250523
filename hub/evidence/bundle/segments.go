package bundle

import (
	"fmt"
	"strings"
	"time"

	"github.com/evalroom/evalroom/protocol"
)

// segInfo is what the verifier keeps of one segment entry: enough to
// place it, not its payload.
type segInfo struct {
	path    string
	offset  int64
	manIdx  int     // place in the manifest, -1 if not listed
	verdict Verdict // when problem is set
	problem string

	room, stream      string
	seq, lastSeq      uint64
	record, gap       string
	start, end        time.Time
	hash, chain, prev string
	size              int64
}

// takeSegment decodes a segment entry and checks its signature at once,
// so that no payload is kept.
func (v *verifier) takeSegment(e *entry) {
	si := &segInfo{path: e.name, offset: e.offset, manIdx: -1, size: int64(len(e.data))}
	if v.segs[e.name] != nil {
		v.late = append(v.late, Line{Verdict: Extra, Part: PartContainer, Path: e.name, Offset: e.offset, Detail: "a second copy of a record"})
		return
	}
	v.segs[e.name] = si
	v.segOrder = append(v.segOrder, si)
	if e.short {
		si.verdict, si.problem = Missing, "only part of it is in the file, which ends inside it (truncated)"
		return
	}
	s, err := protocol.DecodeSegment(e.data)
	if err != nil {
		si.verdict, si.problem = Altered, fmt.Sprintf("not a valid signed record: %v", err)
		return
	}
	h := s.Header
	si.room, si.stream, si.seq, si.lastSeq, si.record = h.Room, h.Stream, h.Seq, h.LastSeq(), h.Record
	si.start, si.end, si.hash, si.chain, si.prev = h.Start, h.End, s.Hash(), s.ChainHash(), h.Prev
	if h.Gap != nil {
		si.gap = h.Gap.Reason
	}
	switch pub, ok := v.keys[h.Key]; {
	case v.keys == nil:
		si.verdict, si.problem = Unverified, "signature not checked: no readable enrollment record before it in the file"
	case !ok:
		si.verdict, si.problem = Altered, fmt.Sprintf("signed with key %s, which the enrollment record does not list", h.Key)
	default:
		if err := s.Verify(pub); err != nil {
			si.verdict, si.problem = Altered, fmt.Sprintf("its signature does not verify with the enrolled key %s", h.Key)
		}
	}
}

// segments matches the segment entries to the manifest, stream by stream.
func (v *verifier) segments(tr *reader) {
	m := v.manifest
	v.rep.Streams = len(m.Streams)
	var found []int64 // offset of each listed record in the file, -1 if absent
	for _, s := range m.Streams {
		for _, g := range s.Segments {
			off := int64(-1)
			if si := v.segs[g.Path]; si != nil {
				si.manIdx, off = len(found), si.offset
			}
			found = append(found, off)
			v.rep.Records++
			if g.Record == protocol.RecordGap {
				v.rep.GapRecords++
			}
		}
	}
	moved := v.reordered()
	idx := 0
	for _, s := range m.Streams {
		v.checkHoles(s)
		holes := s.Holes
		var prev *segInfo
		for i, g := range s.Segments {
			for len(holes) > 0 && holes[0].FirstSeq < g.Seq {
				v.hole(s.Stream, holes[0])
				holes = holes[1:]
			}
			if i > 0 {
				v.jump(s, s.Segments[i-1], g)
			}
			si := v.segs[g.Path]
			l := Line{Part: PartSegment, Room: m.Room, Stream: s.Stream, Seq: g.Seq, LastSeq: g.LastSeq, Path: g.Path, Offset: -1}
			if si == nil {
				l.Verdict, l.Detail = v.absent(found, idx, tr)
			} else {
				l.Offset = si.offset
				l.Verdict, l.Detail = v.judge(s.Stream, g, si, prev, moved[si])
			}
			v.rep.add(l)
			prev = nil
			if si != nil && si.hash != "" {
				prev = si
			}
			idx++
		}
		for _, h := range holes {
			v.hole(s.Stream, h)
		}
	}
	for _, si := range v.segOrder {
		if si.manIdx < 0 {
			v.rep.add(Line{Verdict: Extra, Part: PartSegment, Room: si.room, Stream: si.stream, Seq: si.seq, LastSeq: si.lastSeq, Path: si.path, Offset: si.offset,
				Detail: "in the file, not in the manifest (" + si.path + ")"})
		}
	}
}

// judge checks a present record against its manifest entry and the record
// before it in the stream.
func (v *verifier) judge(stream string, g Segment, si, prev *segInfo, moved string) (Verdict, string) {
	if si.problem != "" {
		return si.verdict, si.problem
	}
	room := v.manifest.Room
	if si.room != room || si.stream != stream || si.seq != g.Seq {
		return Altered, fmt.Sprintf("the entry holds %s %s seq %d", si.room, si.stream, si.seq)
	}
	var diffs []string
	for _, d := range []struct {
		what string
		same bool
	}{
		{"hash", si.hash == g.Hash}, {"prev", si.prev == g.Prev}, {"size", si.size == g.Size}, {"last seq", si.lastSeq == g.LastSeq},
		{"record kind", si.record == g.Record && si.gap == g.Gap}, {"times", si.start.Equal(g.Start) && si.end.Equal(g.End)},
	} {
		if !d.same {
			diffs = append(diffs, d.what)
		}
	}
	if len(diffs) > 0 {
		return Altered, "it does not match its manifest entry: " + strings.Join(diffs, ", ")
	}
	if prev != nil && g.Seq == prev.lastSeq+1 && si.prev != prev.chain {
		return Altered, fmt.Sprintf("it does not follow seq %d: it names prev %.16s, seq %d's chain hash is %.16s", prev.seq, si.prev, prev.seq, prev.chain)
	}
	if moved != "" {
		return Reordered, moved
	}
	if si.record == protocol.RecordGap {
		return Whole, "gap record: " + si.gap
	}
	return Whole, ""
}

// reordered finds the listed entries that are out of place relative to
// their neighbours in the file. A dropped entry moves nothing.
func (v *verifier) reordered() map[*segInfo]string {
	var listed []*segInfo
	for _, si := range v.segOrder {
		if si.manIdx >= 0 {
			listed = append(listed, si)
		}
	}
	out := map[*segInfo]string{}
	for k, si := range listed {
		if k > 0 && listed[k-1].manIdx > si.manIdx {
			out[si] = "in the file it comes after " + listed[k-1].path + ", which the manifest puts later"
		}
		if k+1 < len(listed) && listed[k+1].manIdx < si.manIdx {
			out[si] = "in the file it comes before " + listed[k+1].path + ", which the manifest puts earlier"
		}
	}
	return out
}

// absent explains a listed record that is not in the file: a damaged
// stretch where it should be, the file's end, or dropped.
func (v *verifier) absent(found []int64, idx int, tr *reader) (Verdict, string) {
	lo, hi := int64(-1), int64(1<<62)
	for i := idx - 1; i >= 0; i-- {
		if found[i] >= 0 {
			lo = found[i]
			break
		}
	}
	for i := idx + 1; i < len(found); i++ {
		if found[i] >= 0 {
			hi = found[i]
			break
		}
	}
	for _, d := range tr.damage {
		if d.start > lo && d.start < hi {
			return Altered, fmt.Sprintf("its entry in the file is damaged (bytes %d-%d)", d.start, d.end-1)
		}
	}
	if tr.truncatedAt >= 0 && hi == 1<<62 {
		return Missing, fmt.Sprintf("not in the file, which ends at byte %d (truncated)", tr.truncatedAt)
	}
	return Missing, "listed in the manifest, not in the file"
}

// jump checks that a break in the sequence between two listed records is
// a hole the manifest declares.
func (v *verifier) jump(s Stream, a, b Segment) {
	if b.Seq == a.LastSeq+1 {
		return
	}
	for _, h := range s.Holes {
		if !h.Open && h.FirstSeq == a.LastSeq+1 && h.LastSeq == b.Seq-1 {
			return
		}
	}
	v.rep.add(Line{Verdict: Missing, Part: PartSegment, Room: v.manifest.Room, Stream: s.Stream, Seq: a.LastSeq + 1, LastSeq: b.Seq - 1, Offset: -1,
		Detail: "neither in the file nor declared by the manifest as never received"})
}

// checkHoles reports declared holes that do not fit between the records.
func (v *verifier) checkHoles(s Stream) {
	segs := s.Segments
	for _, h := range s.Holes {
		fits := len(segs) == 0
		if n := len(segs); n > 0 {
			fits = (!h.Open && h.LastSeq+1 == segs[0].Seq) || h.FirstSeq == segs[n-1].LastSeq+1
			for i := 1; i < n && !fits; i++ {
				fits = !h.Open && h.FirstSeq == segs[i-1].LastSeq+1 && h.LastSeq+1 == segs[i].Seq
			}
		}
		if !fits {
			v.rep.part(Altered, PartManifest, -1, "stream %s: the hole at seq %d does not fit between the listed records", s.Stream, h.FirstSeq)
		}
	}
}

func (v *verifier) hole(stream string, h Hole) {
	l := Line{Verdict: Missing, Part: PartHole, Room: v.manifest.Room, Stream: stream, Seq: h.FirstSeq, LastSeq: h.LastSeq, Offset: -1}
	const t = "2006-01-02T15:04:05Z07:00"
	if h.Open {
		l.LastSeq, l.Open = 0, true
		l.Detail = fmt.Sprintf("the hub held nothing of this stream after seq %d when it exported (%s to %s)", h.FirstSeq-1, h.Start.Format(t), h.End.Format(t))
		if h.FirstSeq == 0 {
			l.Detail = fmt.Sprintf("the hub held nothing of this stream in the range when it exported (%s to %s)", h.Start.Format(t), h.End.Format(t))
		}
	} else if h.Reason == HoleRetention {
		l.Detail = fmt.Sprintf("retention: removed by the hub's retention job, footage outside sessions past its retention period (audit entry %d; declared when exported; %s to %s)", h.Audit, h.Start.Format(t), h.End.Format(t))
	} else {
		l.Detail = fmt.Sprintf("never reached the hub and no gap record explains it (declared when exported; %s to %s)", h.Start.Format(t), h.End.Format(t))
	}
	v.rep.add(l)
}

// unmatched reports the records when there is no manifest to match them to.
func (v *verifier) unmatched() {
	for _, si := range v.segOrder {
		l := Line{Verdict: Unverified, Part: PartSegment, Room: si.room, Stream: si.stream, Seq: si.seq, LastSeq: si.lastSeq, Path: si.path, Offset: si.offset,
			Detail: "no readable manifest to compare it with (" + si.path + ")"}
		if si.problem != "" {
			l.Verdict, l.Detail = si.verdict, si.problem+" ("+si.path+")"
		}
		v.rep.add(l)
	}
}
