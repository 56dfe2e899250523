package spool

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// legacySpool writes a spool file in the single-file layout: every stream's
// records, entries and head in one bbolt file.
func legacySpool(t *testing.T, path string, streams map[string]int) map[string][]*protocol.Segment {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := make(map[string][]*protocol.Segment)
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketData, bucketMeta, bucketChain} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		for stream, n := range streams {
			prev := ""
			for seq := range uint64(n) {
				start := prototest.T0.Add(time.Duration(seq) * 2 * time.Second)
				seg, err := protocol.Seal(protocol.SegmentHeader{
					Room: "room-1", Stream: stream, Record: protocol.RecordMedia, Seq: seq, Prev: prev,
					Start: start, End: start.Add(2 * time.Second), Codec: protocol.CodecMJPEG,
					Frames: []protocol.Frame{{Offset: 0, Size: 300, Time: start.UnixNano()}},
				}, bytes.Repeat([]byte{byte(seq)}, 300), prototest.Signer)
				if err != nil {
					return err
				}
				if err := putRecord(tx, entryOf(seg, start), seg.Encode()); err != nil {
					return err
				}
				prev = seg.ChainHash()
				out[stream] = append(out[stream], seg)
			}
			last := out[stream][n-1]
			if err := putHead(tx, stream, Head{NextSeq: uint64(n), Prev: prev, LastEnd: last.Header.End}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrateLegacyFile(t *testing.T) {
	base := t.TempDir()
	legacy := filepath.Join(base, "spool.db")
	want := legacySpool(t, legacy, map[string]int{"cam1": 3, "mic1": 2})
	saved, err := os.ReadFile(legacy)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "spool")

	// The second open stands for a crash after the records were moved but
	// before the old file was removed: the move runs again, to the same end.
	for round := range 2 {
		if round == 1 {
			if err := os.WriteFile(legacy, saved, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		s, err := Open(dir, Options{Legacy: legacy, Signer: prototest.Signer})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(legacy); !os.IsNotExist(err) {
			t.Fatalf("round %d: the old spool file is still there: %v", round, err)
		}
		if st := s.Stats(); st.Records != 5 {
			t.Fatalf("round %d: %d records, want 5", round, st.Records)
		}
		for stream, segs := range want {
			h := s.Head(stream)
			if h.NextSeq != uint64(len(segs)) || h.Prev != segs[len(segs)-1].ChainHash() {
				t.Fatalf("round %d: %s head %+v, want next %d", round, stream, h, len(segs))
			}
			for _, seg := range segs {
				b, err := s.Get(stream, seg.Header.Seq)
				if err != nil || !bytes.Equal(b, seg.Encode()) {
					t.Fatalf("round %d: %s seq %d not moved whole: %v", round, stream, seg.Header.Seq, err)
				}
			}
		}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Each stream now has a file of its own, and the chain goes on.
	for _, stream := range []string{"cam1", "mic1"} {
		if _, err := os.Stat(shardPath(dir, stream)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(dir, Options{Signer: prototest.Signer})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := s.Head("cam1")
	next, err := protocol.Seal(protocol.SegmentHeader{
		Room: "room-1", Stream: "cam1", Record: protocol.RecordMedia, Seq: h.NextSeq, Prev: h.Prev,
		Start: h.LastEnd, End: h.LastEnd.Add(2 * time.Second), Codec: protocol.CodecMJPEG,
		Frames: []protocol.Frame{{Offset: 0, Size: 10, Time: h.LastEnd.UnixNano()}},
	}, make([]byte, 10), prototest.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(context.Background(), next); err != nil {
		t.Fatalf("append after the move: %v", err)
	}
}

func TestMigrateRefusesABrokenLegacyFile(t *testing.T) {
	base := t.TempDir()
	legacy := filepath.Join(base, "spool.db")
	if err := os.WriteFile(legacy, []byte("not a bbolt file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(base, "spool"), Options{Legacy: legacy}); err == nil {
		t.Fatal("a broken old spool file was accepted")
	}
	if _, err := os.Stat(legacy); err != nil {
		t.Fatalf("the old file must stay for a person to look at: %v", err)
	}
}
