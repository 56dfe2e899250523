package api

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// SegmentDetail is one stored record with its frame index, for players.
type SegmentDetail struct {
	Seq      uint64           `json:"seq"`
	LastSeq  uint64           `json:"last_seq"`
	Start    time.Time        `json:"start"`
	End      time.Time        `json:"end"`
	Codec    string           `json:"codec,omitempty"`
	Frames   []protocol.Frame `json:"frames"`
	SHA256   string           `json:"sha256"`
	Verified bool             `json:"verified"`
	Gap      *protocol.Gap    `json:"gap,omitempty"`
	Flags    []string         `json:"flags,omitempty"`
	Session  string           `json:"session,omitempty"`
}

// loadSegment reads a stored record and checks it against its index row:
// the file must still decode and hash to what was verified on ingest.
func (a *API) loadSegment(w http.ResponseWriter, r *http.Request) (store.Segment, *protocol.Segment, bool) {
	room, stream := r.PathValue("room"), r.PathValue("stream")
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if !protocol.ValidID(room) || !protocol.ValidID(stream) || err != nil {
		a.fail(w, http.StatusBadRequest, "bad room, stream or sequence number", nil)
		return store.Segment{}, nil, false
	}
	row, err := a.store.Segment(r.Context(), room, stream, seq)
	if errors.Is(err, store.ErrNotFound) {
		a.fail(w, http.StatusNotFound, "no such segment", nil)
		return row, nil, false
	}
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "cannot read the segment index", err)
		return row, nil, false
	}
	b, err := a.readRecord(r.Context(), row)
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "the segment file is missing from the store", err)
		return row, nil, false
	}
	seg, err := protocol.DecodeSegment(b)
	if err != nil || seg.Hash() != row.Hash {
		a.fail(w, http.StatusInternalServerError, "the stored segment file does not match its index: the store was altered", fmt.Errorf("%s: %v", row.Path, err))
		return row, nil, false
	}
	return row, seg, true
}

func (a *API) segmentDetail(w http.ResponseWriter, r *http.Request) {
	row, seg, ok := a.loadSegment(w, r)
	if !ok {
		return
	}
	h := seg.Header
	frames := h.Frames
	if frames == nil {
		frames = []protocol.Frame{}
	}
	writeJSON(w, http.StatusOK, SegmentDetail{
		Seq: h.Seq, LastSeq: h.LastSeq(), Start: h.Start, End: h.End, Codec: h.Codec, Frames: frames,
		SHA256: row.Hash, Verified: row.Verified, Gap: h.Gap, Flags: h.Flags, Session: h.Session,
	})
}

func (a *API) segmentPayload(w http.ResponseWriter, r *http.Request) {
	row, seg, ok := a.loadSegment(w, r)
	if !ok {
		return
	}
	if !a.recordPlayback(w, r, row.Room+"/"+row.Stream, row.Seq) {
		return
	}
	ct := "application/octet-stream"
	if seg.Header.Codec == protocol.CodecPCM {
		ct = "audio/L16; rate=16000; channels=1" // little-endian, see the frame index
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(seg.Payload)))
	w.Header().Set("X-Segment-SHA256", seg.Hash())
	w.Write(seg.Payload)
}

// maxRange bounds a timeline or download request.
const maxRange = 7 * 24 * time.Hour

// timeRange reads from and to; the default is the last hour.
func (a *API) timeRange(w http.ResponseWriter, r *http.Request, def time.Duration) (time.Time, time.Time, bool) {
	to := time.Now()
	from := to.Add(-def)
	if err := queryTimes(r, &from, &to); err != nil {
		a.fail(w, http.StatusBadRequest, err.Error(), nil)
		return from, to, false
	}
	if !to.After(from) || to.Sub(from) > maxRange {
		a.fail(w, http.StatusBadRequest, "to must be after from, at most 7 days later", nil)
		return from, to, false
	}
	return from, to, true
}

// roomRange reads a room request's room, time range (default: the last
// hour) and the streams with stored records.
func (a *API) roomRange(w http.ResponseWriter, r *http.Request) (room string, from, to time.Time, streams []string, ok bool) {
	room = r.PathValue("room")
	if !protocol.ValidID(room) {
		a.fail(w, http.StatusBadRequest, "bad room id", nil)
		return
	}
	if from, to, ok = a.timeRange(w, r, time.Hour); !ok {
		return
	}
	streams, err := a.store.Streams(r.Context(), room)
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "cannot list streams", err)
		return room, from, to, nil, false
	}
	return room, from, to, streams, true
}

// download streams the stored segment files of a room and time range as a
// tar: manifest.json first, then ROOM/STREAM/SEQ-HASH.seg for each record.
func (a *API) download(w http.ResponseWriter, r *http.Request) {
	room, from, to, streams, ok := a.roomRange(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	type entry struct {
		Stream string `json:"stream"`
		Segment
		File string `json:"file"`
		rec  store.Segment
	}
	var entries []entry
	for _, st := range streams {
		segs, err := a.store.Segments(ctx, room, st, from, to, 1_000_000)
		if err != nil {
			a.fail(w, http.StatusInternalServerError, "cannot list segments", err)
			return
		}
		for _, s := range segs {
			entries = append(entries, entry{
				Stream: st, Segment: toSegment(s), rec: s,
				File: fmt.Sprintf("%s/%s/%012d-%.16s.seg", room, st, s.Seq, s.Hash),
			})
		}
	}
	if !a.mustRecord(w, r, "", audit.Export, room, fmt.Sprintf("%s to %s, %d records", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), len(entries))) {
		return
	}
	manifest, _ := json.MarshalIndent(map[string]any{
		"room": room, "from": from.UTC(), "to": to.UTC(), "created": time.Now().UTC(), "protocol": protocol.Version, "segments": entries,
	}, "", "  ")
	name := fmt.Sprintf("evalroom-%s-%s.tar", room, from.UTC().Format("20060102T150405Z"))
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	tw := tar.NewWriter(w)
	now := time.Now()
	tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o644, Size: int64(len(manifest)), ModTime: now})
	tw.Write(manifest)
	for _, e := range entries {
		b, err := a.readRecord(ctx, e.rec)
		if err != nil {
			a.log.Error("segment missing from the store during download", "path", e.rec.Path, "err", err)
			return // the client sees a truncated tar, not a silently incomplete one
		}
		if err := tw.WriteHeader(&tar.Header{Name: e.File, Mode: 0o644, Size: int64(len(b)), ModTime: e.End}); err != nil {
			return
		}
		if _, err := tw.Write(b); err != nil {
			return
		}
	}
	tw.Close()
}
