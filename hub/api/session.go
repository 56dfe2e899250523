package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/store"
)

// Sign-in limits.
const (
	SessionTTL   = 12 * time.Hour   // a working day in the control room
	LockAfter    = 5                // wrong passwords in a row
	LockDuration = 15 * time.Minute // then the account waits this long
)

// SessionInfo is who is signed in, for the page.
type SessionInfo struct {
	User  string `json:"user"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Scope string `json:"scope"`
	CSRF  string `json:"csrf,omitempty"`
}

type loginReq struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var req loginReq
	if !decode(w, r, &req) {
		return
	}
	ctx := r.Context()
	wrong := func() {
		a.record(r, req.Username, audit.SignInFailed, "user/"+req.Username, "wrong user name or password")
		a.fail(w, http.StatusUnauthorized, "wrong user name or password", nil)
	}
	locked := func(name string, until time.Time) {
		a.record(r, name, audit.SignInFailed, "user/"+name, "locked until "+until.UTC().Format(time.RFC3339))
		w.Header().Set("Retry-After", strconv.Itoa(int(time.Until(until).Seconds())+1))
		a.fail(w, http.StatusTooManyRequests, "this account is locked after repeated wrong passwords until "+until.Local().Format("15:04:05")+"; try again then, or ask the operator to set a new password", nil)
	}
	if len(req.Username) > 100 {
		req.Username = req.Username[:100]
	}
	u, err := a.store.UserByName(ctx, req.Username)
	if errors.Is(err, store.ErrNotFound) {
		// A name that does not exist is answered as a real one would be,
		// lockout included.
		auth.CheckNobody(req.Password)
		now := time.Now()
		if until := a.unknown.lockedUntil(req.Username, now); !until.IsZero() {
			locked(req.Username, until)
			return
		}
		if until := a.unknown.failed(req.Username, LockAfter, LockDuration, now); !until.IsZero() {
			locked(req.Username, until)
			return
		}
		wrong()
		return
	}
	if err != nil {
		a.failWrite(w, "sign you in", err)
		return
	}
	if time.Now().Before(u.LockedUntil) {
		locked(u.Username, u.LockedUntil)
		return
	}
	ok, err := auth.CheckPassword(u.PassHash, req.Password)
	if err != nil {
		a.failWrite(w, "sign you in", err)
		return
	}
	if !ok {
		until, err := a.store.LoginFailed(ctx, u.Username, LockAfter, LockDuration)
		if err != nil {
			a.failWrite(w, "sign you in", err)
			return
		}
		if !until.IsZero() {
			locked(u.Username, until)
			return
		}
		wrong()
		return
	}
	if err := a.store.LoginSucceeded(ctx, u.Username); err != nil {
		a.failWrite(w, "sign you in", err)
		return
	}
	secret, csrf, err := a.store.CreateSession(ctx, u.Username, SessionTTL)
	if err != nil {
		a.failWrite(w, "sign you in", err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: secret, Path: "/", MaxAge: int(SessionTTL.Seconds()),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	a.record(r, u.Username, audit.SignIn, "user/"+u.Username, u.Role+" "+u.Scope)
	writeJSON(w, http.StatusOK, SessionInfo{User: u.Username, Name: u.Name, Role: u.Role, Scope: u.Scope, CSRF: csrf})
}

func (a *API) session(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	writeJSON(w, http.StatusOK, SessionInfo{User: p.User, Name: p.Name, Role: string(p.Role), Scope: p.Scope, CSRF: p.CSRF})
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := a.store.DeleteSession(r.Context(), c.Value); err != nil {
			a.fail(w, http.StatusInternalServerError, "cannot sign out", err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	p, _ := auth.From(r.Context())
	a.record(r, "", audit.SignOut, "user/"+p.User, "")
	w.WriteHeader(http.StatusNoContent)
}
