package procurement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/evalroom/evalroom/hub/sqldb"
)

const contractCols = `id, award, project, lot, purchaser, agency, jurisdiction, supplier, amount, state, signed, late_reason,
	filed, created_at, updated_at`

func scanContract(row interface{ Scan(...any) error }) (Contract, error) {
	var c Contract
	var signed, filed string
	var created, updated int64
	err := row.Scan(&c.ID, &c.Award, &c.Project, &c.Lot, &c.Purchaser, &c.Agency, &c.Jurisdiction, &c.Supplier, &c.Amount,
		&c.State, &signed, &c.LateReason, &filed, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	c.Signed, c.Filed = parseDate(signed), parseDate(filed)
	c.CreatedAt, c.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return c, err
}

// InsertContract stores the contract of an award; ErrState if the award
// has one.
func (d *DB) InsertContract(ctx context.Context, c Contract) (Contract, error) {
	// contracts.award is UNIQUE: of two at once, one is stored.
	err := d.db.QueryRowContext(ctx, `INSERT INTO contracts(award, project, lot, purchaser, agency, jurisdiction, supplier,
		amount, state, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Award, c.Project, c.Lot, c.Purchaser, c.Agency, c.Jurisdiction, c.Supplier, c.Amount, c.State,
		c.CreatedAt.UnixNano(), c.UpdatedAt.UnixNano()).Scan(&c.ID)
	if sqldb.IsUnique(err) {
		return c, fmt.Errorf("%w: it changed meanwhile; reload it and try again (the award has a contract already)", ErrState)
	}
	return c, err
}

// Contract returns one contract.
func (d *DB) Contract(ctx context.Context, id int64) (Contract, error) {
	return scanContract(d.db.QueryRowContext(ctx, `SELECT `+contractCols+` FROM contracts WHERE id = ?`, id))
}

// ContractsIn returns the contracts in state, for the deadline watch.
func (d *DB) ContractsIn(ctx context.Context, state string) ([]Contract, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+contractCols+` FROM contracts WHERE state = ? ORDER BY id`, state)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Contract
	for rows.Next() {
		c, err := scanContract(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MoveContract changes a contract's state and dates; ErrState if it is no
// longer in from.
func (d *DB) MoveContract(ctx context.Context, c Contract, from string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE contracts SET state = ?, signed = ?, late_reason = ?, filed = ?, updated_at = ?
		WHERE id = ? AND state = ?`, c.State, dateText(c.Signed), c.LateReason, dateText(c.Filed), c.UpdatedAt.UnixNano(), c.ID, from)
	return changed(res, err)
}
