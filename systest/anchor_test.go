package systest

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
)

// TestAuditChainAnchored runs a hub in secure mode that signs a head of
// its audit log after every entry, copies the signed heads and the public
// key out as an operator would, and then rewrites copies of its data
// directory the ways somebody with the database file could: an edit with
// every hash after it recomputed, entries cut from the end, an edited
// heads file, and all of that with a new key and heads re-signed by it.
// `evalroom-hub audit verify` (the real binary) catches each and names the
// entries, and a hub started on the rewritten log says so on the audit
// page's API.
func TestAuditChainAnchored(t *testing.T) {
	bin := buildHub(t)
	e := startHubWith(t, func(c *server.Config) { c.AuditHeads.Entries = 1 })
	startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	watchMJPEG(t, e, "room-1", "cam1", 2)
	var st audit.Status
	eventually(t, 10*time.Second, "a signed head of the newest entry", func() bool {
		getJSON(t, e, e.url()+"/api/v1/audit/status", &st)
		return st.Verified && st.LastHead != nil && st.LastHead.Seq == st.Entries && st.Entries >= 3
	})
	if st.Key == "" || st.LastHead.SignedAt.IsZero() {
		t.Fatalf("status %+v", st)
	}
	e.shutdown()

	data := e.cfg.DataDir
	outside := t.TempDir() // where the operator ships the heads and keeps the key
	heads := filepath.Join(outside, "heads.jsonl")
	pub := filepath.Join(outside, "signing.pub")
	copyFile(t, filepath.Join(data, audit.Dir, audit.HeadsFile), heads)
	copyFile(t, filepath.Join(data, audit.Dir, audit.PubFile), pub)
	fi, err := os.Stat(filepath.Join(data, audit.Dir, audit.KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit-signing key: %v %v", fi, err)
	}
	verify := func(dir string, extra ...string) (string, error) {
		out, err := exec.Command(bin, append(append([]string{"audit", "verify"}, sqldbtest.Args(t, dir)...), extra...)...).CombinedOutput()
		t.Logf("audit verify %v: %v\n%s", extra, err, out)
		return string(out), err
	}
	outsideFlags := []string{"--heads", heads, "--key", pub}
	if out, err := verify(data, outsideFlags...); err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("untouched log: %v\n%s", err, out)
	}
	last := int64(st.LastHead.Seq)

	t.Run("rewritten", func(t *testing.T) {
		dir := cloneData(t, data)
		rewrite(t, dir, 2, func(actor string) string { return "someone-else" })
		for _, flags := range [][]string{nil, outsideFlags} {
			out, err := verify(dir, flags...)
			if err == nil || !strings.Contains(out, "rewritten") || !namesEntry(out, 2) {
				t.Fatalf("a rewritten log (%v): %v\n%s", flags, err, out)
			}
		}
		// A hub started on it signs nothing more and says so.
		h := startHubWith(t, func(c *server.Config) { c.DataDir = dir })
		var st audit.Status
		getJSON(t, h, h.url()+"/api/v1/audit/status", &st)
		if st.Verified || st.Kind != audit.KindRewritten || st.Entry > 2 || st.LastEntry < 2 {
			t.Fatalf("status of a hub on a rewritten log: %+v", st)
		}
	})

	t.Run("truncated", func(t *testing.T) {
		dir := cloneData(t, data)
		execSQL(t, dir, dropTrigger(t, dir, "audit_no_delete"), `DELETE FROM audit WHERE id > `+strconv.FormatInt(last-2, 10))
		out, err := verify(dir)
		want := "audit entries " + strconv.FormatInt(last-1, 10) + "-" + strconv.FormatInt(last, 10) + " were cut from the end"
		if err == nil || !strings.Contains(out, want) {
			t.Fatalf("a cut log: %v\n%s\nwant %q", err, out, want)
		}
	})

	t.Run("heads file edited", func(t *testing.T) {
		dir := cloneData(t, data)
		path := filepath.Join(dir, audit.Dir, audit.HeadsFile)
		b, _ := os.ReadFile(path)
		lines := bytes.SplitAfter(b, []byte("\n"))
		var h map[string]any
		json.Unmarshal(lines[1], &h)
		h["seq"] = h["seq"].(float64) + 1
		lines[1], _ = json.Marshal(h)
		lines[1] = append(lines[1], '\n')
		os.WriteFile(path, bytes.Join(lines, nil), 0o644)
		out, err := verify(dir)
		if err == nil || !strings.Contains(out, "line 2: the signature does not verify") {
			t.Fatalf("an edited heads file: %v\n%s", err, out)
		}
	})

	// Everything under DATA rewritten: the log, a new key and the heads
	// re-signed with it. Only what was kept outside shows it.
	t.Run("all of DATA forged", func(t *testing.T) {
		dir := cloneData(t, data)
		rewrite(t, dir, 2, func(actor string) string { return "someone-else" })
		os.RemoveAll(filepath.Join(dir, audit.Dir))
		forger, err := audit.LoadOrCreateKey(filepath.Join(dir, audit.Dir))
		if err != nil {
			t.Fatal(err)
		}
		w, err := audit.OpenHeads(filepath.Join(dir, audit.Dir, audit.HeadsFile))
		if err != nil {
			t.Fatal(err)
		}
		db := openDB(t, dir)
		for id := int64(1); id <= last; id++ {
			var hash string
			db.QueryRow(`SELECT hash FROM audit WHERE id = ?`, id).Scan(&hash)
			w.Append(forger.Sign(audit.Head{Seq: id, Hash: hash, SignedAt: time.Now().UTC(), Why: audit.WhyEntries}))
		}
		w.Close()
		db.Close()
		if out, err := verify(dir); err != nil {
			t.Fatalf("the forger's own view should pass: %v\n%s", err, out)
		}
		out, err := verify(dir, outsideFlags...)
		if err == nil || !strings.Contains(out, "signed with key "+forger.KeyID()) || !strings.Contains(out, "rewritten") || !namesEntry(out, 2) {
			t.Fatalf("a forged DATA against the outside copy: %v\n%s", err, out)
		}
	})
}

