package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/hub/store"
)

func TestUserAndTokenCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	db := sqldbtest.For(t, data)
	var out bytes.Buffer
	add := []string{"add", "--data", data, "--db", db, "--username", "li-jian", "--role", "regulator", "--scope", "450206", "--password-stdin"}
	if err := userCmd(ctx, add, strings.NewReader("correct horse battery\n"), &out); err != nil {
		t.Fatal(err)
	}
	if err := userCmd(ctx, add, strings.NewReader("correct horse battery\n"), &out); err == nil {
		t.Fatal("the same user was added twice")
	}
	for _, bad := range [][]string{
		{"add", "--data", data, "--db", db, "--username", "x", "--role", "regulator", "--scope", "4502"},
		{"add", "--data", data, "--db", db, "--username", "x", "--role", "admin"},
		{"add", "--data", data, "--db", db, "--username", "X_1", "--role", "expert"},
	} {
		if err := userCmd(ctx, bad, strings.NewReader(""), &out); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
	out.Reset()
	if err := userCmd(ctx, []string{"passwd", "--data", data, "--db", db, "--username", "li-jian"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	made := strings.TrimSpace(out.String()[strings.Index(out.String(), "shown once): ")+len("shown once): "):])
	out.Reset()
	if err := tokenCmd(ctx, []string{"create", "--data", data, "--db", db, "--role", "operator"}, &out); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())

	st, err := store.OpenDir(ctx, data, db, store.Existing)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByName(ctx, "li-jian")
	if err != nil || u.Role != "regulator" || u.Scope != "450206" {
		t.Fatalf("%+v %v", u, err)
	}
	if ok, _ := auth.CheckPassword(u.PassHash, made); !ok {
		t.Fatal("the password passwd printed does not sign in")
	}
	at, err := st.APITokenBySecret(ctx, tok)
	if err != nil || at.Role != "operator" {
		t.Fatalf("token: %+v %v", at, err)
	}
	// Without --ttl a token still ends: after DefaultTokenTTL.
	if left := time.Until(at.Expires); at.Expires.IsZero() || left > DefaultTokenTTL || left < DefaultTokenTTL-time.Hour {
		t.Fatalf("a token made without --ttl expires at %v, want in %s", at.Expires, DefaultTokenTTL)
	}
	for _, ttl := range []string{"0", "-1h", "20000h"} {
		if err := tokenCmd(ctx, []string{"create", "--data", data, "--db", db, "--role", "operator", "--ttl", ttl}, &out); err == nil || !strings.Contains(err.Error(), "--ttl") {
			t.Errorf("--ttl %s: %v, want an error naming --ttl", ttl, err)
		}
	}
}
