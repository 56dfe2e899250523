// Package api is the hub's JSON API and live endpoints.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/evidence"
	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/health"
	"github.com/evalroom/evalroom/hub/live"
	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// Store is the part of the database the API needs.
type Store interface {
	RoomsOf(ctx context.Context, f store.RoomFilter) ([]store.Room, error)
	Room(ctx context.Context, id string) (store.Room, error)
	AddRoom(ctx context.Context, r store.Room) ([]store.Rename, error)
	UpdateRoom(ctx context.Context, id string, u store.RoomUpdate) (store.RoomChange, error)
	UnresolvedAlerts(ctx context.Context) ([]store.Alert, error)
	IssueToken(ctx context.Context, room string, ttl time.Duration) (string, time.Time, error)
	EnrollBox(ctx context.Context, token, publicKey string, issue store.Issuer) (store.Room, store.Box, error)
	Segments(ctx context.Context, room, stream string, from, to time.Time, limit int) ([]store.Segment, error)
	Alerts(ctx context.Context, state, room string, limit int) ([]store.Alert, error)
	Alert(ctx context.Context, id int64) (store.Alert, error)
	Segment(ctx context.Context, room, stream string, seq uint64) (store.Segment, error)
	Streams(ctx context.Context, room string) ([]string, error)
	Latest(ctx context.Context, room, stream string) (store.Segment, error)
	People
}

// People is the part of the store that signs people and scripts in.
type People interface {
	UserByName(ctx context.Context, username string) (store.User, error)
	LoginFailed(ctx context.Context, username string, limit int, lock time.Duration) (time.Time, error)
	LoginSucceeded(ctx context.Context, username string) error
	CreateSession(ctx context.Context, username string, ttl time.Duration) (secret, csrf string, err error)
	SessionBySecret(ctx context.Context, secret string) (store.Session, error)
	DeleteSession(ctx context.Context, secret string) error
	APITokenBySecret(ctx context.Context, secret string) (store.APIToken, error)
}

// API serves /api/v1.
type API struct {
	store    Store
	fleet    *fleet.Fleet
	live     *live.Hub
	audit    *audit.Log
	anchor   AuditAnchor // nil: no heads are signed
	playback playbackLog
	unknown  unknownLocks // wrong sign-ins of user names that do not exist
	log      *slog.Logger
	tokenTTL time.Duration
	ca       CA // nil: boxes enroll without certificates (plain transport)
	enrolled func(room string)
	storage  Storage           // nil: no storage check
	records  Records           // pack files (recstore.FileReader) unless WithRecords
	removed  evidence.Removals // what retention removed; nil: none
	domains  []Domain          // mounted domain packages
	marks    Marks             // rooms' marks (onboarding's 可视化); nil: none
}

// Records reads a stored record's bytes by its place in the index: a pack
// file or an object, and a byte range (recstore.Store).
type Records interface {
	Read(ctx context.Context, path string, off, size int64) ([]byte, error)
}

// WithRecords makes playback, download and the timeline read records
// through r (an object store as well as pack files).
func (a *API) WithRecords(r Records) *API {
	a.records = r
	return a
}

// WithRetention makes evidence exports name the holes the retention job
// made.
func (a *API) WithRetention(r evidence.Removals) *API {
	a.removed = r
	return a
}

// readRecord returns a stored record's bytes.
func (a *API) readRecord(ctx context.Context, row store.Segment) ([]byte, error) {
	return a.records.Read(ctx, row.Path, row.Offset, row.Size)
}

// Storage is the hub's storage health, checked again when a write fails so
// that the answer can say whether the disk is the cause.
type Storage interface {
	Check() health.Report
}

// WithStorage makes failed writes check the hub's storage.
func (a *API) WithStorage(s Storage) *API {
	a.storage = s
	return a
}

// failWrite answers a request whose write to the database failed. When the
// hub's storage is failing it says so, with what to do, and 503.
func (a *API) failWrite(w http.ResponseWriter, what string, err error) {
	if a.storage != nil {
		if r := a.storage.Check(); r.Status == health.Failing {
			a.log.Error("cannot "+what+": the hub's storage is failing", "err", err)
			w.Header().Set("Retry-After", "60")
			a.fail(w, http.StatusServiceUnavailable, "the hub cannot write to its disk, so it cannot "+what+" now: tell the hub's operator (the disk of its data directory is full or failing); try again later", nil)
			return
		}
	}
	a.fail(w, http.StatusInternalServerError, "cannot "+what, err)
}

