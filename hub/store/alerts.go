package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Alert states.
const (
	AlertOpen     = "open"
	AlertAcked    = "acked"
	AlertResolved = "resolved"
)

// Alert is one alert's record.
type Alert struct {
	ID         int64
	Room       string
	Stream     string
	Kind       string
	Severity   string
	State      string
	Detail     string
	OpenedAt   time.Time
	AckedAt    time.Time
	AckedBy    string
	Comment    string
	ResolvedAt time.Time
	NotifiedAt time.Time
	Notified   int
}

const alertCols = `id, room, stream, kind, severity, state, detail, opened_at, acked_at, acked_by, comment, resolved_at, notified_at, notified`

func scanAlert(sc interface{ Scan(...any) error }) (Alert, error) {
	var a Alert
	var opened, acked, resolved, notified int64
	err := sc.Scan(&a.ID, &a.Room, &a.Stream, &a.Kind, &a.Severity, &a.State, &a.Detail, &opened, &acked, &a.AckedBy, &a.Comment, &resolved, &notified, &a.Notified)
	a.OpenedAt, a.AckedAt, a.ResolvedAt, a.NotifiedAt = fromNanos(opened), fromNanos(acked), fromNanos(resolved), fromNanos(notified)
	return a, err
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// InsertAlert stores a new alert and returns it with its id.
func (s *Store) InsertAlert(ctx context.Context, a Alert) (Alert, error) {
	err := s.db.QueryRowContext(ctx, `INSERT INTO alerts(room, stream, kind, severity, state, detail, opened_at, notified_at, notified) VALUES(?,?,?,?,?,?,?,?,?) RETURNING id`,
		a.Room, a.Stream, a.Kind, a.Severity, a.State, a.Detail, nanos(a.OpenedAt), nanos(a.NotifiedAt), a.Notified).Scan(&a.ID)
	if err != nil {
		return a, fmt.Errorf("insert alert: %w", err)
	}
	return a, nil
}

// UpdateAlert writes an alert's changing fields.
func (s *Store) UpdateAlert(ctx context.Context, a Alert) error {
	_, err := s.db.ExecContext(ctx, `UPDATE alerts SET severity=?, state=?, detail=?, acked_at=?, acked_by=?, comment=?, resolved_at=?, notified_at=?, notified=? WHERE id=?`,
		a.Severity, a.State, a.Detail, nanos(a.AckedAt), a.AckedBy, a.Comment, nanos(a.ResolvedAt), nanos(a.NotifiedAt), a.Notified, a.ID)
	if err != nil {
		return fmt.Errorf("update alert %d: %w", a.ID, err)
	}
	return nil
}

// Alert returns one alert.
func (s *Store) Alert(ctx context.Context, id int64) (Alert, error) {
	a, err := scanAlert(s.db.QueryRowContext(ctx, `SELECT `+alertCols+` FROM alerts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("alert %d: %w", id, ErrNotFound)
	}
	return a, err
}

// Alerts lists alerts, newest first; empty state or room means any.
func (s *Store) Alerts(ctx context.Context, state, room string, limit int) ([]Alert, error) {
	q := `SELECT ` + alertCols + ` FROM alerts WHERE (? = '' OR state = ?) AND (? = '' OR room = ?) ORDER BY id DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, state, state, room, room, limit)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return scanAlerts(rows)
}

func scanAlerts(rows *sql.Rows) ([]Alert, error) {
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// UnresolvedAlerts returns every open or acknowledged alert.
func (s *Store) UnresolvedAlerts(ctx context.Context) ([]Alert, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertCols+` FROM alerts WHERE state != ? ORDER BY id`, AlertResolved)
	if err != nil {
		return nil, fmt.Errorf("list unresolved alerts: %w", err)
	}
	return scanAlerts(rows)
}
