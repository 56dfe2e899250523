package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/hub/sqldb"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
)

var steps = []sqldb.Migration{
	{Version: 1, SQL: `CREATE TABLE notes (id {{id}}, body TEXT NOT NULL, data {{blob}}, at BIGINT NOT NULL)`},
	{Version: 2, SQL: `CREATE INDEX notes_at ON notes(at)`},
}

// Steps run once each, in order, and are recorded; a database of a newer
// version is refused.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	if err := sqldb.Migrate(ctx, db, "notes", steps[:1]); err != nil {
		t.Fatal(err)
	}
	for range 2 { // step 2 runs once: a second CREATE INDEX would fail
		if err := sqldb.Migrate(ctx, db, "notes", steps); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := sqldb.Version(ctx, db, "notes"); err != nil || v != 2 {
		t.Fatalf("version %d (%v), want 2", v, err)
	}
	var id int64
	if err := db.QueryRow(`INSERT INTO notes(body, data, at) VALUES(?, ?, ?) RETURNING id`, "first", []byte{0, 1, 2}, int64(1)<<62).Scan(&id); err != nil || id != 1 {
		t.Fatalf("id %d (%v), want 1", id, err)
	}
	var data []byte
	var at int64
	if err := db.QueryRow(`SELECT data, at FROM notes WHERE id = ?`, id).Scan(&data, &at); err != nil || string(data) != "\x00\x01\x02" || at != int64(1)<<62 {
		t.Fatalf("read back %q %d (%v)", data, at, err)
	}
	err := sqldb.Migrate(ctx, db, "notes", steps[:1])
	if err == nil || !strings.Contains(err.Error(), "at version 2, this hub knows up to 1") {
		t.Fatalf("an older hub on a newer database: %v", err)
	}
	if err := sqldb.Migrate(ctx, db, "other", []sqldb.Migration{{Version: 2, SQL: "SELECT 1"}}); err == nil {
		t.Fatal("steps numbered from 2 accepted")
	}
}

// A step that fails leaves nothing of itself and is not recorded.
func TestMigrateFailedStepChangesNothing(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	bad := []sqldb.Migration{{Version: 1, SQL: `CREATE TABLE half (x BIGINT); CREATE TABLE broken (`}}
	if err := sqldb.Migrate(ctx, db, "half", bad); err == nil {
		t.Fatal("a broken step ran")
	}
	if _, err := db.Exec(`SELECT x FROM half`); err == nil {
		t.Fatal("the broken step's first table is there")
	}
	if err := sqldb.Migrate(ctx, db, "half", []sqldb.Migration{{Version: 1, SQL: `CREATE TABLE half (x BIGINT)`}}); err != nil {
		t.Fatalf("the step again, fixed: %v", err)
	}
}
