// Package sqldb opens the hub's database, SQLite (a file, the default) or
// PostgreSQL (a postgres:// URL), behind one database/sql handle, so that
// every domain keeps one copy of its queries: they are written with `?`
// placeholders, which the PostgreSQL connection rewrites to $1, $2, …
// Each domain keeps its own schema as numbered migrations (Migrate).
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the SQL engine behind a handle.
type Dialect string

// The engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// IsURL reports whether target names a server (postgres://…) rather than
// a SQLite file.
func IsURL(target string) bool { return strings.Contains(target, "://") }

// Open opens target: a postgres:// or postgresql:// URL, or else the path
// of a SQLite file (made if missing). It returns only once the database
// answers, with an error that says what to fix when it does not.
func Open(ctx context.Context, target string) (*sql.DB, error) {
	if !IsURL(target) {
		return openSQLite(ctx, target)
	}
	return openPostgres(ctx, target)
}

func openSQLite(ctx context.Context, path string) (*sql.DB, error) {
	// WAL with full sync: a commit is on disk when it returns; immediate
	// transactions: the one writer is chosen when a transaction begins.
	dsn := "file:" + url.PathEscape(path) + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, raw string) (*sql.DB, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("database %q: not a SQLite path or a postgres://USER@HOST:PORT/DB?sslmode=disable URL", redact(raw))
	}
	if strings.TrimPrefix(u.Path, "/") == "" {
		return nil, fmt.Errorf("database %s: name the database after the host, postgres://USER@HOST:PORT/DB?sslmode=disable", redact(raw))
	}
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("database %s: %v; give postgres://USER@HOST:PORT/DB?sslmode=disable", redact(raw), errors.Unwrap(err))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	db := sql.OpenDB(connector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL database %q as user %q at %s:%d (%s): %w; check that the server runs and the --db URL (or the configuration's database) names it",
			cfg.Database, cfg.User, cfg.Host, cfg.Port, redact(raw), err)
	}
	return db, nil
}

// redact hides a password in a URL, for messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unreadable URL)"
	}
	return u.Redacted()
}

// Redact is how a database target may be shown: a URL without its
// password, a path as it is.
func Redact(target string) string {
	if !IsURL(target) {
		return target
	}
	return redact(target)
}

// DialectOf tells which engine a handle from Open talks to.
func DialectOf(db *sql.DB) Dialect {
	if _, ok := db.Driver().(pgDriver); ok {
		return Postgres
	}
	return SQLite
}
