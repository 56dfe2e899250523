// Package spool is the room box's durable buffer: every segment is written
// to bbolt and fsynced before it counts as recorded, and leaves only when
// the hub has acknowledged storing it, or when the disk budget forces it out,
// in which case a signed gap record takes its place in the chain.
package spool

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/evalroom/evalroom/protocol"
)

var (
	// bucketData holds stream -> seq -> a bucket of its own with the
	// encoded segment under key recordKey. A bucket per record keeps each
	// segment on its own pages: with plain values, bbolt's leaves hold a
	// few segments each and every append or delete rewrites the neighbours
	// (measured by make bench: 9x write amplification).
	bucketData  = []byte("data")
	bucketMeta  = []byte("meta")  // stream -> seq -> entry JSON
	bucketChain = []byte("chain") // stream -> Head JSON
)

// ErrClosed is returned after Close.
var ErrClosed = errors.New("spool closed")

// Options configure a spool.
type Options struct {
	// BudgetBytes is the most the spool may hold; beyond it the eviction
	// policy drops footage outside sessions first, oldest first. 0 = no limit.
	BudgetBytes int64
	// MinFreeBytes evicts as if over budget while the file system has less
	// free space than this. 0 = do not watch the disk.
	MinFreeBytes int64
	// Signer signs the gap records that replace evicted segments.
	Signer protocol.Signer
	// Legacy is the path of a spool file of the single-file layout (before
	// a file per stream); if it exists, Open moves its records in and
	// removes it.
	Legacy string
	Logger *slog.Logger
}

// Head is where a stream's chain stands: the next record takes NextSeq and
// names Prev. LastEnd is when the last record ended, for restart gaps.
type Head struct {
	NextSeq uint64    `json:"next_seq"`
	Prev    string    `json:"prev"`
	LastEnd time.Time `json:"last_end"`
	// Replaced marks a head taken over from the hub by a box that replaced
	// another: its first record says so (a box_replaced gap record).
	Replaced bool `json:"replaced,omitempty"`
}

// Spool is safe for concurrent use. Each stream has a file of its own in
// the spool directory, written by one goroutine that commits whatever is
// pending for that stream in a single transaction (group commit).
type Spool struct {
	dir  string
	opts Options
	log  *slog.Logger
	done chan struct{}
	wg   sync.WaitGroup

	shardMu sync.Mutex
	shards  map[string]*shard
	sealed  bool // no new shards after Close

	evicting sync.Mutex // one eviction at a time, whichever writer starts it

	mu       sync.Mutex
	idx      *index
	heads    map[string]Head
	notify   chan struct{} // closed and replaced when something is added
	closed   bool
	evicted  int64
	inflight map[key]bool
}

type key struct {
	stream string
	seq    uint64
}

// Open opens or creates the spool in directory dir. A spool file of the
// earlier single-file layout at opts.Legacy is folded in first.
func Open(dir string, opts Options) (*Spool, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool directory: %w", err)
	}
	s := &Spool{
		dir: dir, opts: opts, log: opts.Logger.With("component", "spool"),
		done: make(chan struct{}), shards: make(map[string]*shard),
		idx: newIndex(), heads: make(map[string]Head), notify: make(chan struct{}),
		inflight: make(map[key]bool),
	}
	if err := s.open(); err != nil {
		s.closeShards()
		return nil, err
	}
	for _, sh := range s.shards {
		s.startWriter(sh)
	}
	return s, nil
}

func (s *Spool) open() error {
	streams, err := shardStreams(s.dir)
	if err != nil {
		return err
	}
	for _, stream := range streams {
		sh, err := openShard(s.dir, stream)
		if err != nil {
			return err
		}
		s.shards[stream] = sh
	}
	if s.opts.Legacy != "" {
		if err := s.migrate(s.opts.Legacy); err != nil {
			return fmt.Errorf("move the old spool file %s into %s: %w", s.opts.Legacy, s.dir, err)
		}
	}
	for _, sh := range s.shards {
		if err := sh.load(s.heads, s.idx); err != nil {
			return err
		}
	}
	return nil
}

func (s *Spool) startWriter(sh *shard) {
	s.wg.Add(1)
	go s.writer(sh)
}

// shard returns the stream's shard, creating it when create is set; nil
// when it does not exist (or the spool is closed).
func (s *Spool) shard(stream string, create bool) (*shard, error) {
	s.shardMu.Lock()
	defer s.shardMu.Unlock()
	if sh, ok := s.shards[stream]; ok || !create {
		return sh, nil
	}
	if s.sealed {
		return nil, ErrClosed
	}
	if !protocol.ValidID(stream) {
		return nil, fmt.Errorf("spool: stream %q: %w", stream, protocol.ErrInvalid)
	}
	sh, err := openShard(s.dir, stream)
	if err != nil {
		return nil, err
	}
	s.shards[stream] = sh
	s.startWriter(sh)
	return sh, nil
}

