// Package media takes segments from room boxes: it verifies each against the
// room's enrolled key and the stream's hash chain, writes it durably under
// the data directory, indexes it, and only then acknowledges it. Anything
// forged, out of chain or conflicting is refused and nothing of it is kept.
package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// Index is the part of the store ingest needs.
type Index interface {
	Room(ctx context.Context, id string) (store.Room, error)
	Covering(ctx context.Context, room, stream string, seq uint64) (store.Segment, error)
	Overlapping(ctx context.Context, room, stream string, from, to uint64) ([]store.Segment, error)
	Latest(ctx context.Context, room, stream string) (store.Segment, error)
	InsertSegments(ctx context.Context, segs []store.NewSegment) error
}

// Refusal is told about every refused upload (for alerts and events), with
// the HTTP status it got.
type Refusal func(room, stream string, seq uint64, status int, why string)

// Ingest is the HTTP handler for PUT /api/v1/ingest/{room}/{stream}/{seq}.
type Ingest struct {
	idx     Index
	log     *slog.Logger
	refused Refusal

	locks   sync.Map // room/stream -> *sync.Mutex: one writer per chain
	heads   sync.Map // room/stream -> *streamHead, under the stream's lock
	boxes   boxCache // what is known of each room's box
	commits *committer
	current CurrentCert  // nil: no client certificate needed (plain transport)
	storage StorageWatch // nil: nobody listens

	storedCount, refusals *prometheus.CounterVec
	bytes                 prometheus.Counter
}

// Records is where ingest puts records' bytes (recstore.Store): durable,
// in pack files or an object store, when Put returns.
type Records interface {
	Put(ctx context.Context, batch []*recstore.Record) error
}

// NewIngest stores records' bytes in recs and indexes them in idx.
func NewIngest(recs Records, idx Index, log *slog.Logger, reg prometheus.Registerer, refused Refusal) *Ingest {
	in := &Ingest{
		idx: idx, log: log.With("component", "ingest"), refused: refused,
		storedCount: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "evalroom_hub_segments_stored_total", Help: "Segments stored durably."}, []string{"record"}),
		refusals:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "evalroom_hub_uploads_refused_total", Help: "Uploads refused, by HTTP status."}, []string{"code"}),
		bytes:       prometheus.NewCounter(prometheus.CounterOpts{Name: "evalroom_hub_ingest_bytes_total", Help: "Bytes of segments stored."}),
	}
	in.commits = &committer{insert: idx.InsertSegments, put: recs.Put}
	if reg != nil {
		reg.MustRegister(in.storedCount, in.refusals, in.bytes)
	}
	for _, code := range []string{"400", "401", "403", "409", "413", "503"} {
		in.refusals.WithLabelValues(code) // present at zero, so rates work from the start
	}
	return in
}

// StorageWatch hears whether segments could be stored: the hub's storage
// health.
type StorageWatch interface {
	Failed(err error) // a segment could not be stored (a full disk, an index that cannot be written)
	Stored()          // one was
}

// WatchStorage makes w hear of every segment stored or not stored.
func (in *Ingest) WatchStorage(w StorageWatch) { in.storage = w }

type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func fail(code int, format string, a ...any) error {
	return &httpError{code: code, msg: fmt.Sprintf(format, a...)}
}

// ServeHTTP implements http.Handler. Routes give it room, stream and seq as
// path values.
func (in *Ingest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	room, stream := r.PathValue("room"), r.PathValue("stream")
	seq, perr := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	seg, created, err := in.ingest(r, room, stream, seq, perr)
	if err != nil {
		var he *httpError
		if errors.Is(err, recstore.ErrUnavailable) {
			in.log.Warn("the object store did not take a segment; the box keeps it and sends it again", "room", room, "stream", stream, "seq", seq, "err", err)
			if in.storage != nil {
				in.storage.Failed(err)
			}
			he = &httpError{code: http.StatusServiceUnavailable, msg: "the hub's recording store is unavailable, nothing was stored: keep the segment and send it again"}
			w.Header().Set("Retry-After", "5")
		} else if !errors.As(err, &he) {
			in.log.Error("storing a segment failed", "room", room, "stream", stream, "seq", seq, "err", err)
			if in.storage != nil {
				in.storage.Failed(err)
			}
			he = &httpError{code: http.StatusInternalServerError, msg: "the hub could not store the segment; it will be sent again"}
		} else if in.refused != nil && protocol.ValidID(room) {
			in.refused(room, stream, seq, he.code, he.msg)
		}
		in.refusals.WithLabelValues(strconv.Itoa(he.code)).Inc()
		http.Error(w, he.msg, he.code)
		return
	}
	if in.storage != nil {
		in.storage.Stored()
	}
	w.Header().Set("Content-Type", "application/json")
	if created {
		w.WriteHeader(http.StatusCreated)
	}
	json.NewEncoder(w).Encode(map[string]any{"stored": true, "hash": seg.Hash()})
}

