package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// Band is one stretch of a stream's timeline.
type Band struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Kind     string    `json:"kind"`             // recorded, gap or missing
	Reason   string    `json:"reason,omitempty"` // why a gap
	Flags    []string  `json:"flags,omitempty"`
	Verified bool      `json:"verified"`
	FirstSeq uint64    `json:"first_seq"`
	LastSeq  uint64    `json:"last_seq"`
}

// TimelineStream is one stream's bands.
type TimelineStream struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Bands []Band `json:"bands"`
}

// SessionBand is a procurement session seen in the recordings.
type SessionBand struct {
	ID    string    `json:"id"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// TimelineAlert is an alert drawn on the timeline.
type TimelineAlert struct {
	ID         int64      `json:"id"`
	Stream     string     `json:"stream"`
	Kind       string     `json:"kind"`
	Severity   string     `json:"severity"`
	OpenedAt   time.Time  `json:"opened_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
}

// Timeline is what a room's timeline draws.
type Timeline struct {
	Room     string           `json:"room"`
	From     time.Time        `json:"from"`
	To       time.Time        `json:"to"`
	Streams  []TimelineStream `json:"streams"`
	Sessions []SessionBand    `json:"sessions"`
	Alerts   []TimelineAlert  `json:"alerts"`
}

// joinSlack is the largest hole between two records still drawn as one band.
const joinSlack = time.Second

// maxTimelineAlerts bounds the alerts a timeline shows.
const maxTimelineAlerts = 1000

func (a *API) timeline(w http.ResponseWriter, r *http.Request) {
	room, from, to, streams, ok := a.roomRange(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	tl := Timeline{Room: room, From: from.UTC(), To: to.UTC(), Streams: []TimelineStream{}, Sessions: []SessionBand{}, Alerts: []TimelineAlert{}}
	sessions := map[string]*SessionBand{}
	for _, st := range streams {
		segs, err := a.store.Segments(ctx, room, st, from, to, 1_000_000)
		if err != nil {
			a.fail(w, http.StatusInternalServerError, "cannot list segments", err)
			return
		}
		ts := TimelineStream{ID: st, Kind: a.streamKind(ctx, room, st, segs), Bands: bands(segs)}
		tl.Streams = append(tl.Streams, ts)
		for _, s := range segs {
			if s.Session == "" {
				continue
			}
			sb := sessions[s.Session]
			if sb == nil {
				sb = &SessionBand{ID: s.Session, Start: s.Start, End: s.End}
				sessions[s.Session] = sb
			}
			sb.Start, sb.End = minTime(sb.Start, s.Start), maxTime(sb.End, s.End)
		}
	}
	for _, sb := range sessions {
		tl.Sessions = append(tl.Sessions, *sb)
	}
	slices.SortFunc(tl.Sessions, func(x, y SessionBand) int { return x.Start.Compare(y.Start) })
	al, err := a.store.Alerts(ctx, "", room, maxTimelineAlerts)
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "cannot read alerts", err)
		return
	}
	for _, x := range al {
		if x.OpenedAt.After(to) || (!x.ResolvedAt.IsZero() && x.ResolvedAt.Before(from)) {
			continue
		}
		ta := TimelineAlert{ID: x.ID, Stream: x.Stream, Kind: x.Kind, Severity: x.Severity, OpenedAt: x.OpenedAt}
		if !x.ResolvedAt.IsZero() {
			t := x.ResolvedAt
			ta.ResolvedAt = &t
		}
		tl.Alerts = append(tl.Alerts, ta)
	}
	writeJSON(w, http.StatusOK, tl)
}

// bands merges consecutive records of the same kind, reason, flags and
// integrity into bands, and marks the holes between records as missing.
func bands(segs []store.Segment) []Band {
	out := []Band{}
	for _, s := range segs {
		b := Band{Start: s.Start, End: s.End, Kind: "recorded", Flags: s.Flags, Verified: s.Verified, FirstSeq: s.Seq, LastSeq: s.LastSeq}
		if s.Record == protocol.RecordGap {
			b.Kind, b.Reason = "gap", s.GapReason
		}
		if n := len(out); n > 0 {
			last := &out[n-1]
			hole := b.Start.Sub(last.End)
			if hole > joinSlack {
				out = append(out, Band{Start: last.End, End: b.Start, Kind: "missing", Verified: false, FirstSeq: last.LastSeq + 1, LastSeq: s.Seq - 1})
			} else if last.Kind == b.Kind && last.Reason == b.Reason && last.Verified == b.Verified && slices.Equal(last.Flags, b.Flags) && last.LastSeq+1 == b.FirstSeq {
				last.End, last.LastSeq = maxTime(last.End, b.End), b.LastSeq
				continue
			}
		}
		out = append(out, b)
	}
	return out
}

// streamKind says whether a stream is video or audio: from the box's
// device list, or else from the codec of a stored record.
func (a *API) streamKind(ctx context.Context, room, stream string, segs []store.Segment) string {
	for _, d := range a.fleet.State(room).Devices {
		if d.Stream == stream {
			return d.Kind
		}
	}
	for _, s := range segs {
		if s.Record != protocol.RecordMedia {
			continue
		}
		if b, err := a.readRecord(ctx, s); err == nil {
			if seg, err := protocol.DecodeSegment(b); err == nil && seg.Header.Codec == protocol.CodecPCM {
				return protocol.KindAudio
			}
		}
		break
	}
	return protocol.KindVideo
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
