// Package recstore keeps the bytes of the records the hub has verified:
// in pack files under the data directory (the default), or in an
// S3-compatible object store for a hub whose recordings outgrow one disk.
// Records arrive in batches (the ingest's group commit); a batch is durable
// when Put returns, and only then may the hub acknowledge it to a box. A
// record is read back by its place as the index keeps it: a path (a pack
// file, or s3://BUCKET/KEY) and a byte range.
package recstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Record is one record to store. Put sets Path and Offset.
type Record struct {
	Room   string
	Body   []byte
	Path   string // where it was stored: a pack file or s3://BUCKET/KEY
	Offset int64  // where in it
}

// ErrUnavailable wraps every failure of the object store to take or give
// bytes (unreachable, refusing, timing out): the hub answers an upload 503
// and the box keeps the segment and sends it again.
var ErrUnavailable = errors.New("the object store that keeps recordings is unavailable")

// Store keeps records in pack files or an object store, and reads records
// from either.
type Store struct {
	dir   string // DATA/media
	packs *packs
	s3    *S3 // nil: records go to pack files
}

// Open returns the store spec names: "" for pack files under dataDir/media,
// or s3://BUCKET?endpoint=http://HOST:PORT&region=R with the credentials of
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. An object store must be
// reachable, take the credentials and hold the bucket, or Open says which
// to fix.
func Open(ctx context.Context, spec, dataDir string) (*Store, error) {
	dir := filepath.Join(dataDir, "media")
	s := &Store{dir: dir, packs: &packs{dir: dir}}
	if spec == "" {
		return s, nil
	}
	cfg, err := ParseURL(spec)
	if err != nil {
		return nil, err
	}
	if s.s3, err = DialS3(ctx, cfg, EnvCredentials); err != nil {
		return nil, err
	}
	return s, nil
}

// Files is the store of pack files under dataDir/media.
func Files(dataDir string) *Store {
	dir := filepath.Join(dataDir, "media")
	return &Store{dir: dir, packs: &packs{dir: dir}}
}

// Put stores a batch: records of one room together in one pack or one
// object. It returns once every record is durable, or with an error and
// nothing to acknowledge.
func (s *Store) Put(ctx context.Context, batch []*Record) error {
	if s.s3 != nil {
		return s.s3.put(ctx, batch)
	}
	return s.packs.put(ctx, batch)
}

// Read returns size bytes at off of the record's place (off < 0: the whole
// file of a record stored before packs).
func (s *Store) Read(ctx context.Context, path string, off, size int64) ([]byte, error) {
	if bucket, key, ok := strings.Cut(strings.TrimPrefix(path, s3Scheme), "/"); ok && strings.HasPrefix(path, s3Scheme) {
		if s.s3 == nil || s.s3.bucket != bucket {
			return nil, fmt.Errorf("the record is in the object store's bucket %q: start the hub with --store s3://%s?endpoint=… (and its credentials) to read it", bucket, bucket)
		}
		return s.s3.read(ctx, key, off, size)
	}
	return readFile(path, off, size)
}

// Remove deletes a place (a pack file or an object) whose records the
// index no longer holds: the retention job's.
func (s *Store) Remove(ctx context.Context, path string) error {
	if bucket, key, ok := strings.Cut(strings.TrimPrefix(path, s3Scheme), "/"); ok && strings.HasPrefix(path, s3Scheme) {
		if s.s3 == nil || s.s3.bucket != bucket {
			return fmt.Errorf("%s is in the object store's bucket %q, which this hub does not use", path, bucket)
		}
		return s.s3.remove(ctx, key)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Check tells whether the object store answers (nil for pack files: the
// data directory's disk has its own check).
func (s *Store) Check(ctx context.Context) error {
	if s.s3 == nil {
		return nil
	}
	return s.s3.check(ctx)
}

// Remote reports whether records go to an object store.
func (s *Store) Remote() bool { return s.s3 != nil }

// String names where records go, for logs and /healthz.
func (s *Store) String() string {
	if s.s3 != nil {
		return s.s3.String()
	}
	return "pack files in " + s.dir
}
