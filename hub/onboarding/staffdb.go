package onboarding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

const staffSchema = `
CREATE TABLE IF NOT EXISTS onboard_staff (
	{{rowid}}
	agency   TEXT NOT NULL,
	"user"    TEXT NOT NULL,
	named_by TEXT NOT NULL,
	at       BIGINT NOT NULL,
	PRIMARY KEY (agency, "user")
);
CREATE TABLE IF NOT EXISTS onboard_specialists (
	agency   TEXT PRIMARY KEY,
	"user"    TEXT NOT NULL,
	named_by TEXT NOT NULL,
	at       BIGINT NOT NULL
);
`

// SetStaff replaces the agency's named full-time staff.
func (d *DB) SetStaff(ctx context.Context, agency string, users []string, by string, at time.Time) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM onboard_staff WHERE agency = ?`, agency); err != nil {
		return err
	}
	for _, u := range users {
		if _, err := tx.ExecContext(ctx, `INSERT INTO onboard_staff(agency, "user", named_by, at) VALUES(?, ?, ?, ?)`,
			agency, u, by, at.UnixNano()); err != nil {
			return fmt.Errorf("name %s staff of %s: %w", u, agency, err)
		}
	}
	return tx.Commit()
}

// Staff returns the agency's named full-time staff, in the order named.
func (d *DB) Staff(ctx context.Context, agency string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT "user" FROM onboard_staff WHERE agency = ? ORDER BY rowid`, agency)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetSpecialist names the agency's device specialist.
func (d *DB) SetSpecialist(ctx context.Context, agency, user, by string, at time.Time) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO onboard_specialists(agency, "user", named_by, at) VALUES(?, ?, ?, ?)
		ON CONFLICT(agency) DO UPDATE SET "user" = excluded."user", named_by = excluded.named_by, at = excluded.at`,
		agency, user, by, at.UnixNano())
	return err
}

// Specialist returns the agency's device specialist, "" when none is named.
func (d *DB) Specialist(ctx context.Context, agency string) (string, error) {
	var u string
	err := d.db.QueryRowContext(ctx, `SELECT "user" FROM onboard_specialists WHERE agency = ?`, agency).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return u, err
}
