package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// SessionCookie holds a signed-in browser's session secret.
const SessionCookie = "evalroom_session"

// CSRFHeader carries the session's CSRF token on every unsafe request
// made with the cookie.
const CSRFHeader = "X-CSRF-Token"

var errNoCredentials = errors.New("no credentials")

// Route is one API route and what it needs. Public routes (Perm "")
// authenticate by other means: a box by its enrollment token, a person by
// the password being checked.
type Route struct {
	Pattern string
	Perm    auth.Perm
	Room    bool // the path's {room} must be in the caller's scope
	Alert   bool // the room of the path's alert {id} must be
	handler http.HandlerFunc
}

// Routes lists the API's routes with what each needs.
func (a *API) Routes() []Route {
	return []Route{
		{"POST /api/v1/login", "", false, false, a.login},
		{"GET /api/v1/session", auth.SessionRead, false, false, a.session},
		{"POST /api/v1/logout", auth.SessionRead, false, false, a.logout},
		{"POST /api/v1/enroll", "", false, false, a.enroll},
		{"GET /api/v1/rooms", auth.RoomsRead, false, false, a.rooms},
		{"POST /api/v1/rooms", auth.RoomsWrite, false, false, a.createRoom},
		{"PATCH /api/v1/rooms/{room}", auth.RoomsWrite, true, false, a.updateRoom},
		{"POST /api/v1/rooms/{room}/token", auth.RoomToken, true, false, a.issueToken},
		{"GET /api/v1/rooms/{room}/streams/{stream}/segments", auth.Recordings, true, false, a.segments},
		{"GET /api/v1/rooms/{room}/streams/{stream}/live.mjpeg", auth.Live, true, false, a.mjpeg},
		{"GET /api/v1/live/ws", auth.Live, false, false, a.ws},
		{"GET /api/v1/rooms/{room}/streams/{stream}/segments/{seq}", auth.Recordings, true, false, a.segmentDetail},
		{"GET /api/v1/rooms/{room}/streams/{stream}/segments/{seq}/payload", auth.Recordings, true, false, a.segmentPayload},
		{"GET /api/v1/rooms/{room}/timeline", auth.Recordings, true, false, a.timeline},
		{"GET /api/v1/rooms/{room}/download", auth.Recordings, true, false, a.download},
		{"GET /api/v1/rooms/{room}/evidence", auth.Recordings, true, false, a.evidenceExport},
		{"GET /api/v1/audit", auth.AuditRead, false, false, a.listAudit},
		{"GET /api/v1/audit/status", auth.AuditRead, false, false, a.auditStatus},
		{"GET /api/v1/alerts", auth.AlertsRead, false, false, a.listAlerts},
		{"POST /api/v1/alerts/{id}/ack", auth.AlertsAct, false, true, a.ackAlert},
		{"POST /api/v1/alerts/{id}/resolve", auth.AlertsAct, false, true, a.resolveAlert},
	}
}

// Register adds the routes to mux, each behind its check.
func (a *API) Register(mux *http.ServeMux) {
	for _, rt := range a.Routes() {
		mux.HandleFunc(rt.Pattern, a.guard(rt))
	}
}

// Guard wraps a handler outside the API (e.g. /metrics) in the same check.
func (a *API) Guard(perm auth.Perm, h http.Handler) http.Handler {
	return a.guard(Route{Perm: perm, handler: h.ServeHTTP})
}

