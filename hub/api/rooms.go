package api

import (
	"context"
	"net/http"
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// Room is a room in the API.
type Room struct {
	ID                  string        `json:"id"`
	Name                string        `json:"name"`
	Jurisdiction        *Jurisdiction `json:"jurisdiction"` // null until set
	Agency              *Agency       `json:"agency"`       // null until set
	Enrolled            bool          `json:"enrolled"`
	Online              bool          `json:"online"`
	LastSeen            *time.Time    `json:"last_seen"`
	SpoolBytes          int64         `json:"spool_bytes"`
	OldestUnsentSeconds float64       `json:"oldest_unsent_seconds"`
	DiskFreeBytes       int64         `json:"disk_free_bytes"`
	UploadBytesPerSec   float64       `json:"upload_bytes_per_sec"`
	RecordBytesPerSec   float64       `json:"record_bytes_per_sec"`
	Session             string        `json:"session,omitempty"`
	ClockOffsetSeconds  *float64      `json:"clock_offset_seconds"` // box minus hub, null until measured
	RoundTripSeconds    *float64      `json:"round_trip_seconds"`
	Streams             []Stream      `json:"streams"`
	// Features is what the room's box offers beyond the first protocol
	// (e.g. "live.sub"): the page asks an older box for its main stream.
	Features []string `json:"features"`
	// Mark is the room's "可视化" mark (hub/onboarding.Mark), null when it
	// carries none.
	Mark any `json:"mark"`
}

// Marks returns the marks of the rooms that carry one, by room id.
type Marks func(ctx context.Context) (map[string]any, error)

// WithMarks makes the room list show each room's mark.
func (a *API) WithMarks(m Marks) *API {
	a.marks = m
	return a
}

// Jurisdiction is the finance department that regulates a room: the
// six-digit administrative division code and the division's name.
type Jurisdiction struct {
	Code string `json:"code"`
	Name string `json:"name,omitempty"`
}

// Agency is the procurement agency that runs a room.
type Agency struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Room states the room list filters by (?state=). problems is what the
// wall colours amber or red (hub/web/static/devstate.js): offline, a device
// absent or failed, a black, frozen, silent or clipping signal, an upload
// backlog, or an unresolved alert.
const (
	StateOnline   = "online"
	StateOffline  = "offline"
	StateAlert    = "alert" // an open or acknowledged alert
	StateProblems = "problems"
)

// backlogWarn is the wall's BACKLOG_WARN_S: an oldest unsent segment older
// than this is a problem.
const backlogWarn = 60 // seconds

func toRoom(rm store.Room, st fleet.RoomState) Room {
	o := Room{
		ID: rm.ID, Name: rm.Name, Enrolled: rm.PublicKey != "", Online: st.Online,
		SpoolBytes: st.Telemetry.SpoolBytes, OldestUnsentSeconds: st.Telemetry.OldestUnsentSeconds,
		DiskFreeBytes: st.Telemetry.DiskFreeBytes, UploadBytesPerSec: st.Telemetry.UploadBytesPerSec, RecordBytesPerSec: st.Telemetry.RecordBytesPerSec, Session: st.Telemetry.Session,
		Streams: []Stream{}, Features: append([]string{}, st.Features...),
	}
	if !rm.Jurisdiction.IsZero() {
		o.Jurisdiction = &Jurisdiction{Code: rm.Jurisdiction.Code, Name: rm.Jurisdiction.Name}
	}
	if !rm.Agency.IsZero() {
		o.Agency = &Agency{ID: rm.Agency.ID, Name: rm.Agency.Name}
	}
	if !st.OffsetAt.IsZero() {
		off, rtt := st.ClockOffset.Seconds(), st.RTT.Seconds()
		o.ClockOffsetSeconds, o.RoundTripSeconds = &off, &rtt
	}
	if !st.LastSeen.IsZero() {
		t := st.LastSeen.UTC()
		o.LastSeen = &t
	}
	for _, d := range st.Devices {
		o.Streams = append(o.Streams, Stream{ID: d.Stream, Kind: d.Kind, State: d.State, Reason: d.Reason, Mode: d.Mode, Quality: d.Quality})
	}
	return o
}

// roomQuery reads ?jurisdiction=&agency=&state= and says what is wrong
// with them.
func roomQuery(r *http.Request) (store.RoomFilter, string, string) {
	q := r.URL.Query()
	f := store.RoomFilter{Jurisdiction: q.Get("jurisdiction"), Agency: q.Get("agency")}
	if v := f.Jurisdiction; v != "" && v != store.None && !store.ValidJurisdictionCode(v) {
		return f, "", "jurisdiction must be a 6-digit administrative division code such as 450206, or - for rooms without one"
	}
	if v := f.Agency; v != "" && v != store.None && !store.ValidAgencyID(v) {
		return f, "", "agency must be an agency id (letters, digits, dashes) such as lz-shifan, or - for rooms without one"
	}
	state := q.Get("state")
	switch state {
	case "", StateOnline, StateOffline, StateAlert, StateProblems:
	default:
		return f, "", "state must be online, offline, alert (an unresolved alert) or problems (anything the wall shows amber or red)"
	}
	return f, state, ""
}

func (a *API) rooms(w http.ResponseWriter, r *http.Request) {
	f, state, bad := roomQuery(r)
	if bad != "" {
		a.fail(w, http.StatusBadRequest, bad, nil)
		return
	}
	rooms, err := a.store.RoomsOf(r.Context(), f)
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "cannot read rooms", err)
		return
	}
	alerting := map[string]bool{}
	if state == StateAlert || state == StateProblems {
		list, err := a.store.UnresolvedAlerts(r.Context())
		if err != nil {
			a.fail(w, http.StatusInternalServerError, "cannot read alerts", err)
			return
		}
		for _, al := range list {
			alerting[al.Room] = true
		}
	}
	marks := map[string]any{}
	if a.marks != nil {
		if marks, err = a.marks(r.Context()); err != nil {
			a.fail(w, http.StatusInternalServerError, "cannot read the rooms' marks", err)
			return
		}
	}
	p, _ := auth.From(r.Context())
	out := make([]Room, 0, len(rooms))
	for _, rm := range rooms {
		st := a.fleet.State(rm.ID)
		if p.SeesRoom(ownerOf(rm)) && inState(state, st, alerting[rm.ID]) {
			o := toRoom(rm, st)
			o.Mark = marks[rm.ID]
			out = append(out, o)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// inState reports whether a room with fleet state st (and an unresolved
// alert, or not) is in state; "" is any.
func inState(state string, st fleet.RoomState, alerting bool) bool {
	switch state {
	case StateOnline:
		return st.Online
	case StateOffline:
		return !st.Online
	case StateAlert:
		return alerting
	case StateProblems:
		return alerting || troubled(st)
	}
	return true
}

// troubled mirrors the wall's health without the alerts.
func troubled(st fleet.RoomState) bool {
	if !st.Online || st.Telemetry.OldestUnsentSeconds > backlogWarn {
		return true
	}
	for _, d := range st.Devices {
		if d.State == protocol.StateAbsent || d.State == protocol.StateFailed {
			return true
		}
		if d.Quality != nil {
			for _, s := range d.Quality.Signals {
				if protocol.ValidSignal(s) {
					return true
				}
			}
		}
	}
	return false
}
