package retention_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/evidence"
	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/retention"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/store/storetest"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// chain makes seqs 0..n-1 of room-1/cam1, the ones in session named by
// the map recorded in that procurement session.
func chain(t *testing.T, n int, session map[uint64]string) []*protocol.Segment {
	var out []*protocol.Segment
	prev := ""
	for seq := range uint64(n) {
		s := prototest.MediaSegment("room-1", "cam1", seq, prev)
		if id := session[seq]; id != "" {
			h := s.Header
			h.Session = id
			var err error
			if s, err = protocol.Seal(h, s.Payload, prototest.Signer); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, s)
		prev = s.ChainHash()
	}
	return out
}

// storeInPacks writes the records into the room's pack files as packs
// says (pack number -> seqs) and indexes them, as ingest does.
func storeInPacks(t *testing.T, st *store.Store, dir string, segs []*protocol.Segment, packs [][]uint64) {
	t.Helper()
	room := filepath.Join(dir, "media", "room-1")
	if err := os.MkdirAll(room, 0o750); err != nil {
		t.Fatal(err)
	}
	for i, seqs := range packs {
		path := filepath.Join(room, "pack-00000"+string(rune('1'+i))+".seg")
		var buf bytes.Buffer
		var rows []store.NewSegment
		for _, seq := range seqs {
			s := segs[seq]
			b := s.Encode()
			h := s.Header
			rows = append(rows, store.NewSegment{Segment: store.Segment{
				Room: h.Room, Stream: h.Stream, Seq: h.Seq, LastSeq: h.LastSeq(), Record: h.Record, Start: h.Start, End: h.End,
				Hash: s.Hash(), Chain: s.ChainHash(), Prev: h.Prev, Size: int64(len(b)), Path: path, Offset: int64(buf.Len()),
				Session: h.Session, Verified: true,
			}})
			buf.Write(b)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o640); err != nil {
			t.Fatal(err)
		}
		if err := st.InsertSegments(context.Background(), rows); err != nil {
			t.Fatal(err)
		}
	}
}

// Footage outside sessions past the period is removed with an audit entry
// first; a pack holding a session's record and the room's newest pack are
// kept; a later evidence export names the hole "retention" and verifies.
func TestRetentionRemovesOldFootageOutsideSessionsOnly(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	storetest.Enroll(t, st, "room-1", "第1评标室", prototest.Signer.PublicKey().String())
	dir := t.TempDir()
	segs := chain(t, 8, map[uint64]string{4: "zfcg-2026-001"})
	// pack 1: seqs 0-2 outside sessions; pack 2: seqs 3-4, one in a
	// session; pack 3 (the newest): seqs 5-7.
	storeInPacks(t, st, dir, segs, [][]uint64{{0, 1, 2}, {3, 4}, {5, 6, 7}})
	au, err := audit.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	removed, err := retention.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	now := prototest.T0.Add(200 * 24 * time.Hour)
	job := retention.New(st.DB(), recstore.Files(dir), au, retention.Options{Now: func() time.Time { return now }}, slog.New(slog.DiscardHandler))

	res, err := job.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Places != 1 || res.Records != 3 {
		t.Fatalf("removed %+v, want pack 1's 3 records", res)
	}
	media := filepath.Join(dir, "media", "room-1")
	for pack, want := range map[string]bool{"pack-000001.seg": false, "pack-000002.seg": true, "pack-000003.seg": true} {
		if _, err := os.Stat(filepath.Join(media, pack)); (err == nil) != want {
			t.Errorf("%s: kept %v, want %v", pack, err == nil, want)
		}
	}
	for seq := range uint64(8) {
		_, err := st.Segment(ctx, "room-1", "cam1", seq)
		if (err == nil) != (seq >= 3) {
			t.Errorf("seq %d indexed: %v", seq, err)
		}
	}
	entries, err := au.List(ctx, audit.Filter{Action: retention.Action, From: time.Unix(0, 0), Limit: 10})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, "pack-000001.seg: 3 records") {
		t.Fatalf("audit entries %+v (%v)", entries, err)
	}
	if res, err := job.Run(ctx); err != nil || res.Places != 0 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	// Within the period nothing goes.
	now = prototest.T0.Add(10 * 24 * time.Hour)

	ex, err := evidence.Prepare(ctx, st, au, evidence.Request{
		Room: "room-1", From: prototest.T0.Add(-time.Minute), To: prototest.T0.Add(16 * time.Second), By: "test@127.0.0.1", Retention: removed,
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	holes := ex.Manifest.Streams[0].Holes
	if len(holes) != 1 || holes[0].FirstSeq != 0 || holes[0].LastSeq != 2 || holes[0].Reason != bundle.HoleRetention || holes[0].Audit != entries[0].ID {
		t.Fatalf("holes %+v, want seqs 0-2 named retention with audit entry %d", holes, entries[0].ID)
	}
	var file bytes.Buffer
	if _, err := ex.Write(ctx, &file); err != nil {
		t.Fatal(err)
	}
	rep, err := bundle.Verify(&file)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, l := range rep.Lines {
		text.WriteString(l.String() + "\n")
	}
	if !strings.Contains(text.String(), "retention: removed by the hub's retention job") || rep.Records != 5 {
		t.Fatalf("verifier: %d records\n%s", rep.Records, text.String())
	}
}

// A removal whose audit entry cannot be written is not made.
func TestNoAuditEntryNoRemoval(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	storetest.Enroll(t, st, "room-1", "第1评标室", prototest.Signer.PublicKey().String())
	dir := t.TempDir()
	storeInPacks(t, st, dir, chain(t, 4, nil), [][]uint64{{0, 1}, {2, 3}})
	if _, err := retention.Open(ctx, st.DB()); err != nil {
		t.Fatal(err)
	}
	other := storetest.Open(t) // the audit log's database, gone
	au, err := audit.Open(ctx, other.DB())
	if err != nil {
		t.Fatal(err)
	}
	other.Close()
	now := prototest.T0.Add(200 * 24 * time.Hour)
	job := retention.New(st.DB(), recstore.Files(dir), au, retention.Options{Now: func() time.Time { return now }}, slog.New(slog.DiscardHandler))
	if _, err := job.Run(ctx); err == nil || !strings.Contains(err.Error(), "audit log first") {
		t.Fatalf("run without an audit log: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "media", "room-1", "pack-000001.seg")); err != nil {
		t.Fatalf("the pack went without an audit entry: %v", err)
	}
	if _, err := st.Segment(ctx, "room-1", "cam1", 0); err != nil {
		t.Fatalf("the index forgot seq 0 without an audit entry: %v", err)
	}
}
