package evidence_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/evidence"
	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/protocol/prototest"
)

// TestExportVerifiesWhole exports a room recorded through the real ingest
// and checks the file passes on its own: every record whole, gap records
// included, nothing of the other room, the audit excerpt's hashes the
// hub's own, and the export itself in the audit log naming the manifest.
func TestExportVerifiesWhole(t *testing.T) {
	e := recorded(t)
	b, ex := e.export(from, end)
	rep := verify(t, b)
	if err := rep.Err(); err != nil {
		t.Fatalf("%v\n%s", err, dump(rep))
	}
	if rep.Records != 14 || rep.GapRecords != 2 || rep.Streams != 2 || ex.Records() != 14 || ex.Holes() != 0 {
		t.Fatalf("%d records (%d gaps) in %d streams\n%s", rep.Records, rep.GapRecords, rep.Streams, dump(rep))
	}
	whole := map[string]int{}
	for _, l := range rep.Lines {
		if l.Room != "" && l.Room != "room-1" {
			t.Errorf("a line about another room: %s", l)
		}
		if l.Part == bundle.PartSegment && l.Verdict == bundle.Whole {
			whole[l.Stream]++
		}
	}
	if whole["cam1"] != 7 || whole["mic1"] != 7 {
		t.Fatalf("whole records %v\n%s", whole, dump(rep))
	}
	if !strings.Contains(dump(rep), "of other rooms elided") {
		t.Errorf("no elided run in the excerpt\n%s", dump(rep))
	}
	list, err := e.au.List(context.Background(), audit.Filter{Action: audit.Export, Target: "room-1"})
	if err != nil || len(list) != 1 || list[0].Actor != "regulator@127.0.0.1" || !strings.Contains(list[0].Detail, "manifest_sha256="+ex.ManifestSHA256) {
		t.Fatalf("export audit entries %+v (%v)", list, err)
	}
	if _, err := e.au.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if bundle.AuditExportAction != audit.Export {
		t.Fatalf("bundle says exports are %q, the audit log %q", bundle.AuditExportAction, audit.Export)
	}
}

