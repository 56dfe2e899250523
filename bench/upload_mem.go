package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/evalroom/evalroom/edge/spool"
	"github.com/evalroom/evalroom/protocol"
)

// memQueue hands the uploader segments from memory, oldest first over all
// streams, with none of the spool's disk work.
type memQueue struct {
	mu       sync.Mutex
	pending  []*protocol.Segment
	inflight map[string]*protocol.Segment // by stream/seq
	unacked  int64
	more     chan struct{} // closed and replaced when a record is released
}

func memKey(stream string, seq uint64) string { return fmt.Sprintf("%s/%d", stream, seq) }

// openMemQueue returns a fresh queue of segs (by stream) for every run.
func openMemQueue(segs [][]*protocol.Segment) func(dir string) (source, int64, int64, error) {
	return func(string) (source, int64, int64, error) {
		q := &memQueue{pending: interleave(segs), inflight: map[string]*protocol.Segment{}, more: make(chan struct{})}
		q.unacked = int64(len(q.pending))
		var bytes int64
		for _, s := range q.pending {
			bytes += encodedSize(s)
		}
		return q, q.unacked, bytes, nil
	}
}

// Next implements uploader.Queue; like the spool it hands out a copy.
func (q *memQueue) Next(ctx context.Context, _ time.Duration) (spool.Item, error) {
	for {
		q.mu.Lock()
		if len(q.pending) > 0 {
			seg := q.pending[0]
			q.pending = q.pending[1:]
			h := seg.Header
			q.inflight[memKey(h.Stream, h.Seq)] = seg
			q.mu.Unlock()
			return spool.Item{Entry: spool.Entry{Stream: h.Stream, Seq: h.Seq, LastSeq: h.LastSeq(), Hash: seg.Hash()}, Data: seg.Encode()}, nil
		}
		more := q.more
		q.mu.Unlock()
		select {
		case <-more:
		case <-ctx.Done():
			return spool.Item{}, ctx.Err()
		}
	}
}

// Ack implements uploader.Queue.
func (q *memQueue) Ack(_ context.Context, stream string, seq uint64, _ string) error {
	q.mu.Lock()
	if _, ok := q.inflight[memKey(stream, seq)]; ok {
		delete(q.inflight, memKey(stream, seq))
		q.unacked--
	}
	q.mu.Unlock()
	return nil
}

// Release implements uploader.Queue: the record goes back to the front.
func (q *memQueue) Release(stream string, seq uint64) {
	q.mu.Lock()
	if seg, ok := q.inflight[memKey(stream, seq)]; ok {
		delete(q.inflight, memKey(stream, seq))
		q.pending = append([]*protocol.Segment{seg}, q.pending...)
	}
	close(q.more)
	q.more = make(chan struct{})
	q.mu.Unlock()
}

func (q *memQueue) left() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.unacked
}

func (q *memQueue) close() error { return nil }
