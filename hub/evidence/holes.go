package evidence

import (
	"context"
	"errors"
	"time"

	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/store"
)

// streamRecords returns a stream's records in the range and the holes in
// it that no record explains. The records are those that overlap the range
// in time and every stored record between the first and the last of them
// by seq (a clock jump can put a record of the chain outside the range);
// so a break in seq between two of them is a hole: those records never
// reached the hub.
func streamRecords(ctx context.Context, st Store, room, stream string, from, to time.Time) ([]store.Segment, []bundle.Hole, error) {
	in, err := st.Segments(ctx, room, stream, from, to, maxRecords+1)
	if err != nil {
		return nil, nil, err
	}
	if len(in) > maxRecords {
		return nil, nil, ErrTooLarge
	}
	if len(in) == 0 {
		h, err := emptyRange(ctx, st, room, stream, from, to)
		return nil, h, err
	}
	segs, err := st.Overlapping(ctx, room, stream, in[0].Seq, in[len(in)-1].LastSeq)
	if err != nil {
		return nil, nil, err
	}
	if len(segs) > maxRecords {
		return nil, nil, ErrTooLarge
	}
	holes := []bundle.Hole{}
	first, last := segs[0], segs[len(segs)-1]
	if first.Seq > 0 && first.Start.After(from) {
		p, err := st.SegmentBefore(ctx, room, stream, first.Seq)
		switch {
		case errors.Is(err, store.ErrNotFound):
			holes = append(holes, bundle.Hole{FirstSeq: 0, LastSeq: first.Seq - 1, Start: from.UTC(), End: first.Start})
		case err != nil:
			return nil, nil, err
		case p.LastSeq+1 < first.Seq:
			holes = append(holes, bundle.Hole{FirstSeq: p.LastSeq + 1, LastSeq: first.Seq - 1, Start: p.End, End: first.Start})
		}
	}
	for i := 1; i < len(segs); i++ {
		if a, b := segs[i-1], segs[i]; b.Seq > a.LastSeq+1 {
			holes = append(holes, bundle.Hole{FirstSeq: a.LastSeq + 1, LastSeq: b.Seq - 1, Start: a.End, End: b.Start})
		}
	}
	if last.End.Before(to) {
		h, err := after(ctx, st, room, stream, last, to)
		if err != nil {
			return nil, nil, err
		}
		holes = append(holes, h...)
	}
	return segs, holes, nil
}

// after is the hole after the last record in the range, if its successor
// is not at the hub.
func after(ctx context.Context, st Store, room, stream string, last store.Segment, to time.Time) ([]bundle.Hole, error) {
	n, err := st.SegmentAfter(ctx, room, stream, last.LastSeq)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return []bundle.Hole{{FirstSeq: last.LastSeq + 1, Open: true, Start: last.End, End: to.UTC()}}, nil
	case err != nil:
		return nil, err
	case n.Seq > last.LastSeq+1:
		return []bundle.Hole{{FirstSeq: last.LastSeq + 1, LastSeq: n.Seq - 1, Start: last.End, End: n.Start}}, nil
	}
	return nil, nil
}

// emptyRange is the hole of a stream with no record in the range: the
// records between its neighbours outside the range never reached the hub.
// A stream with no records before the range and none missing after it
// did not exist then: no hole.
func emptyRange(ctx context.Context, st Store, room, stream string, from, to time.Time) ([]bundle.Hole, error) {
	b, err := st.LastStartingBefore(ctx, room, stream, from)
	switch {
	case err == nil:
		return after(ctx, st, room, stream, b, to)
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	s, err := st.FirstStartingAfter(ctx, room, stream, to)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case s.Seq > 0:
		return []bundle.Hole{{FirstSeq: 0, LastSeq: s.Seq - 1, Start: from.UTC(), End: s.Start}}, nil
	}
	return nil, nil
}
