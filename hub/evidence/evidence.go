// Package evidence exports a room's recording for a time range as one
// evidence file (the format is package bundle's) that anyone can later
// verify offline, and records every export in the audit log.
package evidence

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// Errors Prepare returns; test them with errors.Is. An unknown room is
// store.ErrNotFound.
var (
	ErrRange       = errors.New("the range must end after it starts and span at most 7 days: give from and to as RFC 3339 times")
	ErrNotEnrolled = errors.New("the room has no enrolled box, so nothing it recorded can be verified: enroll its box first")
	ErrTooLarge    = errors.New("the range holds more records than one export may: export a shorter range")
	// ErrNotRecorded: the export's audit entry could not be written, so
	// there is no export.
	ErrNotRecorded = errors.New("an export must be in the audit log, and writing it failed")
)

// MaxRange is the longest range one export covers.
const MaxRange = 7 * 24 * time.Hour

// maxRecords bounds the records of one stream in one export.
const maxRecords = 1_000_000

// Store is the part of the hub database an export reads.
type Store interface {
	Room(ctx context.Context, id string) (store.Room, error)
	Streams(ctx context.Context, room string) ([]string, error)
	Segments(ctx context.Context, room, stream string, from, to time.Time, limit int) ([]store.Segment, error)
	Overlapping(ctx context.Context, room, stream string, from, to uint64) ([]store.Segment, error)
	SegmentBefore(ctx context.Context, room, stream string, seq uint64) (store.Segment, error)
	SegmentAfter(ctx context.Context, room, stream string, seq uint64) (store.Segment, error)
	LastStartingBefore(ctx context.Context, room, stream string, t time.Time) (store.Segment, error)
	FirstStartingAfter(ctx context.Context, room, stream string, t time.Time) (store.Segment, error)
	Boxes(ctx context.Context, room string) ([]store.Box, error)
}

