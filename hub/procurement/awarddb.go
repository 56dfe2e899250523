package procurement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/evalroom/evalroom/hub/workday"
)

// awardSchema is the tables of awards and contracts.
const awardSchema = `
CREATE TABLE IF NOT EXISTS awards (
	id            {{id}},
	project       BIGINT NOT NULL REFERENCES projects(id),
	lot           BIGINT NOT NULL,
	purchaser     TEXT NOT NULL,
	agency        TEXT NOT NULL,
	jurisdiction  TEXT NOT NULL,
	supplier      TEXT NOT NULL,
	supplier_name TEXT NOT NULL,
	amount        BIGINT NOT NULL,
	state         TEXT NOT NULL,
	evaluated     TEXT NOT NULL,
	notice        TEXT NOT NULL DEFAULT '',
	confirmed_by  TEXT NOT NULL DEFAULT '',
	reason        TEXT NOT NULL DEFAULT '',
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS awards_project ON awards(project);
CREATE TABLE IF NOT EXISTS contracts (
	id           {{id}},
	award        BIGINT NOT NULL UNIQUE REFERENCES awards(id),
	project      BIGINT NOT NULL,
	lot          BIGINT NOT NULL,
	purchaser    TEXT NOT NULL,
	agency       TEXT NOT NULL,
	jurisdiction TEXT NOT NULL,
	supplier     TEXT NOT NULL,
	amount       BIGINT NOT NULL,
	state        TEXT NOT NULL,
	signed       TEXT NOT NULL DEFAULT '',
	late_reason  TEXT NOT NULL DEFAULT '',
	filed        TEXT NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
`

const awardCols = `id, project, lot, purchaser, agency, jurisdiction, supplier, supplier_name, amount, state, evaluated,
	notice, confirmed_by, reason, created_at, updated_at, COALESCE((SELECT c.id FROM contracts c WHERE c.award = awards.id), 0)`

func scanAward(row interface{ Scan(...any) error }) (Award, error) {
	var a Award
	var evaluated, notice string
	var created, updated int64
	err := row.Scan(&a.ID, &a.Project, &a.Lot, &a.Purchaser, &a.Agency, &a.Jurisdiction, &a.Supplier, &a.SupplierName,
		&a.Amount, &a.State, &evaluated, &notice, &a.ConfirmedBy, &a.Reason, &created, &updated, &a.Contract)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	a.Evaluated, a.Notice = parseDate(evaluated), parseDate(notice)
	a.CreatedAt, a.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return a, err
}

func parseDate(s string) workday.Date {
	d, _ := workday.ParseDate(s)
	if s == "" {
		return workday.Date{}
	}
	return d
}

// InsertAward stores an award and moves its project to evaluated, in one
// transaction; ErrState if the lot has a live award or the project moved.
func (d *DB) InsertAward(ctx context.Context, a Award, from string) (Award, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return a, err
	}
	defer tx.Rollback()
	var live int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM awards WHERE project = ? AND lot = ? AND state != ?`,
		a.Project, a.Lot, AwardCancelled).Scan(&live); err != nil {
		return a, err
	}
	if live > 0 {
		return a, fmt.Errorf("%w: lot %d already has an award: cancel it first", ErrState, a.Lot)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO awards(project, lot, purchaser, agency, jurisdiction, supplier, supplier_name,
		amount, state, evaluated, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Project, a.Lot, a.Purchaser, a.Agency, a.Jurisdiction, a.Supplier, a.SupplierName, a.Amount, a.State,
		a.Evaluated.String(), a.CreatedAt.UnixNano(), a.UpdatedAt.UnixNano()).Scan(&a.ID)
	if err != nil {
		return a, fmt.Errorf("store the award: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE projects SET state = ?, updated_at = ? WHERE id = ? AND state = ?`,
		ProjEvaluated, a.UpdatedAt.UnixNano(), a.Project, from)
	if err := changed(res, err); err != nil {
		return a, err
	}
	return a, tx.Commit()
}

// Award returns one award.
func (d *DB) Award(ctx context.Context, id int64) (Award, error) {
	return scanAward(d.db.QueryRowContext(ctx, `SELECT `+awardCols+` FROM awards WHERE id = ?`, id))
}

// ProjectAwards returns a project's awards, oldest first.
func (d *DB) ProjectAwards(ctx context.Context, project int64) ([]Award, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+awardCols+` FROM awards WHERE project = ? ORDER BY id`, project)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Award{}
	for rows.Next() {
		a, err := scanAward(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AwardsIn returns the awards in state, for the deadline watch.
func (d *DB) AwardsIn(ctx context.Context, state string) ([]Award, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+awardCols+` FROM awards WHERE state = ? ORDER BY id`, state)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Award
	for rows.Next() {
		a, err := scanAward(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// MoveAward changes an award's state, notice, confirmer and reason;
// ErrState if it is no longer in from.
func (d *DB) MoveAward(ctx context.Context, a Award, from string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE awards SET state = ?, notice = ?, confirmed_by = ?, reason = ?, updated_at = ?
		WHERE id = ? AND state = ?`, a.State, dateText(a.Notice), a.ConfirmedBy, a.Reason, a.UpdatedAt.UnixNano(), a.ID, from)
	return changed(res, err)
}
