package spool_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/evalroom/evalroom/edge/spool"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// TestSM2EvictionGapIsSignedBySM2: a box with an SM2 key signs the gap
// record an eviction writes with that key, and the chain walks through it
// as for an Ed25519 box.
func TestSM2EvictionGapIsSignedBySM2(t *testing.T) {
	signer := prototest.SM2Signer
	s, err := spool.Open(filepath.Join(t.TempDir(), "spool"), spool.Options{Signer: signer, BudgetBytes: 10_000, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var last *protocol.Segment
	for i := range 20 {
		h := s.Head("cam1")
		start := prototest.T0.Add(time.Duration(i) * 2 * time.Second)
		seg, err := protocol.Seal(protocol.SegmentHeader{
			Room: "room-1", Stream: "cam1", Record: protocol.RecordMedia, Seq: h.NextSeq, Prev: h.Prev,
			Start: start, End: start.Add(2 * time.Second), Codec: protocol.CodecMJPEG,
			Frames: []protocol.Frame{{Offset: 0, Size: 1000, Time: start.UnixNano()}},
		}, make([]byte, 1000), signer)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Append(context.Background(), seg); err != nil {
			t.Fatal(err)
		}
		last = seg
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Evicted == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	gaps := 0
	var prevLast uint64
	var chain string
	for i, e := range s.Entries("cam1") {
		data, err := s.Get("cam1", e.Seq)
		if err != nil {
			t.Fatal(err)
		}
		seg, err := protocol.DecodeSegment(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := seg.Verify(signer.PublicKey()); err != nil {
			t.Fatalf("seq %d: %v", e.Seq, err)
		}
		if err := seg.Verify(prototest.Signer.PublicKey()); !errors.Is(err, protocol.ErrSignature) {
			t.Fatalf("seq %d verifies with the Ed25519 key: %v", e.Seq, err)
		}
		if i > 0 {
			if err := seg.Follows(prevLast, chain); err != nil {
				t.Fatal(err)
			}
		}
		if seg.Header.Gap != nil && seg.Header.Gap.Reason == protocol.GapSpoolEviction {
			gaps++
		}
		prevLast, chain = seg.Header.LastSeq(), seg.ChainHash()
	}
	if gaps == 0 || chain != last.Hash() {
		t.Fatalf("%d eviction gaps, chain ends at %.12s, want %.12s", gaps, chain, last.Hash())
	}
}
