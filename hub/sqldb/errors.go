package sqldb

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrUnique is a unique or primary key constraint that refused a write, on
// either engine: callers test it with errors.Is after Classify.
var ErrUnique = errors.New("a row with that key already exists")

// Classify wraps err with ErrUnique when it is either engine's unique
// violation, and returns it unchanged otherwise.
func Classify(err error) error {
	if err == nil || errors.Is(err, ErrUnique) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %w", ErrUnique, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", ErrUnique, err)
		}
	}
	return err
}

// IsUnique reports whether err is either engine's unique violation.
func IsUnique(err error) bool { return errors.Is(Classify(err), ErrUnique) }
