package api

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
)

// actor names who did something, with the client address: the signed-in
// person or token; without one (sign-in itself, enrollment), the name
// given, or "anonymous".
func actor(r *http.Request, name string) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if p, ok := auth.From(r.Context()); ok {
		name = p.User
	}
	if name == "" {
		name = "anonymous"
	}
	return name + "@" + host
}

// record appends to the audit log; a failure is logged, and the request
// goes on: the log's own integrity check shows nothing was written. For
// changes already made (a room edited, a box enrolled) and sign-in events.
func (a *API) record(r *http.Request, name, action, target, detail string) {
	if err := a.write(r, name, action, target, detail); err != nil {
		a.log.Error("cannot write the audit log", "action", action, "target", target, "err", err)
	}
}

// mustRecord writes the audit entry of an access that must be on record
// before any of it is served: live pictures, recordings played, downloaded
// or exported, decisions on alerts. When the entry cannot be written it
// answers 503 and returns false, and nothing is served.
func (a *API) mustRecord(w http.ResponseWriter, r *http.Request, name, action, target, detail string) bool {
	if err := a.write(r, name, action, target, detail); err != nil {
		route.Answer(a.log, w, fmt.Errorf("%w: refused %s of %s: %w", route.ErrNotRecorded, action, target, err))
		return false
	}
	return true
}

// WriteAudit writes an audit entry for the signed-in caller, for a domain
// that must have its entry on record before it acts; an error means
// nothing was written.
func (a *API) WriteAudit(r *http.Request, action, target, detail string) error {
	return a.write(r, "", action, target, detail)
}

func (a *API) write(r *http.Request, name, action, target, detail string) error {
	if a.audit == nil {
		return nil
	}
	_, err := a.audit.Record(r.Context(), actor(r, name), action, target, detail)
	if err != nil && a.storage != nil {
		a.storage.Check()
	}
	return err
}

// playbackLog remembers who played what, so that a player fetching a
// stream segment by segment makes one audit entry per person and stream
// every few minutes, not one per segment. Entries older than that go.
type playbackLog struct {
	mu   sync.Mutex
	seen map[string]time.Time // actor + target -> last audit entry
}

const playbackAuditEvery = 5 * time.Minute

// due reports whether key needs an audit entry now, and notes it.
func (p *playbackLog) due(key string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen == nil {
		p.seen = map[string]time.Time{}
	}
	if last, ok := p.seen[key]; ok && now.Sub(last) < playbackAuditEvery {
		return false
	}
	for k, t := range p.seen {
		if now.Sub(t) >= playbackAuditEvery {
			delete(p.seen, k)
		}
	}
	p.seen[key] = now
	return true
}

// forget drops key, so that the next request writes an entry again.
func (p *playbackLog) forget(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.seen, key)
}

// recordPlayback writes a playback's audit entry when one is due; false
// means it was due and could not be written, and the 503 is sent.
func (a *API) recordPlayback(w http.ResponseWriter, r *http.Request, target string, seq uint64) bool {
	key := actor(r, "") + " " + target
	if !a.playback.due(key, time.Now()) {
		return true
	}
	if !a.mustRecord(w, r, "", audit.Playback, target, playbackDetail{FromSeq: seq}.String()) {
		a.playback.forget(key)
		return false
	}
	return true
}

// auditRoom is the room an audit target names ("room-1", "room-1/cam1").
func auditRoom(target string) string {
	room, _, _ := strings.Cut(target, "/")
	return room
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), Target: q.Get("target"), Actor: q.Get("actor")}
	if err := queryTimes(r, &f.From, &f.To); err != nil {
		a.fail(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			a.fail(w, http.StatusBadRequest, "limit must be 1 to 10000", nil)
			return
		}
		f.Limit = n
	}
	scope, err := a.newAuditScope(r.Context())
	if err != nil {
		a.fail(w, http.StatusInternalServerError, "cannot read the audit log", err)
		return
	}
	// The operator reads everything; others read the entries of their
	// scope (auditScope). Entries outside it are skipped and older ones
	// read until the page is full.
	want := f.Limit
	if want <= 0 {
		want = 1000
	}
	out := []audit.Entry{}
	for round := 0; round < 50 && len(out) < want; round++ {
		list, err := a.audit.List(r.Context(), f)
		if err != nil {
			a.fail(w, http.StatusInternalServerError, "cannot read the audit log", err)
			return
		}
		for _, e := range list {
			if len(out) >= want {
				break
			}
			ok, err := scope.sees(r.Context(), e)
			if err != nil {
				a.fail(w, http.StatusInternalServerError, "cannot read the audit log", err)
				return
			}
			if ok {
				out = append(out, e)
			}
		}
		if len(list) < want {
			break
		}
		f.To = list[len(list)-1].At.Add(-time.Nanosecond)
	}
	writeJSON(w, http.StatusOK, out)
}

// AuditAnchor says whether the audit log verifies against its latest
// signed head (hub/audit.Anchor).
type AuditAnchor interface {
	Status() audit.Status
}

// WithAnchor has the API report the anchor's status.
func (a *API) WithAnchor(an AuditAnchor) *API {
	a.anchor = an
	return a
}

// auditStatus says whether the audit log verifies against the latest
// signed head and when that head was signed; for a hub that signs none,
// verified is false and the problem says so.
func (a *API) auditStatus(w http.ResponseWriter, _ *http.Request) {
	if a.anchor == nil {
		writeJSON(w, http.StatusOK, audit.Status{Kind: "unanchored", Problem: "this hub signs no heads of its audit log"})
		return
	}
	writeJSON(w, http.StatusOK, a.anchor.Status())
}
