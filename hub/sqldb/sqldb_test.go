package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/evalroom/evalroom/hub/sqldb"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
)

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`SELECT '?' || ? FROM t WHERE "who?" = ?`, `SELECT '?' || $1 FROM t WHERE "who?" = $2`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{"SELECT ? -- a comment?\n, ?", "SELECT $1 -- a comment?\n, $2"},
		{`INSERT INTO t VALUES(?,?,?)`, `INSERT INTO t VALUES($1,$2,$3)`},
	} {
		if got := sqldb.Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A target that cannot work is refused with what to fix, the password
// left out.
func TestOpenRefusesBadTargets(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ target, want string }{
		{"mysql://u@h:3306/hub", "not a SQLite path or a postgres://USER@HOST:PORT/DB?sslmode=disable URL"},
		{"postgres://u:secret@127.0.0.1:5432", "name the database after the host"},
		{"postgres://u:secret@127.0.0.1:1/hub?sslmode=disable", `cannot reach PostgreSQL database "hub" as user "u" at 127.0.0.1:1`},
		{"postgres://u@127.0.0.1:5432/hub?sslmode=sometimes", "give postgres://USER@HOST:PORT/DB?sslmode=disable"},
	} {
		db, err := sqldb.Open(ctx, c.target)
		if err == nil {
			db.Close()
			t.Errorf("%s opened", c.target)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v\nwant it to say %q, without the password", c.target, err, c.want)
		}
	}
}

// Both engines' unique violations are ErrUnique.
func TestUniqueViolation(t *testing.T) {
	db := sqldbtest.Open(t)
	if _, err := db.Exec(`CREATE TABLE u (k TEXT PRIMARY KEY, v TEXT UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO u(k, v) VALUES(?, ?)`, "a", "x"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`INSERT INTO u(k, v) VALUES('a', 'y')`, `INSERT INTO u(k, v) VALUES('b', 'x')`} {
		_, err := db.Exec(q)
		if err == nil || !sqldb.IsUnique(err) || !errors.Is(sqldb.Classify(err), sqldb.ErrUnique) {
			t.Errorf("%s: %v, want ErrUnique", q, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO nowhere VALUES(1)`); sqldb.IsUnique(err) {
		t.Errorf("a missing table is no unique violation: %v", err)
	}
}

// A read-then-write in a transaction holds with writers at once, from
// two handles as from two processes: transactions queue for the write
// lock on PostgreSQL as for SQLite's one writer.
func TestWriteTransactionsQueue(t *testing.T) {
	target := sqldbtest.Target(t, "")
	ctx := context.Background()
	var handles []*sql.DB
	for range 2 {
		db, err := sqldb.Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		handles = append(handles, db)
	}
	if _, err := handles[0].Exec(`CREATE TABLE counter (n BIGINT NOT NULL); INSERT INTO counter VALUES (0)`); err != nil {
		t.Fatal(err)
	}
	const each = 25
	var wg sync.WaitGroup
	errs := make(chan error, 8*each)
	for w := range 8 {
		db := handles[w%2]
		wg.Go(func() {
			for range each {
				errs <- func() error {
					tx, err := db.BeginTx(ctx, nil)
					if err != nil {
						return err
					}
					defer tx.Rollback()
					var n int64
					if err := tx.QueryRow(`SELECT n FROM counter`).Scan(&n); err != nil {
						return err
					}
					if _, err := tx.Exec(`UPDATE counter SET n = ?`, n+1); err != nil {
						return err
					}
					return tx.Commit()
				}()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int64
	if err := handles[1].QueryRow(`SELECT n FROM counter`).Scan(&n); err != nil || n != 8*each {
		t.Fatalf("counter = %d (%v), want %d: a transaction's write was lost", n, err, 8*each)
	}
}

// Booleans are stored as the 0 and 1 the schema holds them in.
func TestBooleansAreIntegers(t *testing.T) {
	db := sqldbtest.Open(t)
	if _, err := db.Exec(`CREATE TABLE b (v BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO b(v) VALUES(?), (?)`, true, false); err != nil {
		t.Fatal(err)
	}
	var sum int64
	var yes bool
	if err := db.QueryRow(`SELECT SUM(v), MAX(v) FROM b`).Scan(&sum, &yes); err != nil || sum != 1 || !yes {
		t.Fatalf("sum %d, max %v (%v), want 1, true", sum, yes, err)
	}
}
