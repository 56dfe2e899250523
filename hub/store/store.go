// Package store is the hub's database: rooms, enrollment tokens and the
// index of stored segments, on SQLite (the default) or PostgreSQL (hub/sqldb).
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/evalroom/evalroom/hub/sqldb"
)

// Errors callers test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrToken    = errors.New("enrollment token is unknown, used or expired: ask the operator for a new one")
)

// Store is the hub database.
type Store struct {
	db *sql.DB
	// Statements every upload runs, parsed once.
	covering, overlapping, latest, insertSeg *sql.Stmt
}

// Open opens the hub's database: target is a SQLite file (made if
// missing) or a postgres:// URL (see sqldb.Open). It brings the store's
// tables to this version (Migrations) and prepares the upload path's
// statements.
func Open(ctx context.Context, target string) (*Store, error) {
	db, err := sqldb.Open(ctx, target)
	if err != nil {
		return nil, err
	}
	shown := sqldb.Redact(target)
	if err := sqldb.Migrate(ctx, db, Domain, Migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("upgrade the database %s to this version: %w", shown, err)
	}
	st := &Store{db: db}
	if err := st.prepare(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare statements in %s: %w", shown, err)
	}
	return st, nil
}

// DB gives parts that keep their own tables (the audit log) the database.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Room is one evaluation room as the hub knows it.
type Room struct {
	ID         string
	Name       string
	PublicKey  string // "" until a box enrolls
	EnrolledAt time.Time
	CreatedAt  time.Time
	// Who the room belongs to: the finance department that regulates it
	// and the agency that runs it (zero values: not set yet).
	Jurisdiction Jurisdiction
	Agency       Agency
}

// Detail is how the audit log describes a new room, wherever it is made
// (the API or the command line): its name, and its owner if it has one.
func (r Room) Detail() string {
	d := r.Name
	if !r.Jurisdiction.IsZero() {
		d += "; jurisdiction: " + r.Jurisdiction.String()
	}
	if !r.Agency.IsZero() {
		d += "; agency: " + r.Agency.String()
	}
	return d
}

// CreateRoom adds a room without an owner; AddRoom adds one with.
func (s *Store) CreateRoom(ctx context.Context, id, name string) error {
	_, err := s.AddRoom(ctx, Room{ID: id, Name: name})
	return err
}

// Room returns one room.
func (s *Store) Room(ctx context.Context, id string) (Room, error) {
	return room(ctx, s.db, id)
}

// Rooms returns every room, ordered by id.
func (s *Store) Rooms(ctx context.Context) ([]Room, error) {
	return s.RoomsOf(ctx, RoomFilter{})
}

// IssueToken makes a one-time enrollment token for a room, valid for ttl.
// Only its hash is stored.
func (s *Store) IssueToken(ctx context.Context, room string, ttl time.Duration) (string, time.Time, error) {
	if _, err := s.Room(ctx, room); err != nil {
		return "", time.Time{}, err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", time.Time{}, err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	exp := time.Now().Add(ttl)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO enroll_tokens(token_hash, room, expires_at) VALUES(?, ?, ?)`, hashToken(tok), room, exp.UnixNano()); err != nil {
		return "", time.Time{}, fmt.Errorf("issue token: %w", err)
	}
	return tok, exp, nil
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
