package spool

import (
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evalroom/evalroom/protocol"
)

type ackReq struct {
	stream string
	seq    uint64
	hash   string
}

type request struct {
	put  *protocol.Segment
	ack  *ackReq
	done chan error
}

// maxBatch bounds one group commit.
const maxBatch = 128

// writer owns every write to a stream's file: it takes what is pending
// (appends and acks) and commits it in one transaction, so they share the
// cost of an fsync.
func (s *Spool) writer(sh *shard) {
	defer s.wg.Done()
	for {
		var batch []*request
		select {
		case r := <-sh.reqs:
			batch = append(batch, r)
		case <-s.done:
			for {
				select {
				case r := <-sh.reqs:
					s.commit(sh, []*request{r})
				default:
					return
				}
			}
		}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-sh.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		s.commit(sh, batch)
		s.enforceBudget()
	}
}

func (s *Spool) commit(sh *shard, batch []*request) {
	now := time.Now()
	s.mu.Lock()
	heads := make(map[string]Head)
	var puts []*request
	var acks []*request
	for _, r := range batch {
		switch {
		case r.put != nil:
			h := r.put.Header
			head, ok := heads[h.Stream]
			if !ok {
				head = s.heads[h.Stream]
			}
			if h.Seq != head.NextSeq || h.Prev != head.Prev {
				r.done <- fmt.Errorf("spool append %s seq %d: %w (head at %d)", h.Stream, h.Seq, protocol.ErrChain, head.NextSeq)
				continue
			}
			heads[h.Stream] = Head{NextSeq: h.LastSeq() + 1, Prev: r.put.ChainHash(), LastEnd: h.End}
			puts = append(puts, r)
		case r.ack != nil:
			acks = append(acks, r)
		}
	}
	s.mu.Unlock()

	var added []Entry
	var removed []key
	err := sh.db.Update(func(tx *bolt.Tx) error {
		for _, r := range puts {
			e := entryOf(r.put, now)
			if err := putRecord(tx, e, r.put.Encode()); err != nil {
				return err
			}
			added = append(added, e)
		}
		for stream, h := range heads {
			if err := putHead(tx, stream, h); err != nil {
				return err
			}
		}
		for _, r := range acks {
			ok, err := deleteIfHash(tx, r.ack.stream, r.ack.seq, r.ack.hash)
			if err != nil {
				return err
			}
			if ok {
				removed = append(removed, key{r.ack.stream, r.ack.seq})
			}
		}
		return nil
	})
	s.mu.Lock()
	if err == nil {
		for _, e := range added {
			s.idx.add(e)
		}
		for _, k := range removed {
			s.idx.remove(k.stream, k.seq)
		}
		for _, r := range acks {
			delete(s.inflight, key{r.ack.stream, r.ack.seq})
		}
		for stream, h := range heads {
			s.heads[stream] = h
		}
		if len(added) > 0 && !s.closed {
			close(s.notify)
			s.notify = make(chan struct{})
		}
	}
	s.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("spool commit: %w", err)
	}
	for _, r := range puts {
		r.done <- err
	}
	for _, r := range acks {
		r.done <- err
	}
}

func entryOf(seg *protocol.Segment, now time.Time) Entry {
	h := seg.Header
	return Entry{
		Stream: h.Stream, Seq: h.Seq, LastSeq: h.LastSeq(), Start: h.Start, End: h.End,
		Size:    int64(len(seg.HeaderBytes) + len(seg.Signature) + len(seg.Payload) + 15),
		Session: h.Session, Gap: h.Record == protocol.RecordGap,
		Hash: seg.Hash(), Chain: seg.ChainHash(), Prev: h.Prev, Stored: now,
	}
}

