package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Segment is one indexed record of a stream.
type Segment struct {
	Room, Stream string
	Seq, LastSeq uint64
	Record       string
	Start, End   time.Time
	Hash, Chain  string
	Prev         string
	Size         int64
	Path         string // the record's pack, or (before packs) its own file
	Offset       int64  // where in the pack; -1: the whole file at Path
	GapReason    string
	Session      string
	Flags        []string // signal conditions seen during the segment
	Verified     bool
}

const segCols = `room, stream, seq, last_seq, record, start_ns, end_ns, hash, chain, prev, size, path, gap_reason, session, flags, verified, "offset"`

func scanSeg(sc interface{ Scan(...any) error }) (Segment, error) {
	var s Segment
	var start, end int64
	var seq, last int64
	var flags string
	err := sc.Scan(&s.Room, &s.Stream, &seq, &last, &s.Record, &start, &end, &s.Hash, &s.Chain, &s.Prev, &s.Size, &s.Path, &s.GapReason, &s.Session, &flags, &s.Verified, &s.Offset)
	if flags != "" {
		s.Flags = strings.Split(flags, ",")
	}
	s.Seq, s.LastSeq = uint64(seq), uint64(last)
	s.Start, s.End = time.Unix(0, start).UTC(), time.Unix(0, end).UTC()
	return s, err
}

// prepare parses the statements of the upload path once.
func (s *Store) prepare(ctx context.Context) error {
	var err error
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.covering, `SELECT ` + segCols + ` FROM segments WHERE room = ? AND stream = ? AND seq <= ? ORDER BY seq DESC LIMIT 1`},
		{&s.overlapping, `SELECT ` + segCols + ` FROM segments WHERE room = ? AND stream = ? AND seq <= ? AND last_seq >= ? ORDER BY seq`},
		{&s.latest, `SELECT ` + segCols + ` FROM segments WHERE room = ? AND stream = ? ORDER BY seq DESC LIMIT 1`},
		{&s.insertSeg, `INSERT INTO segments(` + segCols + `, stored_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`},
	} {
		if *p.stmt, err = s.db.PrepareContext(ctx, p.sql); err != nil {
			return err
		}
	}
	return nil
}

// Covering returns the record whose range [seq, last_seq] holds seq.
func (s *Store) Covering(ctx context.Context, room, stream string, seq uint64) (Segment, error) {
	row := s.covering.QueryRowContext(ctx, room, stream, int64(seq))
	seg, err := scanSeg(row)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && seg.LastSeq < seq) {
		return Segment{}, ErrNotFound
	}
	return seg, err
}

// Latest returns the stream's record with the highest sequence number.
func (s *Store) Latest(ctx context.Context, room, stream string) (Segment, error) {
	seg, err := scanSeg(s.latest.QueryRowContext(ctx, room, stream))
	if errors.Is(err, sql.ErrNoRows) {
		return Segment{}, ErrNotFound
	}
	return seg, err
}

// Overlapping returns records of a stream whose ranges overlap [from, to].
func (s *Store) Overlapping(ctx context.Context, room, stream string, from, to uint64) ([]Segment, error) {
	rows, err := s.overlapping.QueryContext(ctx, room, stream, int64(to), int64(from))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Segment
	for rows.Next() {
		seg, err := scanSeg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, seg)
	}
	return out, rows.Err()
}

// NewSegment is a record to index. VerifySuccessor says a stored record
// (seq LastSeq+1) links to this one and becomes verified with it.
type NewSegment struct {
	Segment
	VerifySuccessor bool
}

// InsertSegment indexes one record.
func (s *Store) InsertSegment(ctx context.Context, seg Segment, verifySuccessor bool) error {
	return s.InsertSegments(ctx, []NewSegment{{seg, verifySuccessor}})
}

// InsertSegments indexes records in one transaction: all or none, with one
// sync of the log for the lot (group commit).
func (s *Store) InsertSegments(ctx context.Context, segs []NewSegment) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UnixNano()
	insert := tx.StmtContext(ctx, s.insertSeg)
	for _, seg := range segs {
		_, err = insert.ExecContext(ctx,
			seg.Room, seg.Stream, int64(seg.Seq), int64(seg.LastSeq), seg.Record, seg.Start.UnixNano(), seg.End.UnixNano(),
			seg.Hash, seg.Chain, seg.Prev, seg.Size, seg.Path, seg.GapReason, seg.Session, strings.Join(seg.Flags, ","), seg.Verified, seg.Offset, now)
		if err != nil {
			return fmt.Errorf("index segment %s/%s/%d: %w", seg.Room, seg.Stream, seg.Seq, err)
		}
		if seg.VerifySuccessor {
			if _, err := tx.ExecContext(ctx, `UPDATE segments SET verified = 1 WHERE room = ? AND stream = ? AND seq = ?`, seg.Room, seg.Stream, int64(seg.LastSeq+1)); err != nil {
				return fmt.Errorf("verify successor of %s/%s/%d: %w", seg.Room, seg.Stream, seg.Seq, err)
			}
		}
	}
	return tx.Commit()
}

// Segments returns the records of a stream that overlap [from, to] in
// capture time, in sequence order.
func (s *Store) Segments(ctx context.Context, room, stream string, from, to time.Time, limit int) ([]Segment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+segCols+` FROM segments WHERE room = ? AND stream = ? AND end_ns >= ? AND start_ns <= ? ORDER BY seq LIMIT ?`,
		room, stream, from.UnixNano(), to.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	defer rows.Close()
	var out []Segment
	for rows.Next() {
		seg, err := scanSeg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, seg)
	}
	return out, rows.Err()
}

// Segment returns the record stored at seq.
func (s *Store) Segment(ctx context.Context, room, stream string, seq uint64) (Segment, error) {
	seg, err := scanSeg(s.db.QueryRowContext(ctx, `SELECT `+segCols+` FROM segments WHERE room = ? AND stream = ? AND seq = ?`, room, stream, int64(seq)))
	if errors.Is(err, sql.ErrNoRows) {
		return seg, fmt.Errorf("segment %s/%s/%d: %w", room, stream, seq, ErrNotFound)
	}
	return seg, err
}

// Streams returns the streams of a room that have stored records.
func (s *Store) Streams(ctx context.Context, room string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT stream FROM segments WHERE room = ? ORDER BY stream`, room)
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
