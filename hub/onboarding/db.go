package onboarding

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/evalroom/evalroom/hub/sqldb"
)

// ErrNotFound means no such application or attempt.
var ErrNotFound = errors.New("not found")

// schema is onboarding's tables, in the hub's database beside the others.
const schema = `
CREATE TABLE IF NOT EXISTS onboard_applications (
	id           {{id}},
	room         TEXT NOT NULL UNIQUE,
	agency       TEXT NOT NULL,
	jurisdiction TEXT NOT NULL,
	address      TEXT NOT NULL,
	contact      TEXT NOT NULL,
	specialist   TEXT NOT NULL,
	equipment    TEXT NOT NULL,
	state        TEXT NOT NULL,
	applicant    TEXT NOT NULL,
	technicians  TEXT NOT NULL DEFAULT '[]',
	run          BIGINT NOT NULL DEFAULT 0,
	reasons      TEXT NOT NULL DEFAULT '[]',
	form_sha256  TEXT NOT NULL DEFAULT '',
	applied_at   BIGINT NOT NULL,
	assigned_at  BIGINT NOT NULL DEFAULT 0,
	decided_at   BIGINT NOT NULL DEFAULT 0,
	published_at BIGINT NOT NULL DEFAULT 0,
	updated_at   BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS onboard_checks (
	{{rowid}}
	application BIGINT NOT NULL REFERENCES onboard_applications(id),
	run         BIGINT NOT NULL,
	item        TEXT NOT NULL,
	pass        BIGINT NOT NULL,
	value       TEXT NOT NULL,
	evidence    TEXT NOT NULL DEFAULT '',
	checker     TEXT NOT NULL,
	at          BIGINT NOT NULL,
	PRIMARY KEY (application, run, item)
);
`

// DB is onboarding's tables and queries.
type DB struct{ db *sql.DB }

// Migrations are onboarding's schema, step by step (hub/sqldb); step 1
// is the schema as it was when steps began, made with IF NOT EXISTS so
// that a database from before keeps its tables.
var Migrations = []sqldb.Migration{
	{Version: 1, SQL: schema + examSchema + staffSchema},
}

// Open brings onboarding's tables in the hub's database to this version.
func Open(ctx context.Context, db *sql.DB) (*DB, error) {
	if err := sqldb.Migrate(ctx, db, "onboarding", Migrations); err != nil {
		return nil, fmt.Errorf("create the onboarding tables: %w", err)
	}
	return &DB{db: db}, nil
}

const appCols = `id, room, agency, jurisdiction, address, contact, specialist, equipment, state, applicant,
	technicians, run, reasons, form_sha256, applied_at, assigned_at, decided_at, published_at, updated_at`

func scanApp(row interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var equip, techs, reasons string
	var applied, assigned, decided, published, updated int64
	err := row.Scan(&a.ID, &a.Room, &a.Agency, &a.Jurisdiction, &a.Address, &a.Contact, &a.Specialist, &equip, &a.State,
		&a.Applicant, &techs, &a.Run, &reasons, &a.FormSHA256, &applied, &assigned, &decided, &published, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, err
	}
	if err := errors.Join(json.Unmarshal([]byte(equip), &a.Equipment), json.Unmarshal([]byte(techs), &a.Technicians),
		json.Unmarshal([]byte(reasons), &a.Reasons)); err != nil {
		return a, fmt.Errorf("application %d is damaged in the database: %w", a.ID, err)
	}
	a.AppliedAt, a.UpdatedAt = time.Unix(0, applied).UTC(), time.Unix(0, updated).UTC()
	a.AssignedAt, a.DecidedAt, a.PublishedAt = optTime(assigned), optTime(decided), optTime(published)
	return a, nil
}

