// Package storetest gives tests of the hub's parts a real store in a temp
// dir, and rooms with enrolled boxes, the way the hub makes them.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/hub/store"
)

// Open opens a new store, on SQLite in a temp dir or on PostgreSQL when
// the run names one (sqldbtest); it is closed when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), sqldbtest.Target(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Enroll makes room (named name) and enrolls publicKey (text form) as its
// box with a one-time token, as an operator and a box would.
func Enroll(t testing.TB, st *store.Store, room, name, publicKey string) {
	t.Helper()
	ctx := context.Background()
	if err := st.CreateRoom(ctx, room, name); err != nil {
		t.Fatal(err)
	}
	tok, _, err := st.IssueToken(ctx, room, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Enroll(ctx, tok, publicKey); err != nil {
		t.Fatal(err)
	}
}
