package spool_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/edge/spool"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

func open(t *testing.T, path string, opts spool.Options) *spool.Spool {
	t.Helper()
	opts.Signer = prototest.Signer
	s, err := spool.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			t.Error(err)
		}
		s.Close()
	})
	return s
}

// record seals and appends the next media segment of a stream.
func record(t *testing.T, s *spool.Spool, stream, session string, payload int) *protocol.Segment {
	t.Helper()
	h := s.Head(stream)
	start := prototest.T0.Add(time.Duration(h.NextSeq) * 2 * time.Second)
	seg, err := protocol.Seal(protocol.SegmentHeader{
		Room: "room-1", Stream: stream, Record: protocol.RecordMedia, Seq: h.NextSeq, Prev: h.Prev,
		Start: start, End: start.Add(2 * time.Second), Codec: protocol.CodecMJPEG, Session: session,
		Frames: []protocol.Frame{{Offset: 0, Size: payload, Time: start.UnixNano()}},
	}, make([]byte, payload), prototest.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(context.Background(), seg); err != nil {
		t.Fatal(err)
	}
	return seg
}

func TestAppendAckReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool")
	s, err := spool.Open(path, spool.Options{Signer: prototest.Signer})
	if err != nil {
		t.Fatal(err)
	}
	a := record(t, s, "cam1", "", 100)
	b := record(t, s, "cam1", "", 100)
	if err := s.Ack(context.Background(), "cam1", 0, a.Hash()); err != nil {
		t.Fatal(err)
	}
	// An ack with the wrong hash removes nothing.
	if err := s.Ack(context.Background(), "cam1", 1, a.Hash()); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, path, spool.Options{})
	if got := s.Head("cam1"); got.NextSeq != 2 || got.Prev != b.Hash() {
		t.Fatalf("head after reopen = %+v", got)
	}
	es := s.Entries("cam1")
	if len(es) != 1 || es[0].Seq != 1 || es[0].Hash != b.Hash() {
		t.Fatalf("entries after reopen = %+v", es)
	}
	data, err := s.Get("cam1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := protocol.DecodeSegment(data); err != nil || got.Hash() != b.Hash() {
		t.Fatalf("stored bytes decode to %v, %v", got, err)
	}
}

func TestAppendRefusesBrokenChain(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool"), spool.Options{})
	record(t, s, "cam1", "", 10)
	stale := prototest.MediaSegment("room-1", "cam1", 1, "")
	if err := s.Append(context.Background(), stale); !errors.Is(err, protocol.ErrChain) {
		t.Fatalf("append with the wrong prev: %v", err)
	}
	skip := prototest.MediaSegment("room-1", "cam1", 5, s.Head("cam1").Prev)
	if err := s.Append(context.Background(), skip); err == nil {
		t.Fatal("append that skips sequence numbers accepted")
	}
}

func TestEvictionKeepsSessionsAndTheChain(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool"), spool.Options{BudgetBytes: 20_000})
	var all []*protocol.Segment
	for i := range 30 {
		session := ""
		if i >= 10 && i < 14 {
			session = "proj-1"
		}
		all = append(all, record(t, s, "cam1", session, 1000))
	}
	// Evictions run after each commit; wait for the writer to settle.
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Bytes > 20_000 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := s.Stats(); st.Bytes > 20_000 || st.Evicted == 0 {
		t.Fatalf("stats after eviction = %+v", st)
	}
	es := s.Entries("cam1")
	// Walk the chain as the hub would: every record follows the one before.
	var last uint64
	var chain string
	sessions := 0
	for i, e := range es {
		data, err := s.Get("cam1", e.Seq)
		if err != nil {
			t.Fatal(err)
		}
		seg, err := protocol.DecodeSegment(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := seg.Verify(prototest.Signer.PublicKey()); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if seg.Header.Seq != 0 || seg.Header.Prev != "" {
				t.Fatalf("chain does not start at 0: %+v", seg.Header)
			}
		} else if err := seg.Follows(last, chain); err != nil {
			t.Fatalf("record %d: %v", e.Seq, err)
		}
		last, chain = seg.Header.LastSeq(), seg.ChainHash()
		if seg.Header.Record == protocol.RecordMedia && seg.Header.Session != "" {
			sessions++
		}
	}
	if last != 29 || chain != all[29].Hash() {
		t.Fatalf("chain ends at %d %.12s, want 29 %.12s", last, chain, all[29].Hash())
	}
	if sessions != 4 {
		t.Fatalf("%d session segments kept, want all 4", sessions)
	}
	if !es[0].Gap {
		t.Fatal("oldest footage outside the session was not evicted first")
	}
}

func TestNextLiveFirstThenBacklog(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool"), spool.Options{})
	ctx := context.Background()
	for range 3 {
		record(t, s, "cam1", "", 10)
	}
	// With a live window that covers everything, the newest goes first.
	it, err := s.Next(ctx, time.Hour)
	if err != nil || it.Seq != 2 {
		t.Fatalf("live first: got seq %d, %v", it.Seq, err)
	}
	// With no live window, the backlog goes oldest first.
	it, err = s.Next(ctx, 0)
	if err != nil || it.Seq != 0 {
		t.Fatalf("backlog: got seq %d, %v", it.Seq, err)
	}
	s.Release("cam1", 0)
	it, err = s.Next(ctx, 0)
	if err != nil || it.Seq != 0 {
		t.Fatalf("after release: got seq %d, %v", it.Seq, err)
	}
	ctx2, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	s.Next(ctx2, 0) // seq 1
	if _, err := s.Next(ctx2, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on an empty queue: %v", err)
	}
}

func TestConcurrentStreamsGroupCommit(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool"), spool.Options{})
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				record(t, s, fmt.Sprintf("cam%d", i), "", 2000)
			}
		}()
	}
	wg.Wait()
	if st := s.Stats(); st.Records != 120 {
		t.Fatalf("records = %d, want 120", st.Records)
	}
}