func optTime(ns int64) *time.Time {
	if ns == 0 {
		return nil
	}
	t := time.Unix(0, ns).UTC()
	return &t
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Insert stores a new application and returns its id.
func (d *DB) Insert(ctx context.Context, a Application) (int64, error) {
	var id int64
	err := d.db.QueryRowContext(ctx, `INSERT INTO onboard_applications(room, agency, jurisdiction, address, contact,
		specialist, equipment, state, applicant, applied_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Room, a.Agency, a.Jurisdiction, a.Address, a.Contact, a.Specialist, jsonText(a.Equipment), a.State, a.Applicant,
		a.AppliedAt.UnixNano(), a.AppliedAt.UnixNano()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store the application: %w", err)
	}
	return id, nil
}

// Delete removes an application whose creation could not be put on record.
func (d *DB) Delete(ctx context.Context, id int64) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM onboard_applications WHERE id = ? AND run = 0`, id)
	return err
}

// Application returns one application with its latest run's checks.
func (d *DB) Application(ctx context.Context, id int64) (Application, error) {
	a, err := scanApp(d.db.QueryRowContext(ctx, `SELECT `+appCols+` FROM onboard_applications WHERE id = ?`, id))
	if err != nil {
		return a, err
	}
	a.Checks, err = d.checks(ctx, a.ID, a.Run)
	return a, err
}

// ByRoom returns the application of a room.
func (d *DB) ByRoom(ctx context.Context, room string) (Application, error) {
	return scanApp(d.db.QueryRowContext(ctx, `SELECT `+appCols+` FROM onboard_applications WHERE room = ?`, room))
}

// Applications returns every application, oldest first, in state if given.
func (d *DB) Applications(ctx context.Context, state string) ([]Application, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+appCols+` FROM onboard_applications WHERE ? = '' OR state = ? ORDER BY id`, state, state)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Application
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Change is what a transition writes besides the state.
type Change struct {
	Technicians []string // assign
	Run         bool     // start: a new run
	Reasons     []string // pass, fail, withdraw (nil leaves them)
	Form        string   // pass, fail: the acceptance form's digest
	Assigned    bool
	Decided     bool
	Published   bool
}

// Move changes an application's state from one to another with what the
// transition writes; ErrState if it is no longer in from.
func (d *DB) Move(ctx context.Context, id int64, from, to string, c Change, at time.Time) error {
	q := `UPDATE onboard_applications SET state = ?, updated_at = ?`
	args := []any{to, at.UnixNano()}
	set := func(col string, v any) { q += `, ` + col; args = append(args, v) }
	if c.Technicians != nil {
		set(`technicians = ?`, jsonText(c.Technicians))
	}
	if c.Run {
		q += `, run = run + 1, reasons = '[]', form_sha256 = '', decided_at = 0`
	}
	if c.Reasons != nil {
		set(`reasons = ?`, jsonText(c.Reasons))
	}
	if c.Form != "" {
		set(`form_sha256 = ?`, c.Form)
	}
	if c.Assigned {
		set(`assigned_at = CASE WHEN assigned_at = 0 THEN ? ELSE assigned_at END`, at.UnixNano())
	}
	if c.Decided {
		set(`decided_at = ?`, at.UnixNano())
	}
	if c.Published {
		set(`published_at = ?`, at.UnixNano())
	}
	q += ` WHERE id = ? AND state = ?`
	args = append(args, id, from)
	res, err := d.db.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%w: it changed meanwhile; reload it and try again", ErrState)
	}
	return nil
}

// PutCheck records (or replaces) one item's result in a run.
func (d *DB) PutCheck(ctx context.Context, app int64, run int, c Check) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO onboard_checks(application, run, item, pass, value, evidence, checker, at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(application, run, item) DO UPDATE SET pass = excluded.pass,
		value = excluded.value, evidence = excluded.evidence, checker = excluded.checker, at = excluded.at`,
		app, run, c.Item, c.Pass, c.Value, c.Evidence, c.By, c.At.UnixNano())
	return err
}

func (d *DB) checks(ctx context.Context, app int64, run int) ([]Check, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT item, pass, value, evidence, checker, at FROM onboard_checks
		WHERE application = ? AND run = ? ORDER BY rowid`, app, run)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Check{}
	for rows.Next() {
		var c Check
		var at int64
		if err := rows.Scan(&c.Item, &c.Pass, &c.Value, &c.Evidence, &c.By, &at); err != nil {
			return nil, err
		}
		c.At = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
