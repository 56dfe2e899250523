package audit

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/evalroom/evalroom/hub/sqldb"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
)

func newLog(t *testing.T) (*Log, *sql.DB) {
	t.Helper()
	db := sqldbtest.Open(t)
	l, err := Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, a := range []string{RoomCreate, BoxEnroll, LiveView, Playback, Export, AlertAck} {
		if _, err := l.Record(ctx, "regulator-7", a, "room-1", string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	return l, db
}

func TestVerifyIntactLog(t *testing.T) {
	l, _ := newLog(t)
	n, err := l.Verify(context.Background())
	if err != nil || n != 6 {
		t.Fatalf("Verify = %d, %v", n, err)
	}
	list, err := l.List(context.Background(), Filter{Action: Playback})
	if err != nil || len(list) != 1 || list[0].ID != 4 {
		t.Fatalf("List = %+v, %v", list, err)
	}
}

func TestAppendOnly(t *testing.T) {
	_, db := newLog(t)
	if _, err := db.Exec(`UPDATE audit SET actor = 'x' WHERE id = 2`); err == nil {
		t.Fatal("update allowed")
	}
	if _, err := db.Exec(`DELETE FROM audit WHERE id = 2`); err == nil {
		t.Fatal("delete allowed")
	}
}

// tamper drops the guards, as somebody with the database file could, and
// runs stmts.
func tamper(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range append([]string{sqldbtest.DropTrigger(db, "audit_no_update", "audit"), sqldbtest.DropTrigger(db, "audit_no_delete", "audit")}, stmts...) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestVerifyNamesTheBadEntry(t *testing.T) {
	cases := []struct {
		name  string
		stmts []string
		id    int64
	}{
		{"edited actor", []string{`UPDATE audit SET actor = 'nobody' WHERE id = 3`}, 3},
		{"edited detail", []string{`UPDATE audit SET detail = 'z' WHERE id = 5`}, 5},
		{"removed", []string{`DELETE FROM audit WHERE id = 4`}, 4},
		{"reordered", []string{
			`UPDATE audit SET id = 100 WHERE id = 2`, `UPDATE audit SET id = 2 WHERE id = 3`, `UPDATE audit SET id = 3 WHERE id = 100`,
		}, 2},
		{"rehashed edit", []string{`UPDATE audit SET target = 'room-2', hash = 'x' WHERE id = 2`}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, db := newLog(t)
			tamper(t, db, c.stmts...)
			_, err := l.Verify(context.Background())
			var f *Fault
			if !errors.As(err, &f) || f.ID != c.id {
				t.Fatalf("Verify = %v, want a fault at entry %d", err, c.id)
			}
		})
	}
}

// Two hubs (or the hub and a command) appending to one log at once keep
// one unbroken chain: each append reads the head and writes after it in
// one write transaction.
func TestAppendsFromTwoHandlesStayChained(t *testing.T) {
	ctx := context.Background()
	target := sqldbtest.Target(t, "")
	var logs []*Log
	for range 2 {
		db, err := sqldb.Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		l, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, l)
	}
	const each = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for _, l := range logs {
		wg.Go(func() {
			for i := range each {
				_, err := l.Record(ctx, "op", LiveView, "room-1", strconv.Itoa(i))
				errs <- err
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
	if n, err := logs[0].Verify(ctx); err != nil || n != 2*each {
		t.Fatalf("Verify = %d, %v; want %d entries in one chain", n, err, 2*each)
	}
}
