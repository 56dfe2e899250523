package spool

import (
	"context"
	"syscall"
	"time"
)

// Item is one record handed to the uploader.
type Item struct {
	Entry
	Data []byte
}

// Next blocks until a record is ready to upload and marks it in flight.
// Records younger than liveWindow go first, newest first, so a viewer of
// today's footage is not stuck behind a backlog; then the backlog, the one
// that waited longest first.
func (s *Spool) Next(ctx context.Context, liveWindow time.Duration) (Item, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return Item{}, ErrClosed
		}
		e, ok := s.pick(time.Now(), liveWindow)
		if ok {
			s.inflight[key{e.Stream, e.Seq}] = true
		}
		ch := s.notify
		s.mu.Unlock()
		if ok {
			data, err := s.Get(e.Stream, e.Seq)
			if err != nil { // acked or evicted between pick and read
				s.Release(e.Stream, e.Seq)
				continue
			}
			return Item{Entry: e, Data: data}, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Item{}, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// Release gives a record back to the queue after a failed upload.
func (s *Spool) Release(stream string, seq uint64) {
	s.mu.Lock()
	delete(s.inflight, key{stream, seq})
	if !s.closed { // wake a waiting worker: the record is ready again
		close(s.notify)
		s.notify = make(chan struct{})
	}
	s.mu.Unlock()
}

func (s *Spool) pick(now time.Time, liveWindow time.Duration) (Entry, bool) {
	var live Entry
	found := false
	for _, list := range s.idx.streams {
		for i := len(list) - 1; i >= 0 && now.Sub(list[i].Stored) < liveWindow; i-- {
			if !s.inflight[key{list[i].Stream, list[i].Seq}] {
				if !found || list[i].Stored.After(live.Stored) {
					live, found = list[i], true
				}
				break
			}
		}
	}
	if found {
		return live, true
	}
	var old Entry
	for _, list := range s.idx.streams {
		for _, e := range list {
			if !s.inflight[key{e.Stream, e.Seq}] {
				if !found || e.Stored.Before(old.Stored) {
					old, found = e, true
				}
				break
			}
		}
	}
	return old, found
}

// Stats describe what waits in the spool.
type Stats struct {
	Bytes        int64
	Records      int64
	OldestUnsent time.Duration
	Evicted      int64
}

// Stats returns the current figures.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Bytes: s.idx.bytes, Records: s.idx.count, Evicted: s.evicted}
	if e, ok := s.idx.oldest(); ok {
		st.OldestUnsent = time.Since(e.Stored)
	}
	return st
}

// Entries returns a copy of what the spool holds for one stream, in order.
func (s *Spool) Entries(stream string) []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Entry(nil), s.idx.streams[stream]...)
}

// DiskFree returns the bytes available to the agent on the file system that
// holds path.
func DiskFree(path string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * st.Bsize, nil
}