// New returns the API.
func New(st Store, f *fleet.Fleet, l *live.Hub, au *audit.Log, log *slog.Logger, tokenTTL time.Duration) *API {
	return &API{store: st, fleet: f, live: l, audit: au, log: log.With("component", "api"), tokenTTL: tokenTTL, records: recstore.FileReader{}}
}

// Domain is a domain package's HTTP side: its routes with what each needs.
type Domain interface {
	Routes() []route.Route
}

// Mount serves the domains' routes behind the same checks as the API's
// own, in the one route table (Routes).
func (a *API) Mount(d ...Domain) *API {
	a.domains = append(a.domains, d...)
	return a
}

// Stream is one stream of a room in the API.
type Stream struct {
	ID      string            `json:"id"`
	Kind    string            `json:"kind"`
	State   string            `json:"state"`
	Reason  string            `json:"reason,omitempty"`
	Mode    string            `json:"mode,omitempty"` // what a real device negotiated
	Quality *protocol.Quality `json:"quality,omitempty"`
}

type tokenResp struct {
	Room      string    `json:"room"`
	Name      string    `json:"name,omitempty"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (a *API) issueToken(w http.ResponseWriter, r *http.Request) {
	rm, err := a.store.Room(r.Context(), r.PathValue("room"))
	if err != nil {
		a.fail(w, http.StatusNotFound, "no such room", nil)
		return
	}
	a.record(r, "", audit.RoomToken, rm.ID, "new enrollment token")
	a.sendToken(w, r, rm.ID, rm.Name, http.StatusOK)
}

func (a *API) sendToken(w http.ResponseWriter, r *http.Request, room, name string, code int) {
	tok, exp, err := a.store.IssueToken(r.Context(), room, a.tokenTTL)
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "cannot issue a token", err)
		return
	}
	writeJSON(w, code, tokenResp{Room: room, Name: name, Token: tok, ExpiresAt: exp.UTC()})
}

// Segment is one record in the API.
type Segment struct {
	Seq       uint64    `json:"seq"`
	LastSeq   uint64    `json:"last_seq"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	SHA256    string    `json:"sha256"`
	Verified  bool      `json:"verified"`
	Gap       bool      `json:"gap"`
	GapReason string    `json:"gap_reason,omitempty"`
	Session   string    `json:"session,omitempty"`
	Flags     []string  `json:"flags,omitempty"`
	Bytes     int64     `json:"bytes"`
}

// toSegment is how the API shows an indexed record.
func toSegment(s store.Segment) Segment {
	return Segment{
		Seq: s.Seq, LastSeq: s.LastSeq, Start: s.Start, End: s.End, SHA256: s.Hash, Verified: s.Verified,
		Gap: s.Record == protocol.RecordGap, GapReason: s.GapReason, Session: s.Session, Flags: s.Flags, Bytes: s.Size,
	}
}

const maxSegmentsPerPage = 20000

func (a *API) segments(w http.ResponseWriter, r *http.Request) {
	room, stream := r.PathValue("room"), r.PathValue("stream")
	if !protocol.ValidID(room) || !protocol.ValidID(stream) {
		a.fail(w, http.StatusBadRequest, "bad room or stream id", nil)
		return
	}
	from, to := time.Unix(0, 0), time.Now().Add(24*time.Hour)
	if err := queryTimes(r, &from, &to); err != nil {
		a.fail(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	segs, err := a.store.Segments(r.Context(), room, stream, from, to, maxSegmentsPerPage)
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "cannot read segments", err)
		return
	}
	out := make([]Segment, 0, len(segs))
	for _, s := range segs {
		out = append(out, toSegment(s))
	}
	writeJSON(w, http.StatusOK, out)
}

// queryTimes reads the optional from and to parameters over the defaults.
func queryTimes(r *http.Request, from, to *time.Time) error {
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", from}, {"to", to}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return fmt.Errorf("%s must be an RFC 3339 time such as 2026-03-02T09:30:00+08:00", p.name)
			}
			*p.t = t
		}
	}
	return nil
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool { return route.Decode(w, r, v) }

func (a *API) fail(w http.ResponseWriter, code int, msg string, err error) {
	route.Fail(a.log, w, code, msg, err)
}

func writeJSON(w http.ResponseWriter, code int, v any) { route.JSON(w, code, v) }
