package spool

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evalroom/evalroom/protocol"
)

func (s *Spool) evict(runs [][]Entry) error {
	now := time.Now()
	var gaps []*protocol.Segment
	for _, run := range runs {
		first, last := run[0], run[len(run)-1]
		var bytes int64
		session := ""
		for _, e := range run {
			bytes += e.Size
			if e.Session != "" {
				session = e.Session
			}
		}
		g, err := protocol.Seal(protocol.SegmentHeader{
			Room: s.roomOf(first), Stream: first.Stream, Record: protocol.RecordGap,
			Seq: first.Seq, Start: first.Start, End: last.End, Prev: first.Prev, Session: session,
			Gap: &protocol.Gap{
				Reason: protocol.GapSpoolEviction, LastSeq: last.LastSeq, LastHash: last.Chain, Bytes: bytes,
				Detail: fmt.Sprintf("%d records dropped unsent to keep the spool within its budget", len(run)),
			},
		}, nil, s.opts.Signer)
		if err != nil {
			return fmt.Errorf("seal eviction gap: %w", err)
		}
		gaps = append(gaps, g)
	}
	// Each stream's runs go in one transaction of its file.
	byStream := make(map[string][]int)
	for i, run := range runs {
		byStream[run[0].Stream] = append(byStream[run[0].Stream], i)
	}
	for stream, list := range byStream {
		if err := s.replaceRuns(stream, runs, gaps, list, now); err != nil {
			return err
		}
	}
	for i, run := range runs {
		s.log.Warn("spool over budget: dropped unsent records and wrote a gap record",
			"stream", run[0].Stream, "first_seq", run[0].Seq, "last_seq", run[len(run)-1].LastSeq, "bytes", gaps[i].Header.Gap.Bytes)
	}
	return nil
}

// replaceRuns swaps the runs at list (all of one stream) for their gap
// records in one transaction, then updates the index.
func (s *Spool) replaceRuns(stream string, runs [][]Entry, gaps []*protocol.Segment, list []int, now time.Time) error {
	sh, err := s.shard(stream, false)
	if err != nil || sh == nil {
		return fmt.Errorf("evict %s: no spool file for the stream: %w", stream, err)
	}
	var added []Entry
	err = sh.db.Update(func(tx *bolt.Tx) error {
		for _, i := range list {
			for _, e := range runs[i] {
				if err := deleteData(tx.Bucket(bucketData).Bucket([]byte(e.Stream)), e.Seq); err != nil {
					return err
				}
				if err := tx.Bucket(bucketMeta).Bucket([]byte(e.Stream)).Delete(seqKey(e.Seq)); err != nil {
					return err
				}
			}
			e := entryOf(gaps[i], now)
			e.Stored = runs[i][0].Stored // keeps its place in the upload queue
			if err := putRecord(tx, e, gaps[i].Encode()); err != nil {
				return err
			}
			added = append(added, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	for _, i := range list {
		for _, e := range runs[i] {
			s.idx.remove(e.Stream, e.Seq)
			s.evicted++
		}
	}
	for _, e := range added {
		s.idx.add(e)
	}
	s.mu.Unlock()
	return nil
}

// roomOf reads the room from the stored record (entries do not keep it).
func (s *Spool) roomOf(e Entry) string {
	b, err := s.Get(e.Stream, e.Seq)
	if err != nil {
		return ""
	}
	seg, err := protocol.DecodeSegment(b)
	if err != nil {
		return ""
	}
	return seg.Header.Room
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
