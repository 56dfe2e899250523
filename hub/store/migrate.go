package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/evalroom/evalroom/hub/sqldb"
)

// Domain is the name the store's steps are recorded under in
// schema_migrations.
const Domain = "store"

// Migrations are the store's schema, step by step. Step 1 is the schema
// of the first version with versioned migrations; step 2 upgrades tables
// that a hub before it made (which has no schema_migrations): step 1's
// CREATE … IF NOT EXISTS leaves them as they were.
var Migrations = []sqldb.Migration{
	{Version: 1, SQL: schemaV1},
	{Version: 2, Func: addLegacyColumns, SQL: ""},
}

const schemaV1 = `
CREATE TABLE IF NOT EXISTS jurisdictions (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agencies (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rooms (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	public_key   TEXT NOT NULL DEFAULT '',
	enrolled_at  BIGINT NOT NULL DEFAULT 0,
	created_at   BIGINT NOT NULL,
	jurisdiction TEXT REFERENCES jurisdictions(code),
	agency       TEXT REFERENCES agencies(id)
);
CREATE TABLE IF NOT EXISTS enroll_tokens (
	token_hash TEXT PRIMARY KEY,
	room       TEXT NOT NULL REFERENCES rooms(id),
	expires_at BIGINT NOT NULL,
	used_at    BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS segments (
	room       TEXT NOT NULL,
	stream     TEXT NOT NULL,
	seq        BIGINT NOT NULL,
	last_seq   BIGINT NOT NULL,
	record     TEXT NOT NULL,
	start_ns   BIGINT NOT NULL,
	end_ns     BIGINT NOT NULL,
	hash       TEXT NOT NULL,
	chain      TEXT NOT NULL,
	prev       TEXT NOT NULL,
	size       BIGINT NOT NULL,
	path       TEXT NOT NULL,
	gap_reason TEXT NOT NULL DEFAULT '',
	session    TEXT NOT NULL DEFAULT '',
	flags      TEXT NOT NULL DEFAULT '',
	verified   BIGINT NOT NULL DEFAULT 0,
	stored_at  BIGINT NOT NULL,
	"offset"   BIGINT NOT NULL DEFAULT -1,
	PRIMARY KEY (room, stream, seq)
);
CREATE INDEX IF NOT EXISTS segments_time ON segments(room, stream, start_ns);
CREATE TABLE IF NOT EXISTS alerts (
	id          {{autoid}},
	room        TEXT NOT NULL,
	stream      TEXT NOT NULL DEFAULT '',
	kind        TEXT NOT NULL,
	severity    TEXT NOT NULL,
	state       TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '',
	opened_at   BIGINT NOT NULL,
	acked_at    BIGINT NOT NULL DEFAULT 0,
	acked_by    TEXT NOT NULL DEFAULT '',
	comment     TEXT NOT NULL DEFAULT '',
	resolved_at BIGINT NOT NULL DEFAULT 0,
	notified_at BIGINT NOT NULL DEFAULT 0,
	notified    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS alerts_state ON alerts(state, room);
CREATE TABLE IF NOT EXISTS boxes (
	{{rowid}}
	room        TEXT NOT NULL REFERENCES rooms(id),
	public_key  TEXT NOT NULL,
	cert_serial TEXT NOT NULL DEFAULT '',
	cert_pem    TEXT NOT NULL DEFAULT '',
	enrolled_at BIGINT NOT NULL,
	revoked_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS boxes_room ON boxes(room, revoked_at);
CREATE TABLE IF NOT EXISTS users (
	username     TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	scope        TEXT NOT NULL DEFAULT '',
	pass_hash    TEXT NOT NULL,
	failures     BIGINT NOT NULL DEFAULT 0,
	locked_until BIGINT NOT NULL DEFAULT 0,
	created_at   BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
	token_hash TEXT PRIMARY KEY,
	username   TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
	csrf       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
	token_hash TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL,
	scope      TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL DEFAULT 0,
	revoked_at BIGINT NOT NULL DEFAULT 0
);
`

// addLegacyColumns gives tables made by an earlier hub the columns they
// gained since (SQLite adds a column with a REFERENCES clause only with a
// NULL default, so NULL means "not set"), then the indexes on them.
func addLegacyColumns(ctx context.Context, tx *sql.Tx, d sqldb.Dialect) error {
	added := []struct{ table, name, decl string }{
		{"rooms", "jurisdiction", "TEXT REFERENCES jurisdictions(code)"},
		{"rooms", "agency", "TEXT REFERENCES agencies(id)"},
		// Records stored before packs are a file each: offset -1.
		{"segments", "offset", "BIGINT NOT NULL DEFAULT -1"},
	}
	for _, c := range added {
		have, err := sqldb.Columns(ctx, tx, d, c.table)
		if err != nil {
			return err
		}
		if have[c.name] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `ALTER TABLE `+c.table+` ADD COLUMN "`+c.name+`" `+c.decl); err != nil {
			return fmt.Errorf("add column %s.%s: %w", c.table, c.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `
		CREATE INDEX IF NOT EXISTS rooms_jurisdiction ON rooms(jurisdiction);
		CREATE INDEX IF NOT EXISTS rooms_agency ON rooms(agency);`); err != nil {
		return fmt.Errorf("room owner indexes: %w", err)
	}
	return nil
}
