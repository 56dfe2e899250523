package recstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/evalroom/evalroom/internal/durable"
)

// packLimit is where a stream starts a new pack file.
const packLimit = 1 << 30

// packs appends each room's records, of all its streams, to pack files
// (DATA/media/ROOM/pack-NNNNNN.seg). A record is written into a place
// reserved for it; the group commit then syncs each pack once for every
// record that arrived meanwhile, where a file per record costs a creation,
// a rename, a sync of the file and one of the directory each. A pack is only
// ever appended to; a record's place is its pack, offset and size in the
// index. Bytes that a crash left after the last indexed record are dead
// and never read.
type packs struct {
	dir  string   // DATA/media
	tail sync.Map // room dir -> *packTail, once read from the directory
}

// packTail is where a room's next record goes.
type packTail struct {
	mu     sync.Mutex
	loaded bool // path and size read from the directory
	path   string
	size   int64
}

// put appends each record to its room's pack and syncs every pack it
// wrote to once, concurrently: the records are durable when it returns.
func (p *packs) put(_ context.Context, batch []*Record) error {
	synced := make(map[string]bool)
	for _, r := range batch {
		path, off, err := p.appendRecord(r.Room, r.Body)
		if err != nil {
			return err
		}
		r.Path, r.Offset = path, off
		synced[path] = false
	}
	errs := make(chan error, len(synced))
	for path := range synced {
		go func() { errs <- syncPack(path) }()
	}
	var first error
	for range synced {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// readFile reads a record from a pack (or, before packs, its own file when
// off is negative).
// FileReader reads records from their pack files (off < 0: the whole file
// of a record stored before packs) by path: what playback, download and
// evidence read through when the hub keeps no object store.
type FileReader struct{}

// Read returns size bytes at off of path.
func (FileReader) Read(_ context.Context, path string, off, size int64) ([]byte, error) {
	return readFile(path, off, size)
}

func readFile(path string, off, size int64) ([]byte, error) {
	if off < 0 {
		return os.ReadFile(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, size)
	if _, err := f.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("read %s at %d: %w", path, off, err)
	}
	return b, nil
}

// appendRecord writes body into the next place of the room's current pack,
// without syncing it: put syncs the pack (group commit) before the record
// counts as stored. A new pack's name is made durable before any
// place in it is handed out, so no record can be committed into a pack a
// crash could lose.
func (p *packs) appendRecord(room string, body []byte) (path string, off int64, err error) {
	dir := filepath.Join(p.dir, room)
	t, err := p.tailOf(dir)
	if err != nil {
		return "", 0, err
	}
	t.mu.Lock()
	if t.path == "" || t.size+int64(len(body)) > packLimit {
		if err := p.newPack(t, dir); err != nil {
			t.mu.Unlock()
			return "", 0, err
		}
	}
	path, off = t.path, t.size
	t.size += int64(len(body)) // reserved: concurrent records write side by side
	t.mu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return "", 0, fmt.Errorf("open pack: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteAt(body, off); err != nil {
		return "", 0, fmt.Errorf("write pack %s: %w", path, err)
	}
	return path, off, f.Close()
}

// newPack starts the room's next pack and makes its name durable (and, for
// a room's first, the room's directory). The caller holds t.mu.
func (p *packs) newPack(t *packTail, dir string) error {
	first := t.path == ""
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("media dir: %w", err)
	}
	path := nextPack(dir, t.path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("create pack: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	dirs := []string{dir}
	if first {
		dirs = append(dirs, p.dir, filepath.Dir(p.dir))
	}
	for _, d := range dirs {
		if err := durable.SyncDir(d); err != nil {
			return err
		}
	}
	t.path, t.size = path, 0
	return nil
}

// syncPack makes a pack's written records durable.
func syncPack(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open pack: %w", err)
	}
	defer f.Close()
	if err := syscall.Fdatasync(int(f.Fd())); err != nil {
		return fmt.Errorf("sync pack %s: %w", path, err)
	}
	return nil
}

// tailOf returns the room's tail, reading the directory the first time.
// Concurrent first uploads of a room get the same tail: two tails would
// hand out the same places.
func (p *packs) tailOf(dir string) (*packTail, error) {
	v, _ := p.tail.LoadOrStore(dir, &packTail{})
	t := v.(*packTail)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.loaded {
		path, size, err := currentPack(dir)
		if err != nil {
			return nil, err
		}
		t.path, t.size, t.loaded = path, size, true
	}
	return t, nil
}

// currentPack returns the stream's newest pack and its size; "" when the
// stream has none yet.
func currentPack(dir string) (string, int64, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", 0, nil // a room with nothing stored yet
	}
	if err != nil {
		return "", 0, fmt.Errorf("read media dir: %w", err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "pack-") && strings.HasSuffix(e.Name(), ".seg") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return "", 0, nil
	}
	sort.Strings(names)
	path := filepath.Join(dir, names[len(names)-1])
	fi, err := os.Stat(path)
	if err != nil {
		return "", 0, err
	}
	return path, fi.Size(), nil
}

func nextPack(dir, cur string) string {
	n := 0
	if cur != "" {
		fmt.Sscanf(filepath.Base(cur), "pack-%06d.seg", &n)
	}
	return filepath.Join(dir, fmt.Sprintf("pack-%06d.seg", n+1))
}
