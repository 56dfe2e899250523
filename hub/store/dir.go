package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/evalroom/evalroom/hub/sqldb"
)

// DefaultDir is where the hub keeps its data unless told otherwise
// (serve's and every command's --data, the configuration's data_dir).
const DefaultDir = "./var/hub"

// File is the database's name in the data directory.
const File = "hub.db"

// DirMode says what OpenDir may make.
type DirMode int

// Modes of OpenDir.
const (
	// Existing refuses a data directory that holds no database (the
	// commands that read: room list, audit verify, evidence export).
	Existing DirMode = iota
	// NewDatabase makes the database in an existing directory (the
	// commands that add: room, user, token).
	NewDatabase
	// NewDir makes the directory too (serve).
	NewDir
)

// OpenDir opens the hub's database: the one way serve and every command
// find it. db is the --db flag or the configuration's database: a
// postgres:// URL, or a SQLite file; "" means File in the data directory
// dir.
func OpenDir(ctx context.Context, dir, db string, mode DirMode) (*Store, error) {
	if sqldb.IsURL(db) {
		if mode == Existing {
			if err := hasStore(ctx, db); err != nil {
				return nil, err
			}
		}
		return Open(ctx, db)
	}
	path := db
	if path == "" {
		path = filepath.Join(dir, File)
	}
	switch mode {
	case NewDir:
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("data dir %s: %w", dir, err)
		}
	case Existing:
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no hub database at %s (give the hub's --data, or its --db): %w", path, err)
		}
	}
	return Open(ctx, path)
}

// hasStore refuses a server database that no hub has made its tables in,
// as Existing refuses a data directory without hub.db.
func hasStore(ctx context.Context, target string) error {
	db, err := sqldb.Open(ctx, target)
	if err != nil {
		return err
	}
	defer db.Close()
	if v, err := sqldb.Version(ctx, db, Domain); err != nil || v == 0 {
		return fmt.Errorf("no hub database at %s (give the hub's --db; a hub started on it once makes its tables)", sqldb.Redact(target))
	}
	return nil
}
