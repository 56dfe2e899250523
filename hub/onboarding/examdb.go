package onboarding

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

const examSchema = `
CREATE TABLE IF NOT EXISTS exam_attempts (
	id          {{id}},
	"user"       TEXT NOT NULL,
	agency      TEXT NOT NULL,
	bank        TEXT NOT NULL,
	started_at  BIGINT NOT NULL,
	deadline    BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0,
	questions   TEXT NOT NULL,
	answers     TEXT NOT NULL,
	score       BIGINT NOT NULL DEFAULT 0,
	passed      BIGINT NOT NULL DEFAULT 0,
	timed_out   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS exam_attempts_user ON exam_attempts("user");
`

const attemptCols = `id, "user", agency, bank, started_at, deadline, finished_at, questions, answers, score, passed, timed_out`

func scanAttempt(row interface{ Scan(...any) error }) (Attempt, error) {
	var a Attempt
	var qs, as string
	var started, deadline, finished int64
	err := row.Scan(&a.ID, &a.User, &a.Agency, &a.Bank, &started, &deadline, &finished, &qs, &as, &a.Score, &a.Passed, &a.TimedOut)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, err
	}
	if err := errors.Join(json.Unmarshal([]byte(qs), &a.Questions), json.Unmarshal([]byte(as), &a.Answers)); err != nil {
		return a, fmt.Errorf("exam attempt %d is damaged in the database: %w", a.ID, err)
	}
	a.StartedAt, a.Deadline, a.FinishedAt = time.Unix(0, started).UTC(), time.Unix(0, deadline).UTC(), optTime(finished)
	return a, nil
}

// InsertAttempt stores a new attempt and returns its id.
func (d *DB) InsertAttempt(ctx context.Context, a Attempt) (int64, error) {
	var id int64
	err := d.db.QueryRowContext(ctx, `INSERT INTO exam_attempts("user", agency, bank, started_at, deadline, questions, answers)
		VALUES(?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.User, a.Agency, a.Bank, a.StartedAt.UnixNano(), a.Deadline.UnixNano(),
		jsonText(a.Questions), jsonText(a.Answers)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store the exam attempt: %w", err)
	}
	return id, nil
}

// DeleteAttempt removes an attempt whose start could not be put on record.
func (d *DB) DeleteAttempt(ctx context.Context, id int64) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM exam_attempts WHERE id = ? AND finished_at = 0`, id)
	return err
}

// Attempt returns one attempt.
func (d *DB) Attempt(ctx context.Context, id int64) (Attempt, error) {
	return scanAttempt(d.db.QueryRowContext(ctx, `SELECT `+attemptCols+` FROM exam_attempts WHERE id = ?`, id))
}

// Attempts returns a person's attempts, oldest first.
func (d *DB) Attempts(ctx context.Context, user string) ([]Attempt, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+attemptCols+` FROM exam_attempts WHERE "user" = ? ORDER BY id`, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PutAnswers replaces an open attempt's answers; ErrState if it has been
// scored meanwhile.
func (d *DB) PutAnswers(ctx context.Context, id int64, as []Answer) error {
	res, err := d.db.ExecContext(ctx, `UPDATE exam_attempts SET answers = ? WHERE id = ? AND finished_at = 0`, jsonText(as), id)
	return oneRow(res, err)
}

// Finish scores an open attempt; ErrState if it has been scored already.
func (d *DB) Finish(ctx context.Context, a Attempt) error {
	res, err := d.db.ExecContext(ctx, `UPDATE exam_attempts SET finished_at = ?, score = ?, passed = ?, timed_out = ?
		WHERE id = ? AND finished_at = 0`, a.FinishedAt.UnixNano(), a.Score, a.Passed, a.TimedOut, a.ID)
	return oneRow(res, err)
}

func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%w: the attempt was scored meanwhile; reload it", ErrState)
	}
	return nil
}
