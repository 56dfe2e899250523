// Package sqldbtest gives each test a database of its own on the engine
// the run names: a SQLite file in the test's temp dir, or, when
// EVALROOM_TEST_POSTGRES names a PostgreSQL server (make test's second
// pass, via with-postgres), a fresh database there, dropped when the
// test ends.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/evalroom/evalroom/hub/sqldb"
)

// Env names the PostgreSQL server (a postgres:// URL of a superuser) the
// tests run on; unset, they run on SQLite.
const Env = "EVALROOM_TEST_POSTGRES"

// Postgres reports whether this run's tests use PostgreSQL.
func Postgres() bool { return os.Getenv(Env) != "" }

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// Target is a new, empty database for t, as the hub's --db takes it:
// dir/hub.db on SQLite (dir: a temp dir when ""), a postgres:// URL on
// PostgreSQL.
func Target(t testing.TB, dir string) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		if dir == "" {
			dir = t.TempDir()
		}
		return filepath.Join(dir, "hub.db")
	}
	return create(t, base, "")
}

// create makes a database, a copy of template when one is named, and
// returns its URL; it is dropped when t ends.
func create(t testing.TB, base, template string) string {
	t.Helper()
	adminOnce.Do(func() { admin, adminErr = sqldb.Open(context.Background(), base) })
	if adminErr != nil {
		t.Fatalf("%s: %v", Env, adminErr)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	q := `CREATE DATABASE ` + name
	if template != "" {
		q += ` TEMPLATE ` + template
	}
	if _, err := admin.Exec(q); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open opens a new database for t (Target) with sqldb.Open; it is closed
// when the test ends.
func Open(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), Target(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
