package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ownerSchema holds the names of jurisdictions and agencies; rooms refer
// to them by code and id.
const ownerSchema = `
CREATE TABLE IF NOT EXISTS jurisdictions (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agencies (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
);
`

// addedRoomColumns are the columns rooms gained after the first version.
// A database of any earlier version lacks some; migrate adds them. SQLite
// adds a column with a REFERENCES clause only with a NULL default, so
// NULL means "not set".
var addedRoomColumns = []struct{ name, decl string }{
	{"jurisdiction", "TEXT REFERENCES jurisdictions(code)"},
	{"agency", "TEXT REFERENCES agencies(id)"},
}

// migrate brings a database of an earlier version up to this one, in one
// transaction, so that two processes opening the same file (the hub and
// `evalroom-hub room add`) cannot both add a column.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, ownerSchema); err != nil {
		return fmt.Errorf("owner tables: %w", err)
	}
	have, err := columns(ctx, tx, "rooms")
	if err != nil {
		return err
	}
	for _, c := range addedRoomColumns {
		if have[c.name] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `ALTER TABLE rooms ADD COLUMN `+c.name+` `+c.decl); err != nil {
			return fmt.Errorf("add column rooms.%s: %w", c.name, err)
		}
	}
	// Records stored before packs are a file each: offset -1.
	segCols, err := columns(ctx, tx, "segments")
	if err != nil {
		return err
	}
	if !segCols["offset"] {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE segments ADD COLUMN offset INTEGER NOT NULL DEFAULT -1`); err != nil {
			return fmt.Errorf("add column segments.offset: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `
		CREATE INDEX IF NOT EXISTS rooms_jurisdiction ON rooms(jurisdiction);
		CREATE INDEX IF NOT EXISTS rooms_agency ON rooms(agency);`); err != nil {
		return fmt.Errorf("room owner indexes: %w", err)
	}
	return tx.Commit()
}

// columns returns the names of a table's columns.
func columns(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}