// allShards returns the shards open now.
func (s *Spool) allShards() []*shard {
	s.shardMu.Lock()
	defer s.shardMu.Unlock()
	out := make([]*shard, 0, len(s.shards))
	for _, sh := range s.shards {
		out = append(out, sh)
	}
	return out
}

// Close stops the writers and closes the files. Pending writes finish first.
func (s *Spool) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.notify)
	s.mu.Unlock()
	s.shardMu.Lock()
	s.sealed = true
	s.shardMu.Unlock()
	close(s.done)
	s.wg.Wait()
	return s.closeShards()
}

func (s *Spool) closeShards() error {
	var first error
	for _, sh := range s.allShards() {
		if err := sh.db.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Path returns the spool directory.
func (s *Spool) Path() string { return s.dir }

// Head returns the chain head of a stream (zero for a new stream).
func (s *Spool) Head(stream string) Head {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heads[stream]
}

// Append stores seg durably and advances the stream's chain head in the
// same transaction. When it returns nil the segment is on disk.
func (s *Spool) Append(ctx context.Context, seg *protocol.Segment) error {
	if seg.Header.Seq != s.Head(seg.Header.Stream).NextSeq {
		return fmt.Errorf("spool append %s seq %d: chain head is at %d", seg.Header.Stream, seg.Header.Seq, s.Head(seg.Header.Stream).NextSeq)
	}
	sh, err := s.shard(seg.Header.Stream, true)
	if err != nil {
		return err
	}
	return s.do(ctx, sh, &request{put: seg})
}

// Ack removes a segment the hub has stored durably. It is a no-op when the
// record at that place no longer has that hash (it was evicted meanwhile).
func (s *Spool) Ack(ctx context.Context, stream string, seq uint64, hash string) error {
	sh, err := s.shard(stream, false)
	if err != nil || sh == nil {
		return err
	}
	return s.do(ctx, sh, &request{ack: &ackReq{stream: stream, seq: seq, hash: hash}})
}

func (s *Spool) do(ctx context.Context, sh *shard, r *request) error {
	r.done = make(chan error, 1)
	select {
	case sh.reqs <- r:
	case <-s.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		// The write may still land; callers treat this as "not known durable".
		return ctx.Err()
	}
}

// Get returns the encoded bytes of one record.
func (s *Spool) Get(stream string, seq uint64) ([]byte, error) {
	sh, _ := s.shard(stream, false)
	if sh == nil {
		return nil, fmt.Errorf("spool: no stream %s", stream)
	}
	var out []byte
	err := sh.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketData).Bucket([]byte(stream))
		if b == nil {
			return fmt.Errorf("spool: no stream %s", stream)
		}
		var v []byte
		if rb := b.Bucket(seqKey(seq)); rb != nil {
			v = rb.Get(recordKey)
		}
		if v == nil {
			return fmt.Errorf("spool: %s seq %d is gone", stream, seq)
		}
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}

// Check runs bbolt's consistency check over every file.
func (s *Spool) Check() error {
	for _, sh := range s.allShards() {
		if err := sh.db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return fmt.Errorf("spool check %s: %w", sh.stream, err)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// recordKey is the key of the encoded segment inside its record bucket.
var recordKey = []byte{0}

// putData stores one record's bytes in a bucket of its own.
func putData(streamBucket *bolt.Bucket, seq uint64, data []byte) error {
	rb, err := streamBucket.CreateBucket(seqKey(seq))
	if err != nil {
		return err
	}
	rb.FillPercent = 1.0
	return rb.Put(recordKey, data)
}

// deleteData removes one record's bytes.
func deleteData(streamBucket *bolt.Bucket, seq uint64) error {
	err := streamBucket.DeleteBucket(seqKey(seq))
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

// Seed sets a stream's chain head where the hub says it stands, for a box
// that takes a room over from a replaced one. It does nothing for a stream
// this spool already has a head for.
func (s *Spool) Seed(stream string, h Head) error {
	if cur := s.Head(stream); cur.NextSeq != 0 || cur.Prev != "" {
		return nil
	}
	sh, err := s.shard(stream, true)
	if err != nil {
		return err
	}
	h.Replaced = true
	if err := sh.db.Update(func(tx *bolt.Tx) error { return putHead(tx, stream, h) }); err != nil {
		return fmt.Errorf("seed the chain head of %s: %w", stream, err)
	}
	s.mu.Lock()
	s.heads[stream] = h
	s.mu.Unlock()
	return nil
}
