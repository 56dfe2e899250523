// Package store is the hub's database: rooms, enrollment tokens and the
// index of stored segments. SQLite (pure Go) by default.
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
	"net/url"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
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

const schema = `
CREATE TABLE IF NOT EXISTS rooms (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	public_key  TEXT NOT NULL DEFAULT '',
	enrolled_at INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS enroll_tokens (
	token_hash TEXT PRIMARY KEY,
	room       TEXT NOT NULL REFERENCES rooms(id),
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS segments (
	room       TEXT NOT NULL,
	stream     TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	last_seq   INTEGER NOT NULL,
	record     TEXT NOT NULL,
	start_ns   INTEGER NOT NULL,
	end_ns     INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	chain      TEXT NOT NULL,
	prev       TEXT NOT NULL,
	size       INTEGER NOT NULL,
	path       TEXT NOT NULL,
	gap_reason TEXT NOT NULL DEFAULT '',
	session    TEXT NOT NULL DEFAULT '',
	flags      TEXT NOT NULL DEFAULT '',
	verified   INTEGER NOT NULL DEFAULT 0,
	stored_at  INTEGER NOT NULL,
	offset     INTEGER NOT NULL DEFAULT -1,
	PRIMARY KEY (room, stream, seq)
);
CREATE INDEX IF NOT EXISTS segments_time ON segments(room, stream, start_ns);
`

// Open opens (creating if needed) the SQLite database at path, in WAL mode
// with full sync so that a commit is on disk when it returns.
func Open(ctx context.Context, path string) (*Store, error) {
	dsn := "file:" + url.PathEscape(path) + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	if _, err := db.ExecContext(ctx, schema+alertSchema+boxSchema+userSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create schema in %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("upgrade the database %s to this version: %w", path, err)
	}
	st := &Store{db: db}
	if err := st.prepare(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare statements in %s: %w", path, err)
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