// Audit is the part of the audit log an export writes and reads.
type Audit interface {
	Record(ctx context.Context, actor, action, target, detail string) (audit.Entry, error)
	RoomEntries(ctx context.Context, room string, from time.Time, upTo int64) ([]audit.Entry, error)
	List(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
}

var (
	_ Store = (*store.Store)(nil)
	_ Audit = (*audit.Log)(nil)
)

// Request is what to export and who asks.
type Request struct {
	Room     string
	From, To time.Time
	By       string // who exports, as the audit log names people: name@address
	// Retention is what the hub's retention job removed (retention.Log):
	// holes it made are named as such. nil: none is named.
	Retention Removals
}

// Removals says whether the retention job removed every record of seqs
// first to last of a stream, and the audit entry that announced it.
type Removals interface {
	Removed(ctx context.Context, room, stream string, first, last uint64) (bool, int64, error)
}

// Validate checks the request before anything is read.
func (r Request) Validate() error {
	if !protocol.ValidID(r.Room) {
		return fmt.Errorf("room %q: a room id is 1-63 lower-case letters, digits or dashes: %w", r.Room, protocol.ErrInvalid)
	}
	if !r.To.After(r.From) || r.To.Sub(r.From) > MaxRange {
		return ErrRange
	}
	if r.By == "" {
		return errors.New("an export needs the name of who exports")
	}
	return nil
}

// record is one record to write, in manifest order.
type record struct {
	seg        store.Segment // where it is stored
	hash, name string        // its hash, its name in the file
}

// Export is an export whose manifest is fixed and recorded in the audit
// log, ready to be written.
type Export struct {
	Manifest       *bundle.Manifest
	ManifestSHA256 string
	Entry          audit.Entry // the export's audit entry
	manifest       []byte
	enrollment     []byte
	excerpt        []byte
	records        []record
	recs           Records // pack files (recstore.FileReader) unless ReadFrom
}

// Prepare reads what the range holds, fixes the manifest and records the
// export in the audit log. Nothing is exported without an audit entry.
func Prepare(ctx context.Context, st Store, au Audit, req Request, now time.Time) (*Export, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	rm, err := st.Room(ctx, req.Room)
	if err != nil {
		return nil, err
	}
	if rm.PublicKey == "" {
		return nil, fmt.Errorf("room %s: %w", rm.ID, ErrNotEnrolled)
	}
	e := &Export{recs: recstore.FileReader{}}
	if e.enrollment, err = enrollment(ctx, st, au, rm); err != nil {
		return nil, err
	}
	m := &bundle.Manifest{
		Format: bundle.FormatManifest, V: bundle.Version, Protocol: protocol.Version, Room: rm.ID,
		From: req.From.UTC(), To: req.To.UTC(), ExportedAt: now.UTC(), ExportedBy: req.By,
		Files: []bundle.File{fileOf(bundle.ReadmeName, []byte(bundle.Readme)), fileOf(bundle.EnrollmentName, e.enrollment)},
	}
	if m.Streams, e.records, err = streams(ctx, st, rm.ID, req.From, req.To); err != nil {
		return nil, err
	}
	if err := nameRetention(ctx, req.Retention, rm.ID, m.Streams); err != nil {
		return nil, err
	}
	if m.AuditAltered, err = alteredEntries(ctx, au, rm.ID, req.From); err != nil {
		return nil, err
	}
	if e.manifest, err = bundle.EncodeJSON(m); err != nil {
		return nil, err
	}
	e.Manifest, e.ManifestSHA256 = m, fileOf("", e.manifest).SHA256
	if e.Entry, err = au.Record(ctx, req.By, audit.Export, rm.ID, bundle.ExportDetail(m, e.ManifestSHA256)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	entries, err := au.RoomEntries(ctx, rm.ID, req.From, e.Entry.ID)
	if err != nil {
		return nil, err
	}
	if e.excerpt, err = bundle.EncodeJSON(excerpt(rm.ID, entries)); err != nil {
		return nil, err
	}
	return e, nil
}

// alteredEntries returns the room's entries, from the range's start up to
// the log's newest, that do not match their hashes: the excerpt will show
// them, and the manifest says that the hub's log held them so when it
// exported, so the verifier does not blame the file.
func alteredEntries(ctx context.Context, au Audit, room string, from time.Time) ([]int64, error) {
	newest, err := au.List(ctx, audit.Filter{From: time.Unix(0, 0), Limit: 1})
	if err != nil || len(newest) == 0 {
		return nil, err
	}
	entries, err := au.RoomEntries(ctx, room, from, newest[0].ID)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, e := range entries {
		if !e.Intact() {
			out = append(out, e.ID)
		}
	}
	return out, nil
}

// FileName is a name for the file.
func (e *Export) FileName() string {
	const f = "20060102T150405Z"
	return fmt.Sprintf("evalroom-evidence-%s-%s-%s.tar", e.Manifest.Room, e.Manifest.From.Format(f), e.Manifest.To.Format(f))
}

// Records is the number of records the manifest lists.
func (e *Export) Records() int { return len(e.records) }

// Holes is the number of holes the manifest declares.
func (e *Export) Holes() int {
	n := 0
	for _, s := range e.Manifest.Streams {
		n += len(s.Holes)
	}
	return n
}

// nameRetention marks the holes the retention job made.
func nameRetention(ctx context.Context, r Removals, room string, streams []bundle.Stream) error {
	if r == nil {
		return nil
	}
	for _, s := range streams {
		for i, h := range s.Holes {
			if h.Open {
				continue
			}
			all, entry, err := r.Removed(ctx, room, s.Stream, h.FirstSeq, h.LastSeq)
			if err != nil {
				return fmt.Errorf("stream %s: what retention removed: %w", s.Stream, err)
			}
			if all {
				s.Holes[i].Reason, s.Holes[i].Audit = bundle.HoleRetention, entry
			}
		}
	}
	return nil
}