// namesEntry reports whether out names entry id, alone or in a range, as
// rewritten.
func namesEntry(out string, id int64) bool {
	for _, m := range regexp.MustCompile(`rewritten[^\n]*the change is in audit entr(?:y|ies) (\d+)(?:-(\d+))?`).FindAllStringSubmatch(out, -1) {
		first, _ := strconv.ParseInt(m[1], 10, 64)
		last := first
		if m[2] != "" {
			last, _ = strconv.ParseInt(m[2], 10, 64)
		}
		if first <= id && id <= last {
			return true
		}
	}
	return false
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// cloneData copies a stopped hub's database and audit directory.
func cloneData(t *testing.T, data string) string {
	t.Helper()
	dir := t.TempDir()
	sqldbtest.Clone(t, data, dir)
	for _, f := range []string{"hub.db", "hub.db-wal", "hub.db-shm"} {
		if _, err := os.Stat(filepath.Join(data, f)); err == nil {
			copyFile(t, filepath.Join(data, f), filepath.Join(dir, f))
		}
	}
	os.Mkdir(filepath.Join(dir, audit.Dir), 0o700)
	for _, f := range []string{audit.HeadsFile, audit.KeyFile, audit.PubFile} {
		copyFile(t, filepath.Join(data, audit.Dir, f), filepath.Join(dir, audit.Dir, f))
	}
	return dir
}

func openDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	return sqldbtest.OpenHub(t, dir)
}

// dropTrigger is the statement that removes one of the audit log's guards.
func dropTrigger(t *testing.T, dir, name string) string {
	t.Helper()
	db := openDB(t, dir)
	defer db.Close()
	return sqldbtest.DropTrigger(db, name, "audit")
}

func execSQL(t *testing.T, dir string, stmts ...string) {
	t.Helper()
	db := openDB(t, dir)
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// rewrite edits entry id's actor and recomputes every hash from there on,
// as somebody who knows how the hub hashes its log could.
func rewrite(t *testing.T, dir string, id int64, edit func(string) string) {
	t.Helper()
	db := openDB(t, dir)
	defer db.Close()
	if _, err := db.Exec(sqldbtest.DropTrigger(db, "audit_no_update", "audit")); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT id, at, actor, action, target, detail, hash FROM audit ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID                            int64
		At                            int64
		Actor, Action, Target, Detail string
		Hash                          string
	}
	var list []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.ID, &r.At, &r.Actor, &r.Action, &r.Target, &r.Detail, &r.Hash); err != nil {
			t.Fatal(err)
		}
		list = append(list, r)
	}
	rows.Close()
	prev := ""
	for _, r := range list {
		if r.ID == id {
			r.Actor = edit(r.Actor)
		}
		if r.ID >= id {
			r.Hash = bundle.AuditHash(prev, bundle.AuditFields{ID: r.ID, At: r.At, Actor: r.Actor, Action: r.Action, Target: r.Target, Detail: r.Detail})
			if _, err := db.Exec(`UPDATE audit SET actor = ?, prev = ?, hash = ? WHERE id = ?`, r.Actor, prev, r.Hash, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		prev = r.Hash
	}
}

// TestEvidenceNamesAlteredAuditEntry: a room records, the hub stops, and
// somebody with the database file edits the room's box.enroll entry in the
// audit log. An export made from that database is what the hub exported;
// `evalroom-hub verify-evidence` names the altered entry and says the
// hub's audit log was altered before the export, and fails.
func TestEvidenceNamesAlteredAuditEntry(t *testing.T) {
	bin := buildHub(t)
	e := startHub(t)
	from := time.Now().Add(-time.Minute).UTC()
	startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room-1 records", func() bool {
		segs, err := e.hub.Store().Segments(t.Context(), "room-1", "cam1", from, time.Now().Add(time.Minute), 10)
		return err == nil && len(segs) >= 3
	})
	to := time.Now().UTC()
	e.shutdown()

	var id int64
	db := openDB(t, e.cfg.DataDir)
	if err := db.QueryRow(`SELECT id FROM audit WHERE action = 'box.enroll' AND target = 'room-1'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	db.Close()
	execSQL(t, e.cfg.DataDir, dropTrigger(t, e.cfg.DataDir, "audit_no_update"), `UPDATE audit SET actor = 'someone-else' WHERE id = `+strconv.FormatInt(id, 10))

	file := filepath.Join(t.TempDir(), "room-1.tar")
	if out, err := exec.Command(bin, append(append([]string{"evidence", "export"}, sqldbtest.Args(t, e.cfg.DataDir)...), "--room", "room-1",
		"--from", from.Format(time.RFC3339Nano), "--to", to.Format(time.RFC3339Nano), "--out", file, "--by", "systest")...).CombinedOutput(); err != nil {
		t.Fatalf("evidence export: %v\n%s", err, out)
	}
	b, err := exec.Command(bin, "verify-evidence", "--faults-only", file).CombinedOutput()
	out := string(b)
	t.Logf("verify-evidence: %v\n%s", err, out)
	want := "audit entry " + strconv.FormatInt(id, 10) + " (box.enroll room-1 by someone-else at "
	if err == nil || !strings.Contains(out, want) || !strings.Contains(out, "the hub's audit log was altered before this export") ||
		strings.Contains(out, "not what the hub exported") {
		t.Fatalf("verify-evidence: %v\n%s\nwant %q", err, out, want)
	}
}
