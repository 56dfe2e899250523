package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evalroom/evalroom/internal/durable"
	"github.com/evalroom/evalroom/protocol"
)

// migrate moves every stream of a single-file spool (the layout before a
// file per stream) into its stream's file, one transaction per stream, and
// removes the old file only when all are durable. Run again after a crash,
// it copies the same records again: a record already moved is replaced by
// the same bytes.
func (s *Spool) migrate(path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	old, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
	if err != nil {
		return err
	}
	moved := 0
	err = old.View(func(otx *bolt.Tx) error {
		meta := otx.Bucket(bucketMeta)
		if meta == nil {
			return nil // an empty or foreign file: nothing to move
		}
		return meta.ForEachBucket(func(name []byte) error {
			stream := string(name)
			if !protocol.ValidID(stream) {
				return fmt.Errorf("stream %q: %w", stream, protocol.ErrInvalid)
			}
			sh, ok := s.shards[stream]
			if !ok {
				var err error
				if sh, err = openShard(s.dir, stream); err != nil {
					return err
				}
				s.shards[stream] = sh
			}
			n, err := moveStream(otx, sh, stream)
			moved += n
			return err
		})
	})
	if cerr := old.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return err
	}
	if err := durable.SyncDir(filepath.Dir(path)); err != nil {
		return err
	}
	s.log.Info("moved the spool to a file per stream", "from", path, "to", s.dir, "records", moved)
	return nil
}

// moveStream copies one stream's head, entries and records.
func moveStream(otx *bolt.Tx, sh *shard, stream string) (int, error) {
	n := 0
	err := sh.db.Update(func(tx *bolt.Tx) error {
		if h := otx.Bucket(bucketChain).Get([]byte(stream)); h != nil {
			if err := tx.Bucket(bucketChain).Put([]byte(stream), h); err != nil {
				return err
			}
		}
		data := otx.Bucket(bucketData).Bucket([]byte(stream))
		return otx.Bucket(bucketMeta).Bucket([]byte(stream)).ForEach(func(k, v []byte) error {
			var e Entry
			if err := jsonUnmarshal(v, &e); err != nil {
				return fmt.Errorf("spool entry %s/%x: %w", stream, k, err)
			}
			var rec []byte
			if data != nil {
				if rb := data.Bucket(k); rb != nil {
					rec = rb.Get(recordKey)
				}
			}
			if rec == nil {
				return fmt.Errorf("%s seq %d has an entry but no record", stream, e.Seq)
			}
			db, err := tx.Bucket(bucketData).CreateBucketIfNotExists([]byte(stream))
			if err != nil {
				return err
			}
			if err := deleteData(db, e.Seq); err != nil {
				return err
			}
			n++
			return putRecord(tx, e, rec)
		})
	})
	return n, err
}
