package procurement

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/evalroom/evalroom/hub/workday"
)

// challengeSchema is the tables of challenges, complaints, their evidence
// documents and the suspensions complaints cause.
const challengeSchema = `
CREATE TABLE IF NOT EXISTS challenges (
	id             {{id}},
	project        BIGINT NOT NULL REFERENCES projects(id),
	purchaser      TEXT NOT NULL,
	agency         TEXT NOT NULL,
	jurisdiction   TEXT NOT NULL,
	supplier       TEXT NOT NULL,
	step           TEXT NOT NULL,
	grounds        TEXT NOT NULL,
	state          TEXT NOT NULL,
	known          TEXT NOT NULL,
	filed          TEXT NOT NULL,
	reply          TEXT NOT NULL DEFAULT '',
	changes_result BIGINT NOT NULL DEFAULT 0,
	answered       TEXT NOT NULL DEFAULT '',
	created_at     BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS challenges_project ON challenges(project, state);
CREATE TABLE IF NOT EXISTS complaints (
	id           {{id}},
	challenge    BIGINT NOT NULL REFERENCES challenges(id),
	project      BIGINT NOT NULL,
	purchaser    TEXT NOT NULL,
	agency       TEXT NOT NULL,
	jurisdiction TEXT NOT NULL,
	supplier     TEXT NOT NULL,
	grounds      TEXT NOT NULL,
	state        TEXT NOT NULL,
	filed        TEXT NOT NULL,
	accepted     TEXT NOT NULL DEFAULT '',
	paused_since TEXT NOT NULL DEFAULT '',
	pause_reason TEXT NOT NULL DEFAULT '',
	paused_days  BIGINT NOT NULL DEFAULT 0,
	decision     TEXT NOT NULL DEFAULT '',
	decided      TEXT NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
	id         {{id}},
	owner      TEXT NOT NULL,
	name       TEXT NOT NULL,
	sha256     TEXT NOT NULL,
	size       BIGINT NOT NULL,
	by         TEXT NOT NULL,
	at         BIGINT NOT NULL,
	content    {{blob}} NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_owner ON documents(owner);
CREATE TABLE IF NOT EXISTS suspensions (
	id        {{id}},
	project   BIGINT NOT NULL,
	complaint BIGINT NOT NULL,
	since     TEXT NOT NULL,
	until     TEXT NOT NULL,
	reason    TEXT NOT NULL,
	lifted    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS suspensions_project ON suspensions(project);
`

const chalCols = `id, project, purchaser, agency, jurisdiction, supplier, step, grounds, state, known, filed, reply,
	changes_result, answered, created_at, updated_at`

func scanChal(row interface{ Scan(...any) error }) (Challenge, error) {
	var c Challenge
	var known, filed, answered string
	var created, updated int64
	err := row.Scan(&c.ID, &c.Project, &c.Purchaser, &c.Agency, &c.Jurisdiction, &c.Supplier, &c.Step, &c.Grounds, &c.State,
		&known, &filed, &c.Reply, &c.ChangesResult, &answered, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	c.Known, c.Filed, c.Answered = parseDate(known), parseDate(filed), parseDate(answered)
	c.CreatedAt, c.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return c, err
}

// InsertChallenge stores a challenge.
func (d *DB) InsertChallenge(ctx context.Context, c Challenge) (int64, error) {
	var id int64
	err := d.db.QueryRowContext(ctx, `INSERT INTO challenges(project, purchaser, agency, jurisdiction, supplier, step, grounds,
		state, known, filed, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Project, c.Purchaser, c.Agency, c.Jurisdiction, c.Supplier, c.Step, c.Grounds, c.State, c.Known.String(),
		c.Filed.String(), c.CreatedAt.UnixNano(), c.UpdatedAt.UnixNano()).Scan(&id)
	return id, err
}

// Challenge returns one challenge.
func (d *DB) Challenge(ctx context.Context, id int64) (Challenge, error) {
	return scanChal(d.db.QueryRowContext(ctx, `SELECT `+chalCols+` FROM challenges WHERE id = ?`, id))
}

// ChallengesWhere returns challenges, newest first: of a project (0: any)
// in a state ("": any).
func (d *DB) ChallengesWhere(ctx context.Context, project int64, state string, limit int) ([]Challenge, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+chalCols+` FROM challenges WHERE (? = 0 OR project = ?) AND (? = '' OR state = ?)
		ORDER BY id DESC LIMIT ?`, project, project, state, state, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Challenge{}
	for rows.Next() {
		c, err := scanChal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MoveChallenge changes a challenge's state and reply; ErrState if it is
// no longer in from.
func (d *DB) MoveChallenge(ctx context.Context, c Challenge, from string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE challenges SET state = ?, reply = ?, changes_result = ?, answered = ?, updated_at = ?
		WHERE id = ? AND state = ?`, c.State, c.Reply, c.ChangesResult, dateText(c.Answered), c.UpdatedAt.UnixNano(), c.ID, from)
	return changed(res, err)
}

// AddDocument stores an evidence file of owner ("challenge/1").
func (d *DB) AddDocument(ctx context.Context, owner string, doc Document, content []byte) (Document, error) {
	err := d.db.QueryRowContext(ctx, `INSERT INTO documents(owner, name, sha256, size, by, at, content) VALUES(?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		owner, doc.Name, doc.SHA256, doc.Size, doc.By, doc.At.UnixNano(), content).Scan(&doc.ID)
	return doc, err
}

// Documents lists owner's evidence files without their content.
func (d *DB) Documents(ctx context.Context, owner string) ([]Document, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, name, sha256, size, by, at FROM documents WHERE owner = ? ORDER BY id`, owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Document{}
	for rows.Next() {
		var doc Document
		var at int64
		if err := rows.Scan(&doc.ID, &doc.Name, &doc.SHA256, &doc.Size, &doc.By, &at); err != nil {
			return nil, err
		}
		doc.At = time.Unix(0, at).UTC()
		out = append(out, doc)
	}
	return out, rows.Err()
}

// Suspension returns the project's suspension in force on day, if any.
func (d *DB) Suspension(ctx context.Context, project int64, day workday.Date) (*Suspension, error) {
	var s Suspension
	var since, until string
	err := d.db.QueryRowContext(ctx, `SELECT complaint, since, until, reason FROM suspensions
		WHERE project = ? AND lifted = '' AND until >= ? ORDER BY id DESC LIMIT 1`, project, day.String()).Scan(&s.Complaint, &since, &until, &s.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	s.Since, s.Until = parseDate(since), parseDate(until)
	return &s, err
}

// Suspend records a suspension; Lift ends a complaint's suspensions.
func (d *DB) Suspend(ctx context.Context, project int64, s Suspension) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO suspensions(project, complaint, since, until, reason) VALUES(?, ?, ?, ?, ?)`,
		project, s.Complaint, s.Since.String(), s.Until.String(), s.Reason)
	return err
}

// Lift ends the suspensions of a complaint on day.
func (d *DB) Lift(ctx context.Context, complaint int64, day workday.Date) error {
	_, err := d.db.ExecContext(ctx, `UPDATE suspensions SET lifted = ? WHERE complaint = ? AND lifted = ''`, day.String(), complaint)
	return err
}
