package store

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/recstore"
)

// v1Segments is the segments table before packs: a file per record.
const v1Segments = `
CREATE TABLE segments (
	room TEXT NOT NULL, stream TEXT NOT NULL, seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
	record TEXT NOT NULL, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, hash TEXT NOT NULL,
	chain TEXT NOT NULL, prev TEXT NOT NULL, size INTEGER NOT NULL, path TEXT NOT NULL,
	gap_reason TEXT NOT NULL DEFAULT '', session TEXT NOT NULL DEFAULT '', flags TEXT NOT NULL DEFAULT '',
	verified INTEGER NOT NULL DEFAULT 0, stored_at INTEGER NOT NULL,
	PRIMARY KEY (room, stream, seq)
);
`

// A record stored as a file of its own by an earlier version still reads
// after the upgrade, next to records stored in a pack.
func TestSegmentsBeforeAndAfterPacks(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	old := filepath.Join(dir, "old.seg")
	if err := os.WriteFile(old, []byte("record zero"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hub.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(v1Rooms + v1Segments + `INSERT INTO segments(room, stream, seq, last_seq, record, start_ns, end_ns, hash, chain, prev, size, path, stored_at)
		VALUES('room-1', 'cam1', 0, 0, 'media', 1, 2, 'h0', 'c0', '', 11, '` + old + `', 3)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pack := filepath.Join(dir, "pack-000001.seg")
	if err := os.WriteFile(pack, []byte("deadrecord one dead"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := st.InsertSegment(ctx, Segment{Room: "room-1", Stream: "cam1", Seq: 1, LastSeq: 1, Record: "media",
		Start: time.Unix(0, 3), End: time.Unix(0, 4), Hash: "h1", Chain: "c1", Prev: "c0", Size: 10, Path: pack, Offset: 4}, false); err != nil {
		t.Fatal(err)
	}
	for seq, want := range map[uint64]string{0: "record zero", 1: "record one"} {
		g, err := st.Segment(ctx, "room-1", "cam1", seq)
		if err != nil {
			t.Fatal(err)
		}
		b, err := recstore.FileReader{}.Read(ctx, g.Path, g.Offset, g.Size)
		if err != nil || !bytes.Equal(b, []byte(want)) {
			t.Fatalf("seq %d (offset %d): %q %v, want %q", seq, g.Offset, b, err, want)
		}
	}
}
