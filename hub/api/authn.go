package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// SessionCookie holds a signed-in browser's session secret.
const SessionCookie = "evalroom_session"

// CSRFHeader carries the session's CSRF token on every unsafe request
// made with the cookie.
const CSRFHeader = "X-CSRF-Token"

var errNoCredentials = errors.New("no credentials")

// Route is one route and what it needs (see package route).
type Route = route.Route

// Routes lists the API's routes and the mounted domains', with what each
// needs: the one table hub/api/authz_test.go runs every role against.
func (a *API) Routes() []Route {
	rts := []Route{
		{Pattern: "POST /api/v1/login", Handler: a.login},
		{Pattern: "GET /api/v1/session", Perm: auth.SessionRead, Handler: a.session},
		{Pattern: "POST /api/v1/logout", Perm: auth.SessionRead, Handler: a.logout},
		{Pattern: "POST /api/v1/enroll", Handler: a.enroll},
		{Pattern: "GET /api/v1/rooms", Perm: auth.RoomsRead, Handler: a.rooms},
		{Pattern: "POST /api/v1/rooms", Perm: auth.RoomsWrite, Handler: a.createRoom},
		{Pattern: "PATCH /api/v1/rooms/{room}", Perm: auth.RoomsWrite, Room: true, Handler: a.updateRoom},
		{Pattern: "POST /api/v1/rooms/{room}/token", Perm: auth.RoomToken, Room: true, Handler: a.issueToken},
		{Pattern: "GET /api/v1/rooms/{room}/streams/{stream}/segments", Perm: auth.Recordings, Room: true, Handler: a.segments},
		{Pattern: "GET /api/v1/rooms/{room}/streams/{stream}/live.mjpeg", Perm: auth.Live, Room: true, Handler: a.mjpeg},
		{Pattern: "GET /api/v1/live/ws", Perm: auth.Live, Handler: a.ws},
		{Pattern: "GET /api/v1/rooms/{room}/streams/{stream}/segments/{seq}", Perm: auth.Recordings, Room: true, Handler: a.segmentDetail},
		{Pattern: "GET /api/v1/rooms/{room}/streams/{stream}/segments/{seq}/payload", Perm: auth.Recordings, Room: true, Handler: a.segmentPayload},
		{Pattern: "GET /api/v1/rooms/{room}/timeline", Perm: auth.Recordings, Room: true, Handler: a.timeline},
		{Pattern: "GET /api/v1/rooms/{room}/download", Perm: auth.Recordings, Room: true, Handler: a.download},
		{Pattern: "GET /api/v1/rooms/{room}/evidence", Perm: auth.Recordings, Room: true, Handler: a.evidenceExport},
		{Pattern: "GET /api/v1/audit", Perm: auth.AuditRead, Handler: a.listAudit},
		{Pattern: "GET /api/v1/audit/status", Perm: auth.AuditRead, Handler: a.auditStatus},
	}
	for _, d := range a.domains {
		rts = append(rts, d.Routes()...)
	}
	return rts
}

// Register adds the routes to mux, each behind its check.
func (a *API) Register(mux *http.ServeMux) {
	for _, rt := range a.Routes() {
		mux.HandleFunc(rt.Pattern, a.guard(rt))
	}
}

// Guard wraps a handler outside the API (e.g. /metrics) in the same check.
func (a *API) Guard(perm auth.Perm, h http.Handler) http.Handler {
	return a.guard(Route{Perm: perm, Handler: h.ServeHTTP})
}

func (a *API) guard(rt Route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rt.Perm == "" {
			rt.Handler(w, r)
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
		if rt.Owner != nil && !a.ownerAccess(w, r.WithContext(ctx), p, rt) {
			return
		}
		if rt.Room {
			if code, msg := a.roomAccess(ctx, p, room, rt.Perm); code != 0 {
				a.fail(w, code, msg, nil)
				return
			}
		}
		rt.Handler(w, r.WithContext(ctx))
	}
}

// ownerAccess checks the room of what the path names (an alert) like
// roomAccess; a thing of no room is the operator's. A thing outside the
// caller's scope is as unknown as one that does not exist: its id tells
// nothing of other rooms. It answers and returns false when access is
// refused.
func (a *API) ownerAccess(w http.ResponseWriter, r *http.Request, p auth.Principal, rt Route) bool {
	own, err := rt.Owner(r)
	if err != nil {
		var re *route.Error
		if !errors.As(err, &re) {
			re = &route.Error{Code: http.StatusInternalServerError, Msg: "cannot check access", Err: err}
		}
		a.fail(w, re.Code, re.Msg, re.Err)
		return false
	}
	code, msg := 0, ""
	switch {
	case own.Parties != nil:
		if !p.SeesParties(*own.Parties) {
			code = http.StatusForbidden
		}
	case own.Room != "":
		code, msg = a.roomAccess(r.Context(), p, own.Room, rt.Perm)
	case p.Role != auth.Operator:
		code = http.StatusForbidden
	}
	if code == http.StatusForbidden {
		code, msg = http.StatusNotFound, own.Unknown
	}
	if code != 0 {
		a.fail(w, code, msg, nil)
		return false
	}
	return true
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

// InScope returns a test for room ids in the signed-in caller's scope.
func (a *API) InScope(ctx context.Context) (func(room string) bool, error) {
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
