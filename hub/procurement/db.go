package procurement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/sqldb"
	"github.com/evalroom/evalroom/hub/workday"
)

// ErrNotFound means no such entrustment or project.
var ErrNotFound = errors.New("not found")

// schema is the workflow's tables, in the hub's database beside the
// others; like the audit log, the domain keeps its own.
const schema = `
CREATE TABLE IF NOT EXISTS entrustments (
	id           {{id}},
	purchaser    TEXT NOT NULL,
	agency       TEXT NOT NULL,
	jurisdiction TEXT NOT NULL,
	title        TEXT NOT NULL,
	category     TEXT NOT NULL,
	budget       BIGINT NOT NULL,
	plan_line    TEXT NOT NULL,
	method       TEXT NOT NULL,
	approval     TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL,
	maker        TEXT NOT NULL,
	checker      TEXT NOT NULL DEFAULT '',
	reason       TEXT NOT NULL DEFAULT '',
	split        TEXT NOT NULL DEFAULT '',
	threshold    TEXT NOT NULL DEFAULT '',
	project      BIGINT NOT NULL DEFAULT 0,
	fiscal_year  BIGINT NOT NULL,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS entrustments_unit_year ON entrustments(purchaser, fiscal_year, category);
CREATE TABLE IF NOT EXISTS projects (
	id               {{id}},
	entrustment      BIGINT NOT NULL UNIQUE REFERENCES entrustments(id),
	purchaser        TEXT NOT NULL,
	agency           TEXT NOT NULL,
	jurisdiction     TEXT NOT NULL,
	title            TEXT NOT NULL,
	category         TEXT NOT NULL,
	method           TEXT NOT NULL,
	approval         TEXT NOT NULL DEFAULT '',
	budget           BIGINT NOT NULL,
	state            TEXT NOT NULL,
	reason           TEXT NOT NULL DEFAULT '',
	documents_issued TEXT NOT NULL DEFAULT '',
	bid_deadline     TEXT NOT NULL DEFAULT '',
	created_at       BIGINT NOT NULL,
	updated_at       BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS lots (
	id      {{id}},
	project BIGINT NOT NULL REFERENCES projects(id),
	number  BIGINT NOT NULL,
	title   TEXT NOT NULL,
	budget  BIGINT NOT NULL,
	state   TEXT NOT NULL,
	UNIQUE (project, number)
);
`

// DB is the workflow's tables and queries.
type DB struct{ db *sql.DB }

// Migrations are the workflow's schema, step by step (hub/sqldb); step 1
// is the schema as it was when steps began, made with IF NOT EXISTS so
// that a database from before keeps its tables.
var Migrations = []sqldb.Migration{
	{Version: 1, SQL: schema + awardSchema + challengeSchema},
}

// Open brings the workflow's tables in the hub's database to this
// version.
func Open(ctx context.Context, db *sql.DB) (*DB, error) {
	if err := sqldb.Migrate(ctx, db, "procurement", Migrations); err != nil {
		return nil, fmt.Errorf("create the procurement tables: %w", err)
	}
	return &DB{db: db}, nil
}

const entCols = `id, purchaser, agency, jurisdiction, title, category, budget, plan_line, method, approval, state,
	maker, checker, reason, split, threshold, project, fiscal_year, created_at, updated_at`

func scanEnt(row interface{ Scan(...any) error }) (Entrustment, error) {
	var e Entrustment
	var created, updated int64
	err := row.Scan(&e.ID, &e.Purchaser, &e.Agency, &e.Jurisdiction, &e.Title, &e.Category, &e.Budget, &e.PlanLine,
		&e.Method, &e.Approval, &e.State, &e.Maker, &e.Checker, &e.Reason, &e.Split, &e.Threshold, &e.Project,
		&e.FiscalYear, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	e.CreatedAt, e.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return e, err
}

// InsertEntrustment stores a new entrustment and returns it with its id.
func (d *DB) InsertEntrustment(ctx context.Context, e Entrustment) (Entrustment, error) {
	err := d.db.QueryRowContext(ctx, `INSERT INTO entrustments(purchaser, agency, jurisdiction, title, category, budget,
		plan_line, method, approval, state, maker, split, threshold, fiscal_year, created_at, updated_at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.Purchaser, e.Agency, e.Jurisdiction, e.Title, e.Category, e.Budget, e.PlanLine, e.Method, e.Approval,
		e.State, e.Maker, e.Split, e.Threshold, e.FiscalYear, e.CreatedAt.UnixNano(), e.UpdatedAt.UnixNano()).Scan(&e.ID)
	if err != nil {
		return e, fmt.Errorf("store the entrustment: %w", err)
	}
	return e, err
}

// DeleteEntrustment removes an entrustment whose creation could not be
// put on record.
func (d *DB) DeleteEntrustment(ctx context.Context, id int64) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM entrustments WHERE id = ? AND project = 0`, id)
	return err
}

// Entrustment returns one entrustment.
func (d *DB) Entrustment(ctx context.Context, id int64) (Entrustment, error) {
	return scanEnt(d.db.QueryRowContext(ctx, `SELECT `+entCols+` FROM entrustments WHERE id = ?`, id))
}

// Entrustments returns entrustments, newest first, in state if given.
func (d *DB) Entrustments(ctx context.Context, state string, limit int) ([]Entrustment, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+entCols+` FROM entrustments WHERE ? = '' OR state = ? ORDER BY id DESC LIMIT ?`, state, state, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entrustment
	for rows.Next() {
		e, err := scanEnt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EarlierBudgets are the budgets of a unit's entrustments of a category in
// a fiscal year bought by a method other than open tender, for the
// splitting check.
func (d *DB) EarlierBudgets(ctx context.Context, unit string, c rules.Category, year int) ([]int64, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT budget FROM entrustments WHERE purchaser = ? AND category = ? AND fiscal_year = ? AND method != ?`,
		unit, c, year, rules.OpenTender)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var b int64
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// MoveEntrustment changes an entrustment's state from one to another, with
// who reviewed it and why; ErrState if it is no longer in from.
func (d *DB) MoveEntrustment(ctx context.Context, id int64, from, to, checker, reason string, at time.Time) error {
	res, err := d.db.ExecContext(ctx, `UPDATE entrustments SET state = ?, checker = CASE WHEN ? = '' THEN checker ELSE ? END,
		reason = ?, updated_at = ? WHERE id = ? AND state = ?`, to, checker, checker, reason, at.UnixNano(), id, from)
	return changed(res, err)
}

func changed(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%w: it changed meanwhile; reload it and try again", ErrState)
	}
	return nil
}

func dateText(d workday.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}
