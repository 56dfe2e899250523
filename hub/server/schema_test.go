package server

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/onboarding"
	"github.com/evalroom/evalroom/hub/procurement"
	"github.com/evalroom/evalroom/hub/sqldb"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/hub/store"
	_ "modernc.org/sqlite"
)

// domains are the parts with tables, each with its migrations.
var domains = map[string][]sqldb.Migration{
	store.Domain:  store.Migrations,
	"audit":       audit.Migrations,
	"onboarding":  onboarding.Migrations,
	"procurement": procurement.Migrations,
}

// openAll opens target as the hub does: the store, then each domain's
// tables.
func openAll(t *testing.T, target string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := audit.Open(ctx, st.DB()); err != nil {
		t.Fatal(err)
	}
	if _, err := onboarding.Open(ctx, st.DB()); err != nil {
		t.Fatal(err)
	}
	if _, err := procurement.Open(ctx, st.DB()); err != nil {
		t.Fatal(err)
	}
	return st
}

// A SQLite database written by the hub before versioned migrations
// (testdata: its schema as it made it, with rows) opens and upgrades
// with its rows; a new database (PostgreSQL in the PostgreSQL pass)
// reaches the same version of every domain, with the same tables and
// columns.
func TestOldSQLiteAndNewDatabaseReachOneSchema(t *testing.T) {
	ctx := context.Background()
	old, err := os.ReadFile("testdata/schema-ae1be42.sql")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hub.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	if _, err := raw.Exec(string(old) + `
		INSERT INTO jurisdictions(code, name) VALUES('450206', '柳州市柳江区');
		INSERT INTO rooms(id, name, created_at, jurisdiction) VALUES('room-1', '第1评标室', ` + strconv.FormatInt(created.UnixNano(), 10) + `, '450206');
		INSERT INTO segments(room, stream, seq, last_seq, record, start_ns, end_ns, hash, chain, prev, size, path, stored_at, offset)
			VALUES('room-1', 'cam1', 0, 0, 'media', 1, 2, 'h0', 'c0', '', 11, 'packs/room-1/000001.pack', 3, 0);
		INSERT INTO exam_attempts(user, agency, bank, started_at, deadline, questions, answers) VALUES('li', 'lz', 'b', 1, 2, '[]', '[]');`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	upgraded := openAll(t, path)
	r, err := upgraded.Room(ctx, "room-1")
	if err != nil || r.Name != "第1评标室" || r.Jurisdiction.Code != "450206" || !r.CreatedAt.Equal(created) {
		t.Fatalf("room-1 after the upgrade: %+v %v", r, err)
	}
	if seg, err := upgraded.Segment(ctx, "room-1", "cam1", 0); err != nil || seg.Offset != 0 || seg.Size != 11 {
		t.Fatalf("segment after the upgrade: %+v %v", seg, err)
	}
	fresh := openAll(t, sqldbtest.Target(t, ""))
	for domain, steps := range domains {
		for what, st := range map[string]*store.Store{"upgraded SQLite": upgraded, "new " + string(sqldb.DialectOf(fresh.DB())): fresh} {
			if v, err := sqldb.Version(ctx, st.DB(), domain); err != nil || v != len(steps) {
				t.Errorf("%s: %s at version %d (%v), want %d", what, domain, v, err, len(steps))
			}
		}
	}
	a, b := schemaOf(t, upgraded.DB()), schemaOf(t, fresh.DB())
	if !reflect.DeepEqual(a, b) {
		t.Errorf("tables and columns differ:\nupgraded SQLite %v\nnew %s        %v", a, sqldb.DialectOf(fresh.DB()), b)
	}
	// The upgraded database takes what this version writes.
	if _, err := upgraded.AddRoom(ctx, store.Room{ID: "room-2", Name: "第2评标室", Jurisdiction: store.Jurisdiction{Code: "450206"}}); err != nil {
		t.Fatal(err)
	}
}

// schemaOf lists each table's columns (rowid, which PostgreSQL tables
// carry where SQLite has it built in, left out).
func schemaOf(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	d := sqldb.DialectOf(db)
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if d == sqldb.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, table := range tables {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		cols, err := sqldb.Columns(context.Background(), tx, d, table)
		tx.Rollback()
		if err != nil {
			t.Fatal(err)
		}
		delete(cols, "rowid")
		for c := range cols {
			out[table] = append(out[table], c)
		}
		slices.Sort(out[table])
	}
	return out
}