func (a *API) guard(rt Route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rt.Perm == "" {
			rt.handler(w, r)
			return
		}
		p, err := a.authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="evalroom"`)
			a.fail(w, http.StatusUnauthorized, "sign in first, or send an API token (Authorization: Bearer …)", nil)
			return
		}
		if !p.Token && unsafe(r.Method) && r.Header.Get(CSRFHeader) != p.CSRF {
			a.fail(w, http.StatusForbidden, "the request lacks this page's CSRF token: reload the page and try again", nil)
			return
		}
		if !p.Can(rt.Perm) {
			a.fail(w, http.StatusForbidden, fmt.Sprintf("a %s may not do this (%s)", p.Role, rt.Perm), nil)
			return
		}
		ctx := auth.With(r.Context(), p)
		room := r.PathValue("room")
		if rt.Alert {
			id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
			if err != nil || id <= 0 {
				a.fail(w, http.StatusBadRequest, "bad alert id", nil)
				return
			}
			al, err := a.store.Alert(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				a.fail(w, http.StatusNotFound, "no such alert", nil)
				return
			}
			if err != nil {
				a.fail(w, http.StatusInternalServerError, "cannot read the alert", err)
				return
			}
			// An alert outside the caller's scope is as unknown as one
			// that does not exist: its id tells nothing of other rooms.
			// An alert of the hub itself (no room) is the operator's.
			if code, msg := a.alertAccess(ctx, p, al, rt.Perm); code != 0 {
				if code == http.StatusForbidden {
					code, msg = http.StatusNotFound, "no such alert"
				}
				a.fail(w, code, msg, nil)
				return
			}
		}
		if rt.Room {
			if code, msg := a.roomAccess(ctx, p, room, rt.Perm); code != 0 {
				a.fail(w, code, msg, nil)
				return
			}
		}
		rt.handler(w, r.WithContext(ctx))
	}
}

// alertAccess checks an alert's room like roomAccess; an alert of the hub
// itself (no room) is for the operator only.
func (a *API) alertAccess(ctx context.Context, p auth.Principal, al store.Alert, perm auth.Perm) (int, string) {
	if al.Room == "" {
		if p.Role == auth.Operator {
			return 0, ""
		}
		return http.StatusForbidden, "hub alerts are the operator's"
	}
	return a.roomAccess(ctx, p, al.Room, perm)
}

// roomAccess checks one room against the principal's scope; for live
// pictures also the confidentiality of a running session. It returns 0
// when access is allowed.
func (a *API) roomAccess(ctx context.Context, p auth.Principal, roomID string, perm auth.Perm) (int, string) {
	if !protocol.ValidID(roomID) {
		return http.StatusBadRequest, "bad room id " + strconv.Quote(roomID) + ": lower-case letters, digits and dashes"
	}
	rm, err := a.store.Room(ctx, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return http.StatusNotFound, "no room " + roomID
	}
	if err != nil {
		a.log.Error("reading a room for an access check", "room", roomID, "err", err)
		return http.StatusInternalServerError, "cannot check access to the room"
	}
	if !p.SeesRoom(ownerOf(rm)) {
		return http.StatusForbidden, "room " + roomID + " is outside your scope"
	}
	if perm == auth.Live && p.Role != auth.Regulator && a.fleet.State(roomID).Telemetry.Session != "" {
		return http.StatusForbidden, "a procurement session is running in room " + roomID + ": only regulators may watch it (evaluation is confidential)"
	}
	return 0, ""
}

func ownerOf(rm store.Room) auth.Owner {
	return auth.Owner{Room: rm.ID, Jurisdiction: rm.Jurisdiction.Code, Agency: rm.Agency.ID}
}

// inScope returns a test for room ids in the caller's scope.
func (a *API) inScope(ctx context.Context) (func(room string) bool, error) {
	p, _ := auth.From(ctx)
	if p.Role == auth.Operator {
		return func(string) bool { return true }, nil
	}
	rooms, err := a.store.RoomsOf(ctx, store.RoomFilter{})
	if err != nil {
		return nil, err
	}
	ok := map[string]bool{}
	for _, rm := range rooms {
		if p.SeesRoom(ownerOf(rm)) {
			ok[rm.ID] = true
		}
	}
	return func(room string) bool { return ok[room] }, nil
}

func (a *API) authenticate(r *http.Request) (auth.Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return auth.Principal{}, errNoCredentials
		}
		t, err := a.store.APITokenBySecret(ctx, strings.TrimSpace(secret))
		if err != nil {
			return auth.Principal{}, err
		}
		return auth.Principal{User: "token:" + t.Name, Name: t.Name, Role: auth.Role(t.Role), Scope: t.Scope, Token: true}, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return auth.Principal{}, errNoCredentials
	}
	s, err := a.store.SessionBySecret(ctx, c.Value)
	if err != nil {
		return auth.Principal{}, err
	}
	return auth.Principal{User: s.User.Username, Name: s.User.Name, Role: auth.Role(s.User.Role), Scope: s.User.Scope, CSRF: s.CSRF}, nil
}

func unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// mayWatch checks one room of a page's live WebSocket, which names its
// streams in messages rather than in the path.
func (a *API) mayWatch(r *http.Request, room string) bool {
	p, _ := auth.From(r.Context())
	code, _ := a.roomAccess(r.Context(), p, room, auth.Live)
	return code == 0
}
