package retention

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/evalroom/evalroom/hub/sqldb"
)

// Migrations make the job's own table: every record it removed, so that
// a later evidence export names the hole. Kept here, beside the job, so
// the hub's main schema is untouched.
var Migrations = []sqldb.Migration{{Version: 1, SQL: `
CREATE TABLE IF NOT EXISTS retention_removed (
	room       TEXT NOT NULL,
	stream     TEXT NOT NULL,
	seq        BIGINT NOT NULL,
	last_seq   BIGINT NOT NULL,
	start_ns   BIGINT NOT NULL,
	end_ns     BIGINT NOT NULL,
	audit_id   BIGINT NOT NULL,
	removed_ns BIGINT NOT NULL,
	PRIMARY KEY (room, stream, seq)
)`}}

// place is a pack file or an object and what it holds, in brief.
type place struct {
	path, room string
	newestEnd  int64 // Unix ns of the newest record's end
	session    bool  // a record of it was recorded in a procurement session
	records    int
}

// places lists every place the index points at.
func places(ctx context.Context, db *sql.DB) ([]place, error) {
	rows, err := db.QueryContext(ctx, `SELECT path, room, MAX(end_ns), MAX(CASE WHEN session != '' THEN 1 ELSE 0 END), COUNT(*) FROM segments GROUP BY path, room ORDER BY path`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []place
	for rows.Next() {
		var p place
		var session int
		if err := rows.Scan(&p.path, &p.room, &p.newestEnd, &session, &p.records); err != nil {
			return nil, err
		}
		p.session = session != 0
		out = append(out, p)
	}
	return out, rows.Err()
}

// forget moves the index rows of a place into retention_removed, in one
// transaction, naming the audit entry that announced it; it returns how
// many it moved.
func forget(ctx context.Context, db *sql.DB, path string, cutoff, auditID, now int64) (int64, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// Listed before, checked again here: a place that got a session
	// record or a record inside the period since is kept whole.
	var session, newer int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN session != '' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN end_ns >= ? THEN 1 ELSE 0 END), 0) FROM segments WHERE path = ?`, cutoff, path).Scan(&session, &newer); err != nil {
		return 0, fmt.Errorf("check %s again: %w", path, err)
	}
	if session > 0 {
		return 0, fmt.Errorf("%s holds %d records of a session, which are kept: not removed", path, session)
	}
	if newer > 0 {
		return 0, fmt.Errorf("%s holds %d records inside the retention period: not removed", path, newer)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO retention_removed(room, stream, seq, last_seq, start_ns, end_ns, audit_id, removed_ns)
		SELECT room, stream, seq, last_seq, start_ns, end_ns, ?, ? FROM segments WHERE path = ? AND session = ''`, auditID, now, path); err != nil {
		return 0, fmt.Errorf("record the removal of %s: %w", path, err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE path = ? AND session = ''`, path)
	if err != nil {
		return 0, fmt.Errorf("remove the index rows of %s: %w", path, err)
	}
	n, _ := res.RowsAffected()
	return n, tx.Commit()
}

// Log answers what the retention job removed.
type Log struct{ db *sql.DB }

// Open makes the job's table in the hub's database and returns its log.
func Open(ctx context.Context, db *sql.DB) (*Log, error) {
	if err := sqldb.Migrate(ctx, db, "retention", Migrations); err != nil {
		return nil, fmt.Errorf("create the retention table: %w", err)
	}
	return &Log{db: db}, nil
}

// Removed reports whether retention removed every record of seqs first to
// last of a stream, and the audit entry of the first removal.
func (l *Log) Removed(ctx context.Context, room, stream string, first, last uint64) (bool, int64, error) {
	var n, audit sql.NullInt64
	err := l.db.QueryRowContext(ctx, `SELECT CAST(SUM(last_seq - seq + 1) AS BIGINT), MIN(audit_id) FROM retention_removed WHERE room = ? AND stream = ? AND seq >= ? AND last_seq <= ?`,
		room, stream, int64(first), int64(last)).Scan(&n, &audit)
	if err != nil {
		return false, 0, err
	}
	return n.Valid && uint64(n.Int64) == last-first+1, audit.Int64, nil
}
