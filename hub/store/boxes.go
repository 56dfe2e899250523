package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/evalroom/evalroom/protocol"
)

// Box is one box enrolled for a room.
type Box struct {
	Room       string
	PublicKey  string
	CertSerial string // "" for a box enrolled without a certificate
	CertPEM    string
	EnrolledAt time.Time
	RevokedAt  time.Time // zero while it is the room's box
}

// Issuer makes the certificate of a box being enrolled for room; nil enrolls
// without one.
type Issuer func(room string) (serial, certPEM string, err error)

// Enroll spends a one-time token and makes publicKey the room's box,
// without a certificate.
func (s *Store) Enroll(ctx context.Context, token, publicKey string) (Room, error) {
	rm, _, err := s.EnrollBox(ctx, token, publicKey, nil)
	return rm, err
}

// EnrollBox spends a one-time token, revokes the room's earlier box (its
// key and certificate are refused from now on; its history stays) and makes
// publicKey, with the certificate issue makes, the room's box: all in one
// transaction.
func (s *Store) EnrollBox(ctx context.Context, token, publicKey string, issue Issuer) (Room, Box, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Room{}, Box{}, err
	}
	defer tx.Rollback()
	var room string
	now := time.Now()
	err = tx.QueryRowContext(ctx, `SELECT room FROM enroll_tokens WHERE token_hash = ? AND used_at = 0 AND expires_at > ?`, hashToken(token), now.UnixNano()).Scan(&room)
	if errors.Is(err, sql.ErrNoRows) {
		return Room{}, Box{}, ErrToken
	}
	if err != nil {
		return Room{}, Box{}, err
	}
	box := Box{Room: room, PublicKey: publicKey, EnrolledAt: now}
	if issue != nil {
		if box.CertSerial, box.CertPEM, err = issue(room); err != nil {
			return Room{}, Box{}, err
		}
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE enroll_tokens SET used_at = ? WHERE token_hash = ?`, []any{now.UnixNano(), hashToken(token)}},
		{`UPDATE boxes SET revoked_at = ? WHERE room = ? AND revoked_at = 0`, []any{now.UnixNano(), room}},
		{`INSERT INTO boxes(room, public_key, cert_serial, cert_pem, enrolled_at) VALUES(?, ?, ?, ?, ?)`, []any{room, publicKey, box.CertSerial, box.CertPEM, now.UnixNano()}},
		{`UPDATE rooms SET public_key = ?, enrolled_at = ? WHERE id = ?`, []any{publicKey, now.UnixNano(), room}},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return Room{}, Box{}, fmt.Errorf("enroll: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Room{}, Box{}, fmt.Errorf("enroll: %w", err)
	}
	rm, err := s.Room(ctx, room)
	return rm, box, err
}

// Boxes returns every box a room has had, the first enrolled first.
func (s *Store) Boxes(ctx context.Context, room string) ([]Box, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT room, public_key, cert_serial, cert_pem, enrolled_at, revoked_at FROM boxes WHERE room = ? ORDER BY enrolled_at, rowid`, room)
	if err != nil {
		return nil, fmt.Errorf("list boxes: %w", err)
	}
	defer rows.Close()
	var out []Box
	for rows.Next() {
		var b Box
		var enrolled, revoked int64
		if err := rows.Scan(&b.Room, &b.PublicKey, &b.CertSerial, &b.CertPEM, &enrolled, &revoked); err != nil {
			return nil, err
		}
		b.EnrolledAt = time.Unix(0, enrolled).UTC()
		if revoked != 0 {
			b.RevokedAt = time.Unix(0, revoked).UTC()
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BoxKey returns the public key of the room's current box.
func (s *Store) BoxKey(ctx context.Context, room string) (protocol.PublicKey, error) {
	rm, err := s.Room(ctx, room)
	if err != nil {
		return protocol.PublicKey{}, err
	}
	if rm.PublicKey == "" {
		return protocol.PublicKey{}, fmt.Errorf("room %s has no enrolled box: %w", room, ErrNotFound)
	}
	return protocol.ParsePublicKey(rm.PublicKey)
}

// CurrentCert reports whether serial is the certificate of room's current
// box; a replaced box's certificate is not.
func (s *Store) CurrentCert(ctx context.Context, room, serial string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM boxes WHERE room = ? AND cert_serial = ? AND revoked_at = 0 AND cert_serial != ''`, room, serial).Scan(&n)
	return n > 0, err
}

// RevokedCert is a certificate of a replaced box.
type RevokedCert struct {
	Serial    string
	RevokedAt time.Time
}

// RevokedCerts lists the certificates of every replaced box.
func (s *Store) RevokedCerts(ctx context.Context) ([]RevokedCert, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT cert_serial, revoked_at FROM boxes WHERE revoked_at != 0 AND cert_serial != '' ORDER BY revoked_at`)
	if err != nil {
		return nil, fmt.Errorf("list revoked certificates: %w", err)
	}
	defer rows.Close()
	var out []RevokedCert
	for rows.Next() {
		var c RevokedCert
		var at int64
		if err := rows.Scan(&c.Serial, &at); err != nil {
			return nil, err
		}
		c.RevokedAt = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