// TestExportReplacedBox: a room whose box was replaced mid-range exports
// records of both boxes, and both verify: the enrollment record lists the
// replaced box's key and the new box's certificate.
func TestExportReplacedBox(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := chain(prototest.Signer, "room-1", "cam1", "mmm", t0)
	e.put(old...)
	tok, _, err := e.st.IssueToken(ctx, "room-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	newBox := protocol.Ed25519Signer{Key: ed25519.NewKeyFromSeed([]byte("evalroom-evidence-test-seed-0003"))}
	const cert = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n"
	if _, _, err := e.st.EnrollBox(ctx, tok, newBox.PublicKey().String(), func(string) (string, string, error) { return "02", cert, nil }); err != nil {
		t.Fatal(err)
	}
	e.audit("box@127.0.0.1", audit.BoxEnroll, "room-1", newBox.PublicKey().String())
	e.put(chainFrom(newBox, "room-1", "cam1", "mm", t0.Add(6*time.Second), 3, old[2].Hash())...)
	b, ex := e.export(from, t0.Add(9*time.Second))
	rep := verify(t, b)
	if rep.Err() != nil || ex.Records() != 5 {
		t.Fatalf("%v, %d records\n%s", rep.Err(), ex.Records(), dump(rep))
	}
	if d := dump(rep); !strings.Contains(d, "replaced") || !strings.Contains(d, "with a certificate") {
		t.Fatalf("the enrollment line does not show the replaced box and the certificate\n%s", d)
	}
}

// TestExportDeclaresHoles: records that never reached the hub inside the
// range are named in the manifest, and the verifier reports the file
// intact but the recording incomplete; records outside the range by time
// but inside it by chain (a clock jump) are exported, not holes.
func TestExportDeclaresHoles(t *testing.T) {
	e := newEnv(t)
	to := t0.Add(11 * time.Second)
	cam := chain(prototest.Signer, "room-1", "cam1", "mmmmmm", t0)
	e.put(cam[0], cam[1], cam[3], cam[4]) // 2 never arrives, nor 5 (the tail)
	mic := chain(prototest.Signer, "room-1", "mic1", "mmmm", t0)
	e.put(mic[2], mic[3]) // 0 and 1 never arrive, nor anything after 3
	jump := chain(prototest.Signer, "room-1", "cam2", "mmmm", t0)
	jump[1] = reseal(jump[1], t0.Add(-5*time.Hour), jump[0].Hash())
	jump[2] = reseal(jump[2], t0.Add(4*time.Second), jump[1].Hash())
	jump[3] = reseal(jump[3], t0.Add(20*time.Second), jump[2].Hash())
	e.put(jump...)
	cam3 := chain(prototest.Signer, "room-1", "cam3", "mmmm", t0.Add(-10*time.Minute))
	e.put(cam3[0], reseal(cam3[3], t0.Add(time.Hour), cam3[2].Hash())) // 1 and 2 would span the range
	b, ex := e.export(from, to)

	type hole struct {
		First, Last uint64
		Open        bool
	}
	want := map[string][]hole{"cam1": {{2, 2, false}, {5, 0, true}}, "mic1": {{0, 1, false}, {4, 0, true}}, "cam3": {{1, 2, false}}}
	for _, s := range ex.Manifest.Streams {
		var got []hole
		for _, x := range s.Holes {
			got = append(got, hole{x.FirstSeq, x.LastSeq, x.Open})
		}
		if fmt.Sprint(got) != fmt.Sprint(want[s.Stream]) {
			t.Errorf("%s: holes %v, want %v", s.Stream, got, want[s.Stream])
		}
		if s.Stream == "cam2" && len(s.Segments) != 3 {
			t.Errorf("cam2: %d records, want 3 (the one a clock jump put outside the range included)", len(s.Segments))
		}
	}
	rep := verify(t, b)
	if !errors.Is(rep.Err(), bundle.ErrIncomplete) || len(rep.Holes()) != 5 {
		t.Fatalf("%v, %d holes\n%s", rep.Err(), len(rep.Holes()), dump(rep))
	}
}

// reseal moves a record to another time and predecessor, signed again.
func reseal(s *protocol.Segment, start time.Time, prev string) *protocol.Segment {
	h := s.Header
	h.Start, h.End, h.Prev = start, start.Add(2*time.Second), prev
	for i := range h.Frames {
		h.Frames[i].Time = start.UnixNano()
	}
	out, err := protocol.Seal(h, s.Payload, prototest.Signer)
	if err != nil {
		panic(err)
	}
	return out
}

// TestExportRefuses: what cannot be exported is refused before anything
// is written, with an error that says why.
func TestExportRefuses(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.st.CreateRoom(ctx, "room-3", "第3评标室"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		req  evidence.Request
		want error
	}{
		{"unknown room", evidence.Request{Room: "room-9", From: from, To: to, By: "x"}, store.ErrNotFound},
		{"room without a box", evidence.Request{Room: "room-3", From: from, To: to, By: "x"}, evidence.ErrNotEnrolled},
		{"empty range", evidence.Request{Room: "room-1", From: to, To: to, By: "x"}, evidence.ErrRange},
		{"range over 7 days", evidence.Request{Room: "room-1", From: from, To: from.Add(8 * 24 * time.Hour), By: "x"}, evidence.ErrRange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := evidence.Prepare(ctx, e.st, e.au, c.req, t0); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	if list, _ := e.au.List(ctx, audit.Filter{Action: audit.Export}); len(list) != 0 {
		t.Fatalf("refused exports in the audit log: %+v", list)
	}
}

// TestExportNamesAlteredAuditEntry: an export made while the hub's audit
// log held an altered entry is what the hub exported; the verifier names
// the entry and blames the log, not the file. The same entry edited in
// the file after the export is the file's fault.
func TestExportNamesAlteredAuditEntry(t *testing.T) {
	e := recorded(t)
	list, err := e.au.List(context.Background(), audit.Filter{Action: audit.Playback, Target: "room-1/cam1"})
	if err != nil || len(list) != 1 {
		t.Fatalf("playback entries %+v (%v)", list, err)
	}
	id := list[0].ID
	for _, s := range []string{sqldbtest.DropTrigger(e.st.DB(), "audit_no_update", "audit"), fmt.Sprintf(`UPDATE audit SET detail = 'from seq 3' WHERE id = %d`, id)} {
		if _, err := e.st.DB().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	b, ex := e.export(from, end)
	if len(ex.Manifest.AuditAltered) != 1 || ex.Manifest.AuditAltered[0] != id {
		t.Fatalf("manifest declares %v altered, want [%d]", ex.Manifest.AuditAltered, id)
	}
	rep := verify(t, b)
	out := dump(rep)
	want := fmt.Sprintf("altered    audit-log: audit entry %d (recording.playback room-1/cam1 by regulator@127.0.0.1 at ", id)
	if !errors.Is(rep.Err(), bundle.ErrAuditLogAltered) || !strings.Contains(out, want) ||
		!strings.Contains(out, "the hub's audit log was altered before this export") ||
		!strings.HasPrefix(rep.Summary(), fmt.Sprintf("AUDIT LOG ALTERED: audit entry %d does not match its hash", id)) ||
		strings.Contains(out, "not what the hub exported") {
		t.Fatalf("%v\n%s", rep.Err(), out)
	}

	// The file's own excerpt edited after the export: another entry, not
	// declared, is the file's fault.
	edited := bytes.Replace(b, []byte(`"action": "room.create"`), []byte(`"action": "room.update"`), 1)
	if bytes.Equal(edited, b) {
		t.Fatal("no room.create entry in the excerpt")
	}
	rep = verify(t, edited)
	if out := dump(rep); !errors.Is(rep.Err(), bundle.ErrDamaged) || !strings.Contains(out, "changed after the export") {
		t.Fatalf("%v\n%s", rep.Err(), out)
	}
}
