package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/evalroom/evalroom/hub/sqldb"
)

// roomSelect reads a room with its owner's names.
const roomSelect = `SELECT r.id, r.name, r.public_key, r.enrolled_at, r.created_at,
	COALESCE(r.jurisdiction, ''), COALESCE(j.name, ''), COALESCE(r.agency, ''), COALESCE(a.name, '')
	FROM rooms r
	LEFT JOIN jurisdictions j ON j.code = r.jurisdiction
	LEFT JOIN agencies a ON a.id = r.agency`

func scanRoom(sc interface{ Scan(...any) error }) (Room, error) {
	var r Room
	var enrolled, created int64
	err := sc.Scan(&r.ID, &r.Name, &r.PublicKey, &enrolled, &created,
		&r.Jurisdiction.Code, &r.Jurisdiction.Name, &r.Agency.ID, &r.Agency.Name)
	r.EnrolledAt, r.CreatedAt = fromNanos(enrolled), fromNanos(created)
	return r, err
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func room(ctx context.Context, q queryer, id string) (Room, error) {
	r, err := scanRoom(q.QueryRowContext(ctx, roomSelect+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("room %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("room %s: %w", id, err)
	}
	return r, nil
}

// RoomFilter selects rooms by owner. An empty field selects any; None
// selects rooms without one.
type RoomFilter struct {
	Jurisdiction string // code
	Agency       string // id
}

// RoomsOf returns the rooms that match f, ordered by id.
func (s *Store) RoomsOf(ctx context.Context, f RoomFilter) ([]Room, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"r.jurisdiction", f.Jurisdiction}, {"r.agency", f.Agency}} {
		switch c.v {
		case "":
		case None:
			where = append(where, c.col+" IS NULL")
		default:
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	q := roomSelect
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY r.id", args...)
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	defer rows.Close()
	var out []Room
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, fmt.Errorf("list rooms: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rename is a jurisdiction or agency that got another name: a code has one
// name, so the new name shows on every room with that code.
type Rename struct {
	Kind     string // "jurisdiction" or "agency"
	Code     string // the jurisdiction's code or the agency's id
	From, To string
	Rooms    int // rooms with that code or id, after the change
}

// String is the rename for the audit log.
func (r Rename) String() string {
	return fmt.Sprintf("%s → %s (%d rooms)", r.From, r.To, r.Rooms)
}

// AddRoom adds a room with its owner, if any. A jurisdiction or agency new
// to the hub needs its name; a known one may leave it out, and a different
// name renames it (reported in the result).
func (s *Store) AddRoom(ctx context.Context, r Room) ([]Rename, error) {
	j, a := r.Jurisdiction.normalized(), r.Agency.normalized()
	if err := validRoomName(r.Name); err != nil {
		return nil, err
	}
	if err := validOwner(j, a); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := room(ctx, tx, r.ID); err == nil {
		return nil, fmt.Errorf("room %s: %w", r.ID, ErrExists)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	var renames []Rename
	jcode, err := putOwner(ctx, tx, jurisdictionTable, j.Code, j.Name, &renames)
	if err != nil {
		return nil, err
	}
	aid, err := putOwner(ctx, tx, agencyTable, a.ID, a.Name, &renames)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO rooms(id, name, created_at, jurisdiction, agency) VALUES(?, ?, ?, ?, ?)`,
		r.ID, r.Name, time.Now().UnixNano(), jcode, aid); sqldb.IsUnique(err) { // added meanwhile
		return nil, fmt.Errorf("room %s: %w", r.ID, ErrExists)
	} else if err != nil {
		return nil, fmt.Errorf("create room %s: %w", r.ID, err)
	}
	if err := countRenamed(ctx, tx, renames); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create room %s: %w", r.ID, err)
	}
	return renames, nil
}

// RoomUpdate changes some of a room's fields; a nil field stays as it is.
type RoomUpdate struct {
	Name         *string
	Jurisdiction *Jurisdiction // the zero Jurisdiction clears it
	Agency       *Agency       // the zero Agency clears it
}

// RoomChange is what an update did.
type RoomChange struct {
	Before, After Room
	Renames       []Rename
}

// Changed reports whether anything changed.
func (c RoomChange) Changed() bool {
	return len(c.Renames) > 0 || c.Before.Name != c.After.Name ||
		c.Before.Jurisdiction != c.After.Jurisdiction || c.Before.Agency != c.After.Agency
}

// String says what changed on the room, for the audit log: "name: A → B;
// jurisdiction: (none) → 450206 柳州市柳江区"; "" if only names of its
// jurisdiction or agency changed (see Renames).
func (c RoomChange) String() string {
	var parts []string
	if c.Before.Name != c.After.Name {
		parts = append(parts, "name: "+c.Before.Name+" → "+c.After.Name)
	}
	// Another name for the same code is a Rename, reported on its own.
	if c.Before.Jurisdiction.Code != c.After.Jurisdiction.Code {
		parts = append(parts, "jurisdiction: "+c.Before.Jurisdiction.String()+" → "+c.After.Jurisdiction.String())
	}
	if c.Before.Agency.ID != c.After.Agency.ID {
		parts = append(parts, "agency: "+c.Before.Agency.String()+" → "+c.After.Agency.String())
	}
	return strings.Join(parts, "; ")
}

// UpdateRoom changes a room's name or owner in one transaction.
func (s *Store) UpdateRoom(ctx context.Context, id string, u RoomUpdate) (RoomChange, error) {
	var c RoomChange
	if u.Name != nil {
		if err := validRoomName(strings.TrimSpace(*u.Name)); err != nil {
			return c, err
		}
	}
	var j *Jurisdiction
	var a *Agency
	if u.Jurisdiction != nil {
		n := u.Jurisdiction.normalized()
		if !n.IsZero() {
			if err := n.Validate(); err != nil {
				return c, err
			}
		}
		j = &n
	}
	if u.Agency != nil {
		n := u.Agency.normalized()
		if !n.IsZero() {
			if err := n.Validate(); err != nil {
				return c, err
			}
		}
		a = &n
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return c, err
	}
	defer tx.Rollback()
	if c.Before, err = room(ctx, tx, id); err != nil {
		return c, err
	}
	name, jcode, aid := c.Before.Name, nullable(c.Before.Jurisdiction.Code), nullable(c.Before.Agency.ID)
	if u.Name != nil {
		name = strings.TrimSpace(*u.Name)
	}
	if j != nil {
		if jcode, err = putOwner(ctx, tx, jurisdictionTable, j.Code, j.Name, &c.Renames); err != nil {
			return c, err
		}
	}
	if a != nil {
		if aid, err = putOwner(ctx, tx, agencyTable, a.ID, a.Name, &c.Renames); err != nil {
			return c, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE rooms SET name = ?, jurisdiction = ?, agency = ? WHERE id = ?`, name, jcode, aid, id); err != nil {
		return c, fmt.Errorf("update room %s: %w", id, err)
	}
	if err := countRenamed(ctx, tx, c.Renames); err != nil {
		return c, err
	}
	if c.After, err = room(ctx, tx, id); err != nil {
		return c, err
	}
	if err := tx.Commit(); err != nil {
		return c, fmt.Errorf("update room %s: %w", id, err)
	}
	return c, nil
}

// maxRoomName bounds a room's name, in bytes.
const maxRoomName = 200

func validRoomName(s string) error {
	if s == "" || len(s) > maxRoomName {
		return invalid("name", "give the room's name, at most %d bytes, e.g. 第7评标室", maxRoomName)
	}
	return validName("name", s)
}

func validOwner(j Jurisdiction, a Agency) error {
	if !j.IsZero() {
		if err := j.Validate(); err != nil {
			return err
		}
	}
	if !a.IsZero() {
		return a.Validate()
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
