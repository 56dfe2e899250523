package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/evalroom/evalroom/hub/sqldb"
)

// User is a person who signs in.
type User struct {
	Username, Name, Role, Scope string
	PassHash                    string
	Failures                    int
	LockedUntil                 time.Time
}

// Session is a signed-in browser.
type Session struct {
	User    User
	CSRF    string
	Expires time.Time
}

// APIToken is a script's bearer token.
type APIToken struct {
	Name, Role, Scope string
	Expires           time.Time // zero: does not expire
}

// ErrLocked means too many wrong passwords: wait until the time it names.
var ErrLocked = errors.New("account locked after repeated wrong passwords")

// AddUser stores a new person.
func (s *Store) AddUser(ctx context.Context, u User) error {
	if _, err := s.UserByName(ctx, u.Username); err == nil {
		return fmt.Errorf("user %s: %w", u.Username, ErrExists)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO users(username, name, role, scope, pass_hash, created_at) VALUES(?,?,?,?,?,?)`,
		u.Username, u.Name, u.Role, u.Scope, u.PassHash, time.Now().UnixNano())
	if sqldb.IsUnique(err) { // added meanwhile
		return fmt.Errorf("user %s: %w", u.Username, ErrExists)
	}
	return err
}

// SetPassword replaces a person's password hash and unlocks the account.
func (s *Store) SetPassword(ctx context.Context, username, hash string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET pass_hash = ?, failures = 0, locked_until = 0 WHERE username = ?`, hash, username)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %s: %w", username, ErrNotFound)
	}
	return nil
}

// UserByName returns a person.
func (s *Store) UserByName(ctx context.Context, username string) (User, error) {
	var u User
	var locked int64
	err := s.db.QueryRowContext(ctx, `SELECT username, name, role, scope, pass_hash, failures, locked_until FROM users WHERE username = ?`, username).
		Scan(&u.Username, &u.Name, &u.Role, &u.Scope, &u.PassHash, &u.Failures, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %s: %w", username, ErrNotFound)
	}
	if locked != 0 {
		u.LockedUntil = time.Unix(0, locked)
	}
	return u, err
}

// LoginFailed counts a wrong password; the limit-th in a row locks the
// account for lock. It returns the lock's end, zero if not locked.
func (s *Store) LoginFailed(ctx context.Context, username string, limit int, lock time.Duration) (time.Time, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return time.Time{}, err
	}
	defer tx.Rollback()
	var failures int
	if err := tx.QueryRowContext(ctx, `SELECT failures FROM users WHERE username = ?`, username).Scan(&failures); err != nil {
		return time.Time{}, err
	}
	failures++
	var until time.Time
	if failures >= limit {
		until = time.Now().Add(lock)
		failures = 0
	}
	var untilNs int64
	if !until.IsZero() {
		untilNs = until.UnixNano()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET failures = ?, locked_until = CASE WHEN locked_until > ? THEN locked_until ELSE ? END WHERE username = ?`, failures, untilNs, untilNs, username); err != nil {
		return time.Time{}, err
	}
	return until, tx.Commit()
}

// LoginSucceeded clears the count of wrong passwords.
func (s *Store) LoginSucceeded(ctx context.Context, username string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE users SET failures = 0 WHERE username = ?`, username)
	return err
}

// CreateSession signs a person in for ttl and returns the session's
// secret (for the cookie) and its CSRF token.
func (s *Store) CreateSession(ctx context.Context, username string, ttl time.Duration) (secret, csrf string, err error) {
	secret, csrf = randomToken(), randomToken()
	now := time.Now()
	_, err = s.db.ExecContext(ctx, `INSERT INTO sessions(token_hash, username, csrf, created_at, expires_at) VALUES(?,?,?,?,?)`,
		hashToken(secret), username, csrf, now.UnixNano(), now.Add(ttl).UnixNano())
	return secret, csrf, err
}

// SessionBySecret returns a live session.
func (s *Store) SessionBySecret(ctx context.Context, secret string) (Session, error) {
	var ss Session
	var exp, locked int64
	err := s.db.QueryRowContext(ctx, `SELECT u.username, u.name, u.role, u.scope, u.locked_until, s.csrf, s.expires_at
		FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = ? AND s.expires_at > ?`, hashToken(secret), time.Now().UnixNano()).
		Scan(&ss.User.Username, &ss.User.Name, &ss.User.Role, &ss.User.Scope, &locked, &ss.CSRF, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, ErrNotFound
	}
	ss.Expires = time.Unix(0, exp)
	return ss, err
}

// DeleteSession signs a browser out.
func (s *Store) DeleteSession(ctx context.Context, secret string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hashToken(secret))
	return err
}

// CreateAPIToken makes a bearer token; ttl 0 does not expire.
func (s *Store) CreateAPIToken(ctx context.Context, t APIToken, ttl time.Duration) (string, error) {
	secret := "evr_" + randomToken()
	now := time.Now()
	var exp int64
	if ttl > 0 {
		exp = now.Add(ttl).UnixNano()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_tokens(token_hash, name, role, scope, created_at, expires_at) VALUES(?,?,?,?,?,?)`,
		hashToken(secret), t.Name, t.Role, t.Scope, now.UnixNano(), exp)
	return secret, err
}

// APITokenBySecret returns a valid token.
func (s *Store) APITokenBySecret(ctx context.Context, secret string) (APIToken, error) {
	var t APIToken
	var exp int64
	err := s.db.QueryRowContext(ctx, `SELECT name, role, scope, expires_at FROM api_tokens
		WHERE token_hash = ? AND revoked_at = 0 AND (expires_at = 0 OR expires_at > ?)`, hashToken(secret), time.Now().UnixNano()).
		Scan(&t.Name, &t.Role, &t.Scope, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if exp != 0 {
		t.Expires = time.Unix(0, exp)
	}
	return t, err
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
