package media

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// boxCache is what ingest remembers of each room's box between uploads:
// until the room is enrolled again through this hub (Forget), and at most
// boxCacheTTL, so that an enrollment this hub did not see (another replica,
// a tool on the database) is noticed too. An answer read from the index is
// kept only if no Forget came in while it was read.
type boxCache struct {
	mu  sync.Mutex
	m   map[string]boxEntry
	gen map[string]uint64
}

type boxEntry struct {
	key    protocol.PublicKey
	serial string // a certificate found current, "" until one is
	at     time.Time
}

// boxCacheTTL bounds how long a key or certificate is trusted from memory.
const boxCacheTTL = 10 * time.Second

func (c *boxCache) get(room string) (boxEntry, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[room]
	if ok && time.Since(e.at) > boxCacheTTL {
		delete(c.m, room)
		ok = false
	}
	return e, c.gen[room], ok
}

// put keeps e unless the room was forgotten since generation gen.
func (c *boxCache) put(room string, gen uint64, e boxEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen[room] != gen {
		return
	}
	if c.m == nil {
		c.m = map[string]boxEntry{}
	}
	c.m[room] = e
}

// Forget drops what ingest remembers of room's box: call it when the room
// is enrolled again, so the replaced box's key and certificate are refused
// from the next upload on.
func (in *Ingest) Forget(room string) {
	c := &in.boxes
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, room)
	if c.gen == nil {
		c.gen = map[string]uint64{}
	}
	c.gen[room]++
}

// boxKey returns the key of the room's box.
func (in *Ingest) boxKey(ctx context.Context, room string) (protocol.PublicKey, error) {
	e, gen, ok := in.boxes.get(room)
	if ok {
		return e.key, nil
	}
	rm, err := in.idx.Room(ctx, room)
	if errors.Is(err, store.ErrNotFound) {
		return protocol.PublicKey{}, fail(http.StatusForbidden, "room %s is not known to this hub", room)
	}
	if err != nil {
		return protocol.PublicKey{}, err
	}
	if rm.PublicKey == "" {
		return protocol.PublicKey{}, fail(http.StatusForbidden, "room %s has no enrolled box: enroll it first", room)
	}
	pub, err := protocol.ParsePublicKey(rm.PublicKey)
	if err != nil {
		return protocol.PublicKey{}, err
	}
	in.boxes.put(room, gen, boxEntry{key: pub, at: time.Now()})
	return pub, nil
}

// currentCert reports whether serial is the room's current certificate,
// asking the index once per box.
func (in *Ingest) currentCert(ctx context.Context, room, serial string) (bool, error) {
	e, gen, ok := in.boxes.get(room)
	if ok && e.serial == serial {
		return true, nil
	}
	current, err := in.current(ctx, room, serial)
	if !current || err != nil {
		return current, err
	}
	if ok {
		e.serial = serial
		in.boxes.put(room, gen, e)
	}
	return true, nil
}
