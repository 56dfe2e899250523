package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

func fileOf(name string, b []byte) bundle.File {
	sum := sha256.Sum256(b)
	return bundle.File{Path: name, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
}

// enrollment is the room's enrollment record: every box the room has had
// (the boxes table, with certificates), boxes enrolled before that table
// existed from the audit log, and the current key from the rooms table, so
// that records of a replaced box still verify.
func enrollment(ctx context.Context, st Store, au Audit, rm store.Room) ([]byte, error) {
	past, err := au.List(ctx, audit.Filter{Action: audit.BoxEnroll, Target: rm.ID, From: time.Unix(0, 0), Limit: 10000})
	if err != nil {
		return nil, err
	}
	boxes, err := st.Boxes(ctx, rm.ID)
	if err != nil {
		return nil, err
	}
	var keys []bundle.Key
	add := func(k bundle.Key) {
		pub, err := protocol.ParsePublicKey(k.PublicKey)
		if err != nil {
			return // not a key this hub accepted; the current one is checked below
		}
		keys = slices.DeleteFunc(keys, func(x bundle.Key) bool { return x.PublicKey == k.PublicKey })
		k.Alg, k.KeyID, k.EnrolledAt, k.RevokedAt = pub.Alg, pub.ID(), k.EnrolledAt.UTC(), k.RevokedAt.UTC()
		keys = append(keys, k)
	}
	slices.Reverse(past) // oldest first
	for _, e := range past {
		if !slices.ContainsFunc(boxes, func(b store.Box) bool { return b.PublicKey == e.Detail }) {
			add(bundle.Key{PublicKey: e.Detail, EnrolledAt: e.At})
		}
	}
	for _, b := range boxes {
		add(bundle.Key{PublicKey: b.PublicKey, EnrolledAt: b.EnrolledAt, RevokedAt: b.RevokedAt, Certificate: b.CertPEM})
	}
	if i := slices.IndexFunc(keys, func(k bundle.Key) bool { return k.PublicKey == rm.PublicKey }); i >= 0 {
		cur := keys[i]
		keys = append(slices.Delete(keys, i, i+1), cur)
	} else {
		add(bundle.Key{PublicKey: rm.PublicKey, EnrolledAt: rm.EnrolledAt})
	}
	if len(keys) == 0 || keys[len(keys)-1].PublicKey != rm.PublicKey {
		return nil, fmt.Errorf("room %s: the enrolled public key %q cannot be read: %w", rm.ID, rm.PublicKey, protocol.ErrInvalid)
	}
	keys[len(keys)-1].Current, keys[len(keys)-1].RevokedAt = true, time.Time{}
	return bundle.EncodeJSON(bundle.Enrollment{Format: bundle.FormatEnrollment, V: bundle.Version, Room: rm.ID, Name: rm.Name, Keys: keys})
}

// excerpt is the audit excerpt: the room's entries in full, the runs of
// other entries between them elided.
func excerpt(room string, entries []audit.Entry) bundle.AuditExcerpt {
	x := bundle.AuditExcerpt{Format: bundle.FormatAudit, V: bundle.Version, Room: room, Entries: []bundle.AuditEntry{}}
	for i, e := range entries {
		if i == 0 {
			x.Prev = e.Prev
		} else if prev := entries[i-1]; e.ID > prev.ID+1 {
			x.Entries = append(x.Entries, bundle.AuditEntry{ID: prev.ID + 1, LastID: e.ID - 1, Elided: true, Prev: prev.Hash, Hash: e.Prev})
		}
		x.Entries = append(x.Entries, bundle.AuditEntry{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail, Prev: e.Prev, Hash: e.Hash})
	}
	return x
}

// streams lists every stream's records in the range and its holes.
func streams(ctx context.Context, st Store, room string, from, to time.Time) ([]bundle.Stream, []record, error) {
	ids, err := st.Streams(ctx, room)
	if err != nil {
		return nil, nil, err
	}
	out := []bundle.Stream{}
	var recs []record
	for _, id := range ids {
		segs, holes, err := streamRecords(ctx, st, room, id, from, to)
		if err != nil {
			return nil, nil, fmt.Errorf("stream %s: %w", id, err)
		}
		if len(segs) == 0 && len(holes) == 0 {
			continue
		}
		if holes == nil {
			holes = []bundle.Hole{}
		}
		s := bundle.Stream{Stream: id, Segments: []bundle.Segment{}, Holes: holes}
		for _, g := range segs {
			name := bundle.SegmentPath(room, id, g.Seq)
			s.Segments = append(s.Segments, bundle.Segment{
				Seq: g.Seq, LastSeq: g.LastSeq, Record: g.Record, Gap: g.GapReason, Start: g.Start, End: g.End,
				Hash: g.Hash, Prev: g.Prev, Size: g.Size, Path: name,
			})
			recs = append(recs, record{seg: g, hash: g.Hash, name: name})
		}
		out = append(out, s)
	}
	return out, recs, nil
}
