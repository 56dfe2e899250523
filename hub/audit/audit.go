// Package audit keeps the hub's append-only, hash-chained audit log: every
// view of a recording, every export, every decision on an alert, every
// change of rooms and boxes. Each entry names the hash of the one before, so
// an altered, removed or reordered entry breaks the chain and Verify names
// it.
package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/sqldb"
)

// Actions recorded.
const (
	RoomCreate   = "room.create"
	RoomUpdate   = "room.update" // name or owner (jurisdiction, agency) changed
	RoomToken    = "room.token"
	BoxEnroll    = "box.enroll"
	LiveView     = "live.view"
	Playback     = "recording.playback"
	Export       = "recording.export"
	AlertAck     = "alert.ack"
	AlertResolve = "alert.resolve"
)

// BrokerRefused: the embedded broker refused a box's client id, or a box
// kept exceeding its limits (actor box:ROOM@ADDRESS, target the room).
const BrokerRefused = "broker.refused"

// People and tokens.
const (
	SignIn       = "user.signin"
	SignInFailed = "user.signin_failed"
	SignOut      = "user.signout"
	UserAdd      = "user.add"
	UserPassword = "user.password"
	TokenCreate  = "token.create"
)

// Renames recorded: a jurisdiction or agency got another name, which shows
// on every room with its code.
const (
	JurisdictionRename = "jurisdiction.rename"
	AgencyRename       = "agency.rename"
)

// Migrations are the audit log's schema, step by step (hub/sqldb). The
// triggers refuse to change or remove an entry, on either engine.
var Migrations = []sqldb.Migration{
	{Version: 1, SQL: schema + sqliteTriggers, Postgres: schema + pgTriggers},
}

const schema = `
CREATE TABLE IF NOT EXISTS audit (
	id     {{id}},
	at     BIGINT NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	prev   TEXT NOT NULL,
	hash   TEXT NOT NULL
);
`

const sqliteTriggers = `
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`

const pgTriggers = `
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
`

// Entry is one line of the log.
type Entry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
	Prev   string    `json:"prev"`
	Hash   string    `json:"hash"`
}

// digest is the entry's hash (see bundle.AuditHash).
func digest(e Entry) string {
	return bundle.AuditHash(e.Prev, bundle.AuditFields{ID: e.ID, At: e.At.UnixNano(), Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail})
}

// Log is the audit log in the hub database.
type Log struct {
	db  *sql.DB
	mu  sync.Mutex
	now func() time.Time
	// appended, if set, is told the id of every new entry (under mu).
	appended func(id int64)
}

// onAppend has fn told the id of every entry appended from now on.
func (l *Log) onAppend(fn func(id int64)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.appended = fn
}

// Open brings the audit table in db (the hub's database) to this version.
func Open(ctx context.Context, db *sql.DB) (*Log, error) {
	if err := sqldb.Migrate(ctx, db, "audit", Migrations); err != nil {
		return nil, fmt.Errorf("audit schema: %w", err)
	}
	return &Log{db: db, now: time.Now}, nil
}

// Record appends one entry. Reading the head and appending after it is
// one write transaction: the database's one writer at a time (SQLite's
// lock, the PostgreSQL write lock of hub/sqldb) keeps the chain in order
// across processes (the hub, the command line) and hub replicas.
func (l *Log) Record(ctx context.Context, actor, action, target, detail string) (Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := Entry{At: l.now().UTC(), Actor: actor, Action: action, Target: target, Detail: detail}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return e, fmt.Errorf("audit append: %w", err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&e.ID, &e.Prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("audit head: %w", err)
	}
	e.ID++
	e.Hash = digest(e)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit(id, at, actor, action, target, detail, prev, hash) VALUES(?,?,?,?,?,?,?,?)`,
		e.ID, e.At.UnixNano(), e.Actor, e.Action, e.Target, e.Detail, e.Prev, e.Hash); err != nil {
		return e, fmt.Errorf("audit append: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return e, fmt.Errorf("audit append: %w", err)
	}
	if l.appended != nil {
		l.appended(e.ID)
	}
	return e, nil
}

// Filter selects entries.
type Filter struct {
	Action, Target, Actor string
	From, To              time.Time
	Limit                 int
}

// List returns entries matching f, newest first.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) {
	if f.To.IsZero() {
		f.To = time.Now().Add(time.Hour)
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 1000
	}
	rows, err := l.db.QueryContext(ctx, `SELECT id, at, actor, action, target, detail, prev, hash FROM audit
		WHERE (? = '' OR action = ?) AND (? = '' OR target = ?) AND (? = '' OR actor = ?) AND at >= ? AND at <= ?
		ORDER BY id DESC LIMIT ?`,
		f.Action, f.Action, f.Target, f.Target, f.Actor, f.Actor, f.From.UnixNano(), f.To.UnixNano(), f.Limit)
	if err != nil {
		return nil, fmt.Errorf("audit list: %w", err)
	}
	defer rows.Close()
	return scan(rows)
}

func scan(rows *sql.Rows) ([]Entry, error) {
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.Prev, &e.Hash); err != nil {
			return nil, err
		}
		e.At = time.Unix(0, at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Fault names the first entry where the chain breaks.
type Fault struct {
	ID     int64
	Reason string
}

func (f *Fault) Error() string { return fmt.Sprintf("audit entry %d: %s", f.ID, f.Reason) }

// Verify walks the whole log and returns the number of entries and, if the
// chain is broken, a *Fault naming the first bad entry.
func (l *Log) Verify(ctx context.Context) (int64, error) {
	n, _, err := l.walk(ctx, 0, "", nil)
	return n, err
}

// walk checks the chain from the entry after after (whose hash is prev)
// to the end, calling each for every entry it checked. It returns the id
// and hash of the last entry, or a *Fault at the first bad one.
func (l *Log) walk(ctx context.Context, after int64, prev string, each func(Entry)) (int64, string, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, at, actor, action, target, detail, prev, hash FROM audit WHERE id > ? ORDER BY id`, after)
	if err != nil {
		return after, prev, fmt.Errorf("audit read: %w", err)
	}
	defer rows.Close()
	n := after
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.Prev, &e.Hash); err != nil {
			return n, prev, fmt.Errorf("audit read: %w", err)
		}
		e.At = time.Unix(0, at).UTC()
		n++
		switch {
		case e.ID != n:
			return n, prev, &Fault{ID: n, Reason: fmt.Sprintf("missing: the next entry is %d", e.ID)}
		case e.Prev != prev:
			return n, prev, &Fault{ID: e.ID, Reason: "does not follow the entry before it (removed or reordered)"}
		case digest(e) != e.Hash:
			return n, prev, &Fault{ID: e.ID, Reason: "altered: its content does not match its hash"}
		}
		if each != nil {
			each(e)
		}
		prev = e.Hash
	}
	if err := rows.Err(); err != nil {
		return n, prev, fmt.Errorf("audit read: %w", err)
	}
	return n, prev, nil
}

// Intact reports whether e's content matches its hash.
func (e Entry) Intact() bool { return digest(e) == e.Hash }
