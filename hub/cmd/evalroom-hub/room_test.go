package main

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/hub/store"
)

func TestRoomCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	d := sqldbtest.Args(t, data)
	for _, step := range []struct {
		args []string
		out  string // a line the output contains (runs of spaces are one)
		err  string // the start of the error, if it fails
	}{
		{args: []string{"add", "--id", "room-7", "--name", "第7评标室"}, out: "room room-7: enrollment token"},
		{args: []string{"add", "--id", "room-8", "--name", "第8评标室", "--jurisdiction", "450206", "--jurisdiction-name", "柳州市柳江区",
			"--agency", "lz-shifan", "--agency-name", "柳州示范招标代理有限公司"}, out: "room room-8: enrollment token"},
		{args: []string{"add", "--id", "room-9", "--name", "x", "--jurisdiction", "450203"}, err: "--jurisdiction-name: jurisdiction 450203 is new to this hub"},
		{args: []string{"add", "--id", "room-9", "--name", "x", "--jurisdiction", "4502"}, err: `--jurisdiction: "4502" is not an administrative division code`},
		{args: []string{"add", "--id", "room-9", "--name", "x", "--agency-name", "某公司"}, err: "--agency-name needs --agency ID"},
		// An existing room: a new token, and the owner flags apply.
		{args: []string{"add", "--id", "room-7", "--name", "第7评标室", "--jurisdiction", "450206"}, out: "room room-7: enrollment token"},
		{args: []string{"set", "--id", "room-7", "--agency", "lz-shifan"}, out: "room room-7: agency: (none) → lz-shifan 柳州示范招标代理有限公司"},
		{args: []string{"set", "--id", "room-7", "--agency", "lz-shifan"}, out: "room room-7: nothing changed"},
		{args: []string{"set", "--id", "room-8", "--agency", "-"}, out: "room room-8: agency: lz-shifan 柳州示范招标代理有限公司 → (none)"},
		{args: []string{"set", "--id", "room-8", "--jurisdiction", "450206", "--jurisdiction-name", "柳江区"}, out: "jurisdiction 450206 renamed: 柳州市柳江区 → 柳江区 (2 rooms)"},
		{args: []string{"set", "--id", "room-9", "--name", "x"}, err: "no room room-9"},
		{args: []string{"set", "--id", "room-8"}, err: "nothing to change"},
		{args: []string{"set", "--id", "room-8", "--agency", "-", "--agency-name", "x"}, err: "- clears"},
		{args: []string{"list", "--agency", "lz-shifan"}, out: "room-7  第7评标室  450206 柳江区  lz-shifan 柳州示范招标代理有限公司  not enrolled"},
	} {
		var out strings.Builder
		args := append(append(step.args[:1:1], d...), step.args[1:]...)
		err := roomCmd(ctx, args, &out)
		switch {
		case step.err != "" && (err == nil || !strings.HasPrefix(err.Error(), step.err)):
			t.Fatalf("room %v: error %v, want %q…", step.args, err, step.err)
		case step.err == "" && err != nil:
			t.Fatalf("room %v: %v", step.args, err)
		case !strings.Contains(squeeze(out.String()), squeeze(step.out)):
			t.Fatalf("room %v printed:\n%s\nwant a line with %q", step.args, out.String(), step.out)
		}
	}

	st, err := store.OpenDir(ctx, data, sqldbtest.For(t, data), store.Existing)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := audit.Open(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	list, err := l.List(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(list) - 1; i >= 0; i-- {
		if !strings.HasSuffix(list[i].Actor, "@cli") {
			t.Errorf("entry %d: actor %q", list[i].ID, list[i].Actor)
		}
		got = append(got, list[i].Action+" "+list[i].Target+": "+list[i].Detail)
	}
	want := []string{
		"room.create room-7: 第7评标室",
		"room.create room-8: 第8评标室; jurisdiction: 450206 柳州市柳江区; agency: lz-shifan 柳州示范招标代理有限公司",
		"room.update room-7: jurisdiction: (none) → 450206 柳州市柳江区",
		"room.token room-7: new enrollment token",
		"room.update room-7: agency: (none) → lz-shifan 柳州示范招标代理有限公司",
		"room.update room-8: agency: lz-shifan 柳州示范招标代理有限公司 → (none)",
		"jurisdiction.rename 450206: 柳州市柳江区 → 柳江区 (2 rooms)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n, err := l.Verify(ctx); err != nil || n != int64(len(want)) {
		t.Fatalf("audit verify: %d entries, %v", n, err)
	}
}

// squeeze makes every run of spaces one: tabwriter pads by bytes, not by
// how wide Chinese characters are.
func squeeze(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	return strings.Join(lines, "\n")
}

// A --db that cannot work stops the command with what to fix, and makes
// nothing in the data directory.
func TestBadDatabaseIsNamed(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	for _, c := range []struct{ db, want string }{
		{"postgres://evalroom@127.0.0.1:1/evalroom?sslmode=disable", `cannot reach PostgreSQL database "evalroom" as user "evalroom" at 127.0.0.1:1`},
		{"mysql://u@h/hub", "not a SQLite path or a postgres://USER@HOST:PORT/DB?sslmode=disable URL"},
	} {
		err := roomCmd(ctx, []string{"add", "--data", data, "--db", c.db, "--id", "room-1", "--name", "x"}, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--db %s: %v, want it to say %q", c.db, err, c.want)
		}
	}
	// A database no hub has made is not read as an empty hub.
	if err := roomCmd(ctx, []string{"list", "--data", data, "--db", sqldbtest.Target(t, "")}, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "no hub database at") {
		t.Errorf("room list on a database no hub made: %v", err)
	}
	if left, _ := os.ReadDir(data); len(left) != 0 {
		t.Errorf("the data directory holds %v after refused commands", left)
	}
	if _, err := serveConfig([]string{"--db", "postgres://u@h:5432"}); err == nil || !strings.Contains(err.Error(), "database: postgres://u@h:5432: give postgres://USER@HOST:PORT/DB") {
		t.Errorf("serve --db without a database name: %v", err)
	}
}
