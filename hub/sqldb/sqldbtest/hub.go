package sqldbtest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sync"
	"testing"

	"github.com/evalroom/evalroom/hub/sqldb"
)

// hubs maps a hub's data directory to its PostgreSQL database, so that a
// hub started again on the same directory, and the commands run on it,
// find the same database.
var hubs sync.Map

// For is the --db of the hub whose data directory is dir: "" (hub.db in
// dir) on SQLite, and on PostgreSQL a database of its own, the same one
// for every call with dir.
func For(t testing.TB, dir string) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		return ""
	}
	if u, ok := hubs.Load(dir); ok {
		return u.(string)
	}
	u := create(t, base, "")
	hubs.Store(dir, u)
	return u
}

// Args are the flags a command gets to find the hub of data directory
// dir: --data, and --db on PostgreSQL.
func Args(t testing.TB, dir string) []string {
	t.Helper()
	if db := For(t, dir); db != "" {
		return []string{"--data", dir, "--db", db}
	}
	return []string{"--data", dir}
}

// Clone gives the hub of data directory to a copy of the database of the
// stopped hub of from (on SQLite the database is a file in the directory,
// which the caller copies).
func Clone(t testing.TB, from, to string) {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		return
	}
	u, err := url.Parse(For(t, from))
	if err != nil {
		t.Fatal(err)
	}
	hubs.Store(to, create(t, base, path.Base(u.Path)))
}

// OpenHub opens the database of the hub of data directory dir, as
// somebody with access to it could.
func OpenHub(t testing.TB, dir string) *sql.DB {
	t.Helper()
	target := For(t, dir)
	if target == "" {
		target = filepath.Join(dir, "hub.db")
	}
	db, err := sqldb.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// DropTrigger is the statement that removes trigger name from table.
func DropTrigger(db *sql.DB, name, table string) string {
	if sqldb.DialectOf(db) == sqldb.Postgres {
		return `DROP TRIGGER ` + name + ` ON ` + table
	}
	return `DROP TRIGGER ` + name
}

// RefuseInserts is the statement that makes every insert into table fail
// with msg, as a full disk would: a trigger named name (DropTrigger
// removes it).
func RefuseInserts(db *sql.DB, name, table, msg string) string {
	if sqldb.DialectOf(db) == sqldb.Postgres {
		return `CREATE FUNCTION ` + name + `_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '` + msg + `'; END $$;
CREATE TRIGGER ` + name + ` BEFORE INSERT ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION ` + name + `_refuse()`
	}
	return `CREATE TRIGGER ` + name + ` BEFORE INSERT ON ` + table + ` BEGIN SELECT RAISE(ABORT, '` + msg + `'); END`
}