func putRecord(tx *bolt.Tx, e Entry, data []byte) error {
	db, err := tx.Bucket(bucketData).CreateBucketIfNotExists([]byte(e.Stream))
	if err != nil {
		return err
	}
	db.FillPercent = 1.0 // keys only ever grow at the end
	mb, err := tx.Bucket(bucketMeta).CreateBucketIfNotExists([]byte(e.Stream))
	if err != nil {
		return err
	}
	mb.FillPercent = 1.0
	meta, err := jsonMarshal(e)
	if err != nil {
		return err
	}
	if err := putData(db, e.Seq, data); err != nil {
		return err
	}
	return mb.Put(seqKey(e.Seq), meta)
}

func putHead(tx *bolt.Tx, stream string, h Head) error {
	b, err := jsonMarshal(h)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketChain).Put([]byte(stream), b)
}

func deleteIfHash(tx *bolt.Tx, stream string, seq uint64, hash string) (bool, error) {
	mb := tx.Bucket(bucketMeta).Bucket([]byte(stream))
	if mb == nil {
		return false, nil
	}
	k := seqKey(seq)
	v := mb.Get(k)
	if v == nil {
		return false, nil
	}
	var e Entry
	if err := jsonUnmarshal(v, &e); err != nil {
		return false, err
	}
	if e.Hash != hash {
		return false, nil
	}
	if err := mb.Delete(k); err != nil {
		return false, err
	}
	return true, deleteData(tx.Bucket(bucketData).Bucket([]byte(stream)), seq)
}

// enforceBudget evicts when the spool is over its byte budget or the disk is
// short of space: footage outside sessions first, oldest first, down to 90 %
// of the budget. Each run of evicted records of a stream is replaced by one
// signed gap record that carries the chain across it.
func (s *Spool) enforceBudget() {
	if !s.evicting.TryLock() {
		return // another stream's writer is at it
	}
	defer s.evicting.Unlock()
	excess := s.excess()
	if excess <= 0 || s.opts.Signer == nil {
		return
	}
	s.mu.Lock()
	var cands []Entry
	for _, list := range s.idx.streams {
		for _, e := range list {
			if !e.Gap && !s.inflight[key{e.Stream, e.Seq}] {
				cands = append(cands, e)
			}
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if (cands[i].Session != "") != (cands[j].Session != "") {
			return cands[i].Session == ""
		}
		return cands[i].Start.Before(cands[j].Start)
	})
	victims := make(map[key]bool)
	for _, e := range cands {
		if excess <= 0 {
			break
		}
		victims[key{e.Stream, e.Seq}] = true
		s.inflight[key{e.Stream, e.Seq}] = true // keep the uploader off them
		excess -= e.Size
	}
	runs := s.runs(victims)
	s.mu.Unlock()
	if len(runs) == 0 {
		return
	}
	if err := s.evict(runs); err != nil {
		s.log.Error("evicting from the spool failed; it will try again on the next write", "err", err)
	}
	s.mu.Lock()
	for k := range victims {
		delete(s.inflight, k)
	}
	s.mu.Unlock()
}

func (s *Spool) excess() int64 {
	s.mu.Lock()
	bytes := s.idx.bytes
	s.mu.Unlock()
	var over int64
	if b := s.opts.BudgetBytes; b > 0 && bytes > b {
		over = bytes - b*9/10
	}
	if s.opts.MinFreeBytes > 0 {
		if free, err := DiskFree(s.dir); err == nil && free < s.opts.MinFreeBytes {
			over = max(over, s.opts.MinFreeBytes-free)
		}
	}
	return over
}

// runs groups victims into runs of consecutive records per stream.
func (s *Spool) runs(victims map[key]bool) [][]Entry {
	var out [][]Entry
	for _, list := range s.idx.streams {
		var run []Entry
		for _, e := range list {
			if victims[key{e.Stream, e.Seq}] && (len(run) == 0 || run[len(run)-1].LastSeq+1 == e.Seq) {
				run = append(run, e)
				continue
			}
			if len(run) > 0 {
				out = append(out, run)
				run = nil
			}
			if victims[key{e.Stream, e.Seq}] {
				run = []Entry{e}
			}
		}
		if len(run) > 0 {
			out = append(out, run)
		}
	}
	return out
}