func (in *Ingest) ingest(r *http.Request, room, stream string, seq uint64, perr error) (*protocol.Segment, bool, error) {
	if !protocol.ValidID(room) || !protocol.ValidID(stream) || perr != nil {
		return nil, false, fail(http.StatusBadRequest, "bad room, stream or sequence number in the path")
	}
	if err := in.checkCert(r, room); err != nil {
		return nil, false, err
	}
	if r.ContentLength > protocol.MaxSegmentSize {
		return nil, false, fail(http.StatusRequestEntityTooLarge, "segment over %d bytes", protocol.MaxSegmentSize)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, protocol.MaxSegmentSize))
	if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
		return nil, false, fail(http.StatusRequestTimeout, "the segment did not arrive within the hub's body deadline: %v", err)
	}
	if err != nil {
		return nil, false, fail(http.StatusRequestEntityTooLarge, "reading the segment: %v", err)
	}
	seg, err := protocol.DecodeSegment(body)
	if err != nil {
		return nil, false, fail(http.StatusBadRequest, "not a valid segment: %v", err)
	}
	h := seg.Header
	if h.Room != room || h.Stream != stream || h.Seq != seq {
		return nil, false, fail(http.StatusBadRequest, "segment is %s/%s/%d but was sent to %s/%s/%d", h.Room, h.Stream, h.Seq, room, stream, seq)
	}
	ctx := r.Context()
	pub, err := in.boxKey(ctx, room)
	if err != nil {
		return nil, false, err
	}
	if err = seg.Verify(pub); err != nil {
		// The room may have a new box this hub has not heard of: ask the
		// index once more before refusing.
		in.Forget(room)
		if pub, err = in.boxKey(ctx, room); err != nil {
			return nil, false, err
		}
		err = seg.Verify(pub)
	}
	if err != nil {
		return nil, false, fail(http.StatusForbidden, "segment is not signed by the box enrolled for room %s: %v", room, err)
	}

	mu, _ := in.locks.LoadOrStore(room+"/"+stream, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	verified, linksNext, dup, err := in.checkChain(ctx, seg)
	if err != nil || dup {
		return seg, false, err
	}
	row := store.Segment{
		Room: room, Stream: stream, Seq: h.Seq, LastSeq: h.LastSeq(), Record: h.Record, Start: h.Start, End: h.End,
		Hash: seg.Hash(), Chain: seg.ChainHash(), Prev: h.Prev, Size: int64(len(body)),
		Session: h.Session, Flags: h.Flags, Verified: verified,
	}
	if h.Gap != nil {
		row.GapReason = h.Gap.Reason
	}
	// The record's bytes and its index row become durable together with
	// the other uploads' in flight (the commit sets the row's place). A
	// row that fails leaves dead bytes in a pack or an object, which
	// nothing references.
	p := &pending{row: store.NewSegment{Segment: row, VerifySuccessor: linksNext}, rec: &recstore.Record{Room: room, Body: body}}
	if err := in.commits.commit(ctx, p); err != nil {
		in.heads.Delete(room + "/" + stream) // read it again: the index may hold what this one did not expect
		return nil, false, err
	}
	row.Path, row.Offset = p.rec.Path, p.rec.Offset
	in.stored(room, stream, row)
	in.storedCount.WithLabelValues(h.Record).Inc()
	in.bytes.Add(float64(len(body)))
	return seg, true, nil
}

// checkChain places seg in its stream: a replay of a stored record is a
// duplicate (acked again, stored once); a different record at a taken place
// or one that does not link to its stored neighbours is refused. verified
// says the record links to its predecessor (or starts the chain); linksNext
// that a stored successor links to it.
func (in *Ingest) checkChain(ctx context.Context, seg *protocol.Segment) (verified, linksNext, dup bool, err error) {
	h := seg.Header
	head, err := in.head(ctx, h.Room, h.Stream)
	if err != nil {
		return false, false, false, err
	}
	if head.seen && h.Seq > head.lastSeq {
		// Past everything stored (the common case: the next record, or the
		// newest after an outage): nothing overlaps and nothing follows;
		// the predecessor, if stored, is the head.
		if h.Seq == head.lastSeq+1 {
			if err := seg.Follows(head.lastSeq, head.chain); err != nil {
				return false, false, false, fail(http.StatusConflict, "%v", err)
			}
			return true, false, false, nil
		}
		return false, false, false, nil
	}
	over, err := in.idx.Overlapping(ctx, h.Room, h.Stream, h.Seq, h.LastSeq())
	if err != nil {
		return false, false, false, err
	}
	if len(over) > 0 {
		if len(over) == 1 && over[0].Seq == h.Seq && over[0].Hash == seg.Hash() {
			return false, false, true, nil
		}
		return false, false, false, fail(http.StatusConflict, "%s/%s seq %d conflicts with a stored record (hash %.12s)", h.Room, h.Stream, h.Seq, over[0].Hash)
	}
	if h.Seq == 0 {
		if h.Prev != "" {
			return false, false, false, fail(http.StatusConflict, "first record of %s/%s names a previous record", h.Room, h.Stream)
		}
		verified = true
	} else {
		prev, err := in.idx.Covering(ctx, h.Room, h.Stream, h.Seq-1)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// The predecessor has not arrived yet (live segments go first).
		case err != nil:
			return false, false, false, err
		default:
			if err := seg.Follows(prev.LastSeq, prev.Chain); err != nil {
				return false, false, false, fail(http.StatusConflict, "%v", err)
			}
			verified = true
		}
	}
	next, err := in.idx.Covering(ctx, h.Room, h.Stream, h.LastSeq()+1)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return false, false, false, err
	case next.Seq != h.LastSeq()+1 || next.Prev != seg.ChainHash():
		return false, false, false, fail(http.StatusConflict, "%s/%s seq %d does not link to the stored seq %d: %v", h.Room, h.Stream, h.Seq, next.Seq, protocol.ErrChain)
	default:
		linksNext = true
	}
	return verified, linksNext, false, nil
}
