package procurement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/evalroom/evalroom/hub/workday"
)

// InsertProject stores a project and its lots and marks its entrustment
// as made into it, in one transaction.
func (d *DB) InsertProject(ctx context.Context, p Project) (Project, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return p, err
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `INSERT INTO projects(entrustment, purchaser, agency, jurisdiction, title, category,
		method, approval, budget, state, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Entrustment, p.Purchaser, p.Agency, p.Jurisdiction, p.Title, p.Category, p.Method, p.Approval, p.Budget,
		p.State, p.CreatedAt.UnixNano(), p.UpdatedAt.UnixNano()).Scan(&p.ID)
	if err != nil {
		return p, err
	}
	for i := range p.Lots {
		l := &p.Lots[i]
		if err := tx.QueryRowContext(ctx, `INSERT INTO lots(project, number, title, budget, state) VALUES(?, ?, ?, ?, ?) RETURNING id`,
			p.ID, l.Number, l.Title, l.Budget, l.State).Scan(&l.ID); err != nil {
			return p, fmt.Errorf("store lot %d: %w", l.Number, err)
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE entrustments SET state = ?, project = ?, updated_at = ? WHERE id = ? AND state = ?`,
		EntInProject, p.ID, p.UpdatedAt.UnixNano(), p.Entrustment, EntAccepted)
	if err := changed(res, err); err != nil {
		return p, err
	}
	return p, tx.Commit()
}

const projCols = `id, entrustment, purchaser, agency, jurisdiction, title, category, method, approval, budget, state,
	reason, documents_issued, bid_deadline, created_at, updated_at`

func scanProj(row interface{ Scan(...any) error }) (Project, error) {
	var p Project
	var issued, deadline string
	var created, updated int64
	err := row.Scan(&p.ID, &p.Entrustment, &p.Purchaser, &p.Agency, &p.Jurisdiction, &p.Title, &p.Category, &p.Method,
		&p.Approval, &p.Budget, &p.State, &p.Reason, &issued, &deadline, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, err
	}
	if issued != "" {
		p.DocumentsIssued, _ = workday.ParseDate(issued)
	}
	if deadline != "" {
		p.BidDeadline, _ = workday.ParseDate(deadline)
	}
	p.CreatedAt, p.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return p, nil
}

// Project returns one project with its lots.
func (d *DB) Project(ctx context.Context, id int64) (Project, error) {
	p, err := scanProj(d.db.QueryRowContext(ctx, `SELECT `+projCols+` FROM projects WHERE id = ?`, id))
	if err != nil {
		return p, err
	}
	p.Lots, err = d.lots(ctx, id)
	return p, err
}

// Projects returns projects without their lots, newest first, in state if
// given.
func (d *DB) Projects(ctx context.Context, state string, limit int) ([]Project, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+projCols+` FROM projects WHERE ? = '' OR state = ? ORDER BY id DESC LIMIT ?`, state, state, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		p, err := scanProj(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (d *DB) lots(ctx context.Context, project int64) ([]Lot, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, number, title, budget, state FROM lots WHERE project = ? ORDER BY number`, project)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Lot{}
	for rows.Next() {
		var l Lot
		if err := rows.Scan(&l.ID, &l.Number, &l.Title, &l.Budget, &l.State); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// MoveProject changes a project's state, dates and reason; ErrState if it
// is no longer in from. A cancelled project's lots are cancelled with it.
func (d *DB) MoveProject(ctx context.Context, p Project, from string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE projects SET state = ?, reason = ?, documents_issued = ?, bid_deadline = ?, updated_at = ?
		WHERE id = ? AND state = ?`, p.State, p.Reason, dateText(p.DocumentsIssued), dateText(p.BidDeadline), p.UpdatedAt.UnixNano(), p.ID, from)
	if err := changed(res, err); err != nil {
		return err
	}
	if p.State == ProjCancelled {
		if _, err := tx.ExecContext(ctx, `UPDATE lots SET state = ? WHERE project = ?`, LotCancelled, p.ID); err != nil {
			return err
		}
	}
	return tx.Commit()
}
