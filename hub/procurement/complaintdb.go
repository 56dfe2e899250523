package procurement

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

const compCols = `id, challenge, project, purchaser, agency, jurisdiction, supplier, grounds, state, filed, accepted,
	paused_since, pause_reason, paused_days, decision, decided, created_at, updated_at`

func scanComp(row interface{ Scan(...any) error }) (Complaint, error) {
	var c Complaint
	var filed, accepted, paused, decided string
	var created, updated int64
	err := row.Scan(&c.ID, &c.Challenge, &c.Project, &c.Purchaser, &c.Agency, &c.Jurisdiction, &c.Supplier, &c.Grounds,
		&c.State, &filed, &accepted, &paused, &c.PauseReason, &c.PausedDays, &c.Decision, &decided, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	c.Filed, c.Accepted, c.PausedSince, c.Decided = parseDate(filed), parseDate(accepted), parseDate(paused), parseDate(decided)
	c.CreatedAt, c.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return c, err
}

// InsertComplaint stores a complaint.
func (d *DB) InsertComplaint(ctx context.Context, c Complaint) (int64, error) {
	var id int64
	err := d.db.QueryRowContext(ctx, `INSERT INTO complaints(challenge, project, purchaser, agency, jurisdiction, supplier,
		grounds, state, filed, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Challenge, c.Project, c.Purchaser, c.Agency, c.Jurisdiction, c.Supplier, c.Grounds, c.State, c.Filed.String(),
		c.CreatedAt.UnixNano(), c.UpdatedAt.UnixNano()).Scan(&id)
	return id, err
}

// Complaint returns one complaint.
func (d *DB) Complaint(ctx context.Context, id int64) (Complaint, error) {
	return scanComp(d.db.QueryRowContext(ctx, `SELECT `+compCols+` FROM complaints WHERE id = ?`, id))
}

// ComplaintsWhere returns complaints, oldest first: of a challenge (0:
// any) in a state ("": any).
func (d *DB) ComplaintsWhere(ctx context.Context, challenge int64, state string) ([]Complaint, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+compCols+` FROM complaints WHERE (? = 0 OR challenge = ?) AND (? = '' OR state = ?) ORDER BY id`,
		challenge, challenge, state, state)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Complaint
	for rows.Next() {
		c, err := scanComp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MoveComplaint changes a complaint; ErrState if it is no longer in from
// or changed meanwhile.
func (d *DB) MoveComplaint(ctx context.Context, c Complaint, from string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE complaints SET state = ?, accepted = ?, paused_since = ?, pause_reason = ?,
		paused_days = ?, decision = ?, decided = ?, updated_at = ? WHERE id = ? AND state = ?`,
		c.State, dateText(c.Accepted), dateText(c.PausedSince), c.PauseReason, c.PausedDays, c.Decision, dateText(c.Decided),
		c.UpdatedAt.UnixNano(), c.ID, from)
	return changed(res, err)
}
