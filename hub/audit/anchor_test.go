package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// recompute rewrites the log from entry id on as somebody with the
// database file could: edit sets the entry's new content, and every hash
// from there on is computed again, so the chain's own hashes verify.
func recompute(t *testing.T, db *sql.DB, id int64, edit func(*Entry)) {
	t.Helper()
	tamper(t, db)
	rows, err := db.Query(`SELECT id, at, actor, action, target, detail, prev, hash FROM audit ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	list, err := scan(rows)
	rows.Close()
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for _, e := range list {
		if e.ID == id {
			edit(&e)
		}
		if e.ID >= id {
			e.Prev = prev
			e.Hash = digest(e)
			if _, err := db.Exec(`UPDATE audit SET actor = ?, detail = ?, prev = ?, hash = ? WHERE id = ?`, e.Actor, e.Detail, e.Prev, e.Hash, e.ID); err != nil {
				t.Fatal(err)
			}
		}
		prev = e.Hash
	}
}

// headsAt signs heads of the log at the given entries, as the anchor
// would have.
func headsAt(t *testing.T, db *sql.DB, s *Signer, seqs ...int64) []Head {
	t.Helper()
	var out []Head
	for _, seq := range seqs {
		var hash string
		if err := db.QueryRow(`SELECT hash FROM audit WHERE id = ?`, seq).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		out = append(out, s.Sign(Head{Seq: seq, Hash: hash, SignedAt: time.Now().UTC(), Why: WhyInterval}))
	}
	return out
}

func newSigner(t *testing.T) *Signer {
	t.Helper()
	s, err := LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCheckHeadsIntact(t *testing.T) {
	l, db := newLog(t)
	s := newSigner(t)
	c, err := l.CheckHeads(context.Background(), headsAt(t, db, s, 2, 6))
	if err != nil || !c.OK() || c.Entries != 6 || c.Latest == nil || c.Latest.Seq != 6 {
		t.Fatalf("CheckHeads = %+v, %v", c, err)
	}
}

// A log rewritten after an edit, every hash recomputed, passes its own
// chain check; the signed heads catch it and name where it changed.
func TestCheckHeadsRewritten(t *testing.T) {
	for _, c := range []struct {
		name        string
		seqs        []int64
		first, last int64
	}{
		{"a head at every entry", []int64{1, 2, 3, 4, 5, 6}, 4, 4},
		{"heads at 2 and 6", []int64{2, 6}, 3, 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, db := newLog(t)
			s := newSigner(t)
			heads := headsAt(t, db, s, c.seqs...)
			recompute(t, db, 4, func(e *Entry) { e.Actor = "nobody" })
			if _, err := l.Verify(context.Background()); err != nil {
				t.Fatalf("the recomputed chain should pass its own check: %v", err)
			}
			got, err := l.CheckHeads(context.Background(), heads)
			if err != nil || len(got.Findings) != 1 {
				t.Fatalf("CheckHeads = %+v, %v", got, err)
			}
			f := got.Findings[0]
			if f.Kind != KindRewritten || f.First != c.first || f.Last != c.last || !strings.Contains(f.Text, entries(c.first, c.last)) {
				t.Fatalf("finding %+v, want %s", f, entries(c.first, c.last))
			}
		})
	}
}

func TestCheckHeadsTruncated(t *testing.T) {
	l, db := newLog(t)
	heads := headsAt(t, db, newSigner(t), 3, 6)
	tamper(t, db, `DELETE FROM audit WHERE id >= 5`)
	if n, err := l.Verify(context.Background()); err != nil || n != 4 {
		t.Fatalf("the cut chain should pass its own check: %d %v", n, err)
	}
	c, err := l.CheckHeads(context.Background(), heads)
	if err != nil || len(c.Findings) != 1 {
		t.Fatalf("CheckHeads = %+v, %v", c, err)
	}
	if f := c.Findings[0]; f.Kind != KindTruncated || f.First != 5 || f.Last != 6 || !strings.Contains(f.Text, "audit entries 5-6 were cut from the end") {
		t.Fatalf("finding %+v", f)
	}
}

func TestCheckHeadsPlainEdit(t *testing.T) {
	l, db := newLog(t)
	heads := headsAt(t, db, newSigner(t), 6)
	tamper(t, db, `UPDATE audit SET detail = 'zz' WHERE id = 2`)
	c, err := l.CheckHeads(context.Background(), heads)
	if err != nil || len(c.Findings) != 1 || c.Findings[0].Kind != KindAltered || c.Findings[0].First != 2 {
		t.Fatalf("CheckHeads = %+v, %v", c, err)
	}
}

func TestReadHeadsRefusesForgedLines(t *testing.T) {
	_, db := newLog(t)
	s := newSigner(t)
	other := newSigner(t)
	var buf bytes.Buffer
	w := func(h Head) {
		b, _ := jsonLine(h)
		buf.Write(b)
	}
	good := headsAt(t, db, s, 1, 2, 3)
	w(good[0])
	edited := good[1]
	edited.Seq = 5 // moved to another entry, signature kept
	w(edited)
	w(headsAt(t, db, other, 3)[0]) // another key
	buf.WriteString("not json\n")
	w(good[2])
	buf.WriteString(`{"v":1,"seq":`) // torn
	heads, bad, torn, err := ReadHeads(&buf, s.Public())
	if err != nil || len(heads) != 2 || !torn {
		t.Fatalf("ReadHeads = %d heads, %v, torn %v, %v", len(heads), bad, torn, err)
	}
	want := []BadLine{{2, "forged or edited"}, {3, "signed with key " + other.KeyID()}, {4, "not a signed head"}}
	if len(bad) != len(want) {
		t.Fatalf("bad lines %+v", bad)
	}
	for i, b := range bad {
		if b.Line != want[i].Line || !strings.Contains(b.Reason, want[i].Reason) {
			t.Errorf("bad line %+v, want %+v", b, want[i])
		}
	}
}

func jsonLine(h Head) ([]byte, error) {
	var buf bytes.Buffer
	f, err := os.CreateTemp("", "head")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	w := &HeadWriter{f: f}
	if err := w.Append(h); err != nil {
		return nil, err
	}
	w.Close()
	b, err := os.ReadFile(f.Name())
	buf.Write(b)
	return buf.Bytes(), err
}

func TestKeyIsPrivateAndStable(t *testing.T) {
	dir := t.TempDir()
	s, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi.Mode(), err)
	}
	again, err := LoadOrCreateKey(dir)
	if err != nil || again.KeyID() != s.KeyID() {
		t.Fatalf("reloaded %v, %v", again, err)
	}
	pub, err := ReadPublicKey(filepath.Join(dir, PubFile))
	if err != nil || !pub.Equal(s.Public()) {
		t.Fatalf("public key %v, %v", pub, err)
	}
	os.Chmod(filepath.Join(dir, KeyFile), 0o644)
	if _, err := LoadOrCreateKey(dir); err == nil {
		t.Fatal("a key others can read was accepted")
	}
}

func readHeadsFile(t *testing.T, path string, pub ed25519.PublicKey) []Head {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heads, bad, torn, err := ReadHeads(f, pub)
	if err != nil || len(bad) > 0 || torn {
		t.Fatalf("heads file: %v %v %v", bad, torn, err)
	}
	return heads
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The anchor signs a head at start, after every few entries and at Close,
// each line signed and synced; the heads verify the log.
func TestAnchorSignsHeads(t *testing.T) {
	l, _ := newLog(t)
	s := newSigner(t)
	path := filepath.Join(t.TempDir(), HeadsFile)
	ctx := context.Background()
	a, err := StartAnchor(ctx, l, s, path, AnchorConfig{Every: time.Hour, Entries: 3}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if st := a.Status(); !st.Verified || st.LastHead == nil || st.LastHead.Seq != 6 || st.LastHead.Why != WhyStart {
		t.Fatalf("status at start %+v", st)
	}
	for range 3 {
		if _, err := l.Record(ctx, "x", LiveView, "room-1/cam1", ""); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "a head at entry 9", func() bool { h := a.Status().LastHead; return h != nil && h.Seq == 9 })
	if _, err := l.Record(ctx, "x", LiveView, "room-1/cam1", ""); err != nil {
		t.Fatal(err)
	}
	a.Close()
	a.Wait()
	heads := readHeadsFile(t, path, s.Public())
	if len(heads) != 3 || heads[1].Why != WhyEntries || heads[2].Seq != 10 || heads[2].Why != WhyShutdown {
		t.Fatalf("heads %+v", heads)
	}
	c, err := l.CheckHeads(ctx, heads)
	if err != nil || !c.OK() {
		t.Fatalf("CheckHeads = %+v, %v", c, err)
	}

	// Started again on the same log, it checks it against the heads.
	a, err = StartAnchor(ctx, l, s, path, AnchorConfig{}, slog.New(slog.DiscardHandler))
	if err != nil || !a.Status().Verified {
		t.Fatalf("restart: %+v %v", a.Status(), err)
	}
	a.Close()
}

// A rewrite while the hub runs, or between runs, stops the signing and the
// status names it.
func TestAnchorSeesRewrite(t *testing.T) {
	l, db := newLog(t)
	s := newSigner(t)
	path := filepath.Join(t.TempDir(), HeadsFile)
	ctx := context.Background()
	cfg := AnchorConfig{Every: time.Hour, Entries: 1}
	a, err := StartAnchor(ctx, l, s, path, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	recompute(t, db, 5, func(e *Entry) { e.Detail = "changed" })
	if _, err := l.Record(ctx, "x", LiveView, "room-1/cam1", ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the rewrite seen", func() bool { return !a.Status().Verified })
	if st := a.Status(); st.Kind != KindRewritten || st.Entry != 1 || st.LastEntry != 6 || st.LastHead.Seq != 6 {
		t.Fatalf("status %+v", st)
	}
	a.Close()
	heads := readHeadsFile(t, path, s.Public())
	if len(heads) != 1 {
		t.Fatalf("heads signed over a rewritten log: %+v", heads)
	}

	a, err = StartAnchor(ctx, l, s, path, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if st := a.Status(); st.Verified || st.Kind != KindRewritten || !strings.Contains(st.Problem, "audit entries 1-6") {
		t.Fatalf("status after restart %+v", st)
	}
}

// A torn last line, left by a crash while it was written, is cut off when
// the file is opened again.
func TestOpenHeadsCutsTornLine(t *testing.T) {
	_, db := newLog(t)
	s := newSigner(t)
	path := filepath.Join(t.TempDir(), HeadsFile)
	line, err := jsonLine(headsAt(t, db, s, 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, append(line, line[:20]...), 0o644)
	w, err := OpenHeads(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(headsAt(t, db, s, 3)[0]); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if heads := readHeadsFile(t, path, s.Public()); len(heads) != 2 || heads[1].Seq != 3 {
		t.Fatalf("heads %+v", heads)
	}
}
