package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The neighbour queries an evidence export needs to tell the records that
// never reached the hub from those that lie outside the range.

// SegmentBefore returns the stored record of a stream with the highest seq
// below seq.
func (s *Store) SegmentBefore(ctx context.Context, room, stream string, seq uint64) (Segment, error) {
	return s.oneSegment(ctx, `seq < ? ORDER BY seq DESC`, room, stream, int64(seq))
}

// SegmentAfter returns the stored record of a stream with the lowest seq
// above seq.
func (s *Store) SegmentAfter(ctx context.Context, room, stream string, seq uint64) (Segment, error) {
	return s.oneSegment(ctx, `seq > ? ORDER BY seq`, room, stream, int64(seq))
}

// LastStartingBefore returns the stored record of a stream with the highest
// seq among those that start before t.
func (s *Store) LastStartingBefore(ctx context.Context, room, stream string, t time.Time) (Segment, error) {
	return s.oneSegment(ctx, `start_ns < ? ORDER BY seq DESC`, room, stream, t.UnixNano())
}

// FirstStartingAfter returns the stored record of a stream with the lowest
// seq among those that start after t.
func (s *Store) FirstStartingAfter(ctx context.Context, room, stream string, t time.Time) (Segment, error) {
	return s.oneSegment(ctx, `start_ns > ? ORDER BY seq`, room, stream, t.UnixNano())
}

func (s *Store) oneSegment(ctx context.Context, where string, room, stream string, arg int64) (Segment, error) {
	seg, err := scanSeg(s.db.QueryRowContext(ctx, `SELECT `+segCols+` FROM segments WHERE room = ? AND stream = ? AND `+where+` LIMIT 1`, room, stream, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Segment{}, fmt.Errorf("%s/%s: %w", room, stream, ErrNotFound)
	}
	if err != nil {
		return Segment{}, fmt.Errorf("%s/%s: %w", room, stream, err)
	}
	return seg, nil
}
