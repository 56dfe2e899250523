package media

import (
	"context"
	"errors"

	"github.com/evalroom/evalroom/hub/store"
)

// streamHead is the stream's stored record with the highest sequence
// number, kept in memory so that a record that comes next needs no index
// query to be placed. It is read and changed only under the stream's lock.
type streamHead struct {
	loaded  bool
	seen    bool // the stream has a stored record
	lastSeq uint64
	chain   string
}

// head returns the stream's head, reading it from the index the first time.
func (in *Ingest) head(ctx context.Context, room, stream string) (*streamHead, error) {
	v, _ := in.heads.LoadOrStore(room+"/"+stream, &streamHead{})
	h := v.(*streamHead)
	if h.loaded {
		return h, nil
	}
	last, err := in.idx.Latest(ctx, room, stream)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		h.seen, h.lastSeq, h.chain = true, last.LastSeq, last.Chain
	}
	h.loaded = true
	return h, nil
}

// stored moves the head past a record that is now in the index.
func (in *Ingest) stored(room, stream string, row store.Segment) {
	v, ok := in.heads.Load(room + "/" + stream)
	if !ok {
		return
	}
	h := v.(*streamHead)
	if !h.seen || row.LastSeq > h.lastSeq {
		h.seen, h.lastSeq, h.chain = true, row.LastSeq, row.Chain
	}
}
