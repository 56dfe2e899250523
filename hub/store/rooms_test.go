package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
)

// v1Rooms is the rooms and tokens schema of the first version, before
// rooms had owners: a database the hub must still open.
const v1Rooms = `
CREATE TABLE rooms (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	public_key  TEXT NOT NULL DEFAULT '',
	enrolled_at INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE TABLE enroll_tokens (
	token_hash TEXT PRIMARY KEY,
	room       TEXT NOT NULL REFERENCES rooms(id),
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO rooms(id, name, public_key, enrolled_at, created_at) VALUES
	('room-1', '第1评标室', 'ed25519:old-key', 1767225600000000000, 1767225500000000000),
	('room-2', '第2评标室', '', 0, 1767225500000000000);
`

var (
	liujiang = Jurisdiction{Code: "450206", Name: "柳州市柳江区"}
	chengzh  = Jurisdiction{Code: "450202", Name: "柳州市城中区"}
	shifan   = Agency{ID: "lz-shifan", Name: "柳州示范招标代理有限公司"}
	yangli   = Agency{ID: "gx-yangli", Name: "广西样例项目管理有限公司"}
)

func openTest(t *testing.T, path string) *Store {
	t.Helper()
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newTest(t *testing.T) *Store {
	t.Helper()
	return openTest(t, sqldbtest.Target(t, ""))
}

func writeV1(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(v1Rooms); err != nil {
		t.Fatal(err)
	}
}

func TestOpenMigratesAV1Database(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	writeV1(t, path)

	// The hub and `evalroom-hub room add` may open the old file at once:
	// exactly one of them adds the columns, neither fails.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			st, err := Open(ctx, path)
			if err == nil {
				st.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("open a v1 database: %v", err)
		}
	}

	st := openTest(t, path)
	r, err := st.Room(ctx, "room-1")
	if err != nil {
		t.Fatal(err)
	}
	want := Room{ID: "room-1", Name: "第1评标室", PublicKey: "ed25519:old-key",
		EnrolledAt: time.Unix(0, 1767225600000000000).UTC(), CreatedAt: time.Unix(0, 1767225500000000000).UTC()}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("room-1 after the upgrade:\n got %+v\nwant %+v", r, want)
	}
	if _, err := st.UpdateRoom(ctx, "room-1", RoomUpdate{Jurisdiction: &liujiang, Agency: &shifan}); err != nil {
		t.Fatalf("set the owner of an upgraded room: %v", err)
	}
	st.Close()

	// Opening again changes nothing and keeps the owner.
	st = openTest(t, path)
	r, err = st.Room(ctx, "room-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Jurisdiction != liujiang || r.Agency != shifan || r.PublicKey != "ed25519:old-key" {
		t.Fatalf("room-1 after reopening: %+v", r)
	}
	rooms, err := st.RoomsOf(ctx, RoomFilter{Jurisdiction: None})
	if err != nil || len(rooms) != 1 || rooms[0].ID != "room-2" {
		t.Fatalf("rooms without a jurisdiction: %+v, %v", rooms, err)
	}
	// A token for an old room still works with the new columns.
	if _, _, err := st.IssueToken(ctx, "room-2", time.Hour); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestUpdateRoom(t *testing.T) {
	for _, tc := range []struct {
		name    string
		u       RoomUpdate
		want    Room // id, name and owner after; ignored when field is set
		field   string
		renames []Rename
		changed bool
	}{
		{name: "set both", u: RoomUpdate{Jurisdiction: &chengzh, Agency: &yangli},
			want: Room{Name: "第1评标室", Jurisdiction: chengzh, Agency: yangli}, changed: true},
		{name: "a known code needs no name", u: RoomUpdate{Agency: &Agency{ID: "lz-shifan"}},
			want: Room{Name: "第1评标室", Jurisdiction: liujiang, Agency: shifan}},
		{name: "nothing to change", u: RoomUpdate{Jurisdiction: &liujiang, Name: ptr("第1评标室")},
			want: Room{Name: "第1评标室", Jurisdiction: liujiang, Agency: shifan}},
		{name: "rename the room, spaces trimmed", u: RoomUpdate{Name: ptr("  开标室A ")},
			want: Room{Name: "开标室A", Jurisdiction: liujiang, Agency: shifan}, changed: true},
		{name: "clear the agency", u: RoomUpdate{Agency: &Agency{}},
			want: Room{Name: "第1评标室", Jurisdiction: liujiang}, changed: true},
		{name: "another name renames the code everywhere", u: RoomUpdate{Jurisdiction: &Jurisdiction{Code: "450206", Name: "柳江区"}},
			want:    Room{Name: "第1评标室", Jurisdiction: Jurisdiction{Code: "450206", Name: "柳江区"}, Agency: shifan},
			renames: []Rename{{Kind: "jurisdiction", Code: "450206", From: "柳州市柳江区", To: "柳江区", Rooms: 2}}, changed: true},
		{name: "code not a division code", u: RoomUpdate{Jurisdiction: &Jurisdiction{Code: "45020", Name: "x"}}, field: "jurisdiction.code"},
		{name: "code with letters", u: RoomUpdate{Jurisdiction: &Jurisdiction{Code: "45020a"}}, field: "jurisdiction.code"},
		{name: "new code without a name", u: RoomUpdate{Jurisdiction: &Jurisdiction{Code: "450203"}}, field: "jurisdiction.name"},
		{name: "name without a code", u: RoomUpdate{Agency: &Agency{Name: "某公司"}}, field: "agency.id"},
		{name: "agency id with a slash", u: RoomUpdate{Agency: &Agency{ID: "a/b", Name: "x"}}, field: "agency.id"},
		{name: "agency name on two lines", u: RoomUpdate{Agency: &Agency{ID: "new", Name: "甲\n乙"}}, field: "agency.name"},
		{name: "empty room name", u: RoomUpdate{Name: ptr(" ")}, field: "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := newTest(t)
			if _, err := st.AddRoom(ctx, Room{ID: "room-1", Name: "第1评标室", Jurisdiction: liujiang, Agency: shifan}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.AddRoom(ctx, Room{ID: "room-2", Name: "第2评标室", Jurisdiction: Jurisdiction{Code: "450206"}}); err != nil {
				t.Fatal(err)
			}
			c, err := st.UpdateRoom(ctx, "room-1", tc.u)
			if tc.field != "" {
				var ie *InvalidError
				if !errors.As(err, &ie) || ie.Field != tc.field || !errors.Is(err, ErrInvalid) {
					t.Fatalf("got %v, want an invalid %s", err, tc.field)
				}
				if r, _ := st.Room(ctx, "room-1"); r.Jurisdiction != liujiang || r.Agency != shifan || r.Name != "第1评标室" {
					t.Fatalf("a refused update changed the room: %+v", r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := c.After
			if got.Name != tc.want.Name || got.Jurisdiction != tc.want.Jurisdiction || got.Agency != tc.want.Agency {
				t.Fatalf("after: %+v\nwant %+v", got, tc.want)
			}
			if !reflect.DeepEqual(c.Renames, tc.renames) {
				t.Fatalf("renames %+v, want %+v", c.Renames, tc.renames)
			}
			if c.Changed() != tc.changed {
				t.Fatalf("Changed() = %v (%s)", c.Changed(), c)
			}
			if r, _ := st.Room(ctx, "room-1"); !reflect.DeepEqual(r, c.After) {
				t.Fatalf("stored %+v, reported %+v", r, c.After)
			}
		})
	}
}

func TestUpdateUnknownRoom(t *testing.T) {
	_, err := newTest(t).UpdateRoom(context.Background(), "room-9", RoomUpdate{Name: ptr("x")})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func TestAddRoomAndFilter(t *testing.T) {
	ctx := context.Background()
	st := newTest(t)
	for _, r := range []Room{
		{ID: "room-1", Name: "第1评标室", Jurisdiction: liujiang, Agency: shifan},
		{ID: "room-2", Name: "第2评标室", Jurisdiction: chengzh, Agency: shifan},
		{ID: "room-3", Name: "第3评标室", Jurisdiction: liujiang, Agency: yangli},
		{ID: "room-4", Name: "第4评标室"},
	} {
		if _, err := st.AddRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.AddRoom(ctx, Room{ID: "room-1", Name: "again"}); !errors.Is(err, ErrExists) {
		t.Fatalf("adding room-1 twice: %v", err)
	}
	if err := st.CreateRoom(ctx, "room-2", "again"); !errors.Is(err, ErrExists) {
		t.Fatalf("creating room-2 twice: %v", err)
	}
	if _, err := st.AddRoom(ctx, Room{ID: "room-5", Name: "x", Jurisdiction: Jurisdiction{Code: "999"}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a bad code: %v", err)
	}
	if _, err := st.Room(ctx, "room-5"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused room was stored: %v", err)
	}
	for _, tc := range []struct {
		f    RoomFilter
		want []string
	}{
		{RoomFilter{}, []string{"room-1", "room-2", "room-3", "room-4"}},
		{RoomFilter{Jurisdiction: "450206"}, []string{"room-1", "room-3"}},
		{RoomFilter{Agency: "lz-shifan"}, []string{"room-1", "room-2"}},
		{RoomFilter{Jurisdiction: "450206", Agency: "lz-shifan"}, []string{"room-1"}},
		{RoomFilter{Jurisdiction: None}, []string{"room-4"}},
		{RoomFilter{Agency: None, Jurisdiction: "450206"}, nil},
		{RoomFilter{Jurisdiction: "110000"}, nil},
	} {
		rooms, err := st.RoomsOf(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rooms {
			ids = append(ids, r.ID)
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, ids, tc.want)
		}
	}
}
