// Package route is what a hub domain package needs to serve HTTP behind
// the hub's access check: the Route it declares for each of its endpoints
// (pattern, permission, and whose room the request is about) and the JSON
// helpers every handler answers with. hub/api checks every Route of every
// mounted domain in front of its handler, and hub/api/authz_test.go runs
// every role against every one of them.
package route

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"

	"github.com/evalroom/evalroom/hub/auth"
)

// Route is one HTTP route and what it needs. A public route (Perm "")
// authenticates by other means: a box by its enrollment token, a person by
// the password being checked.
type Route struct {
	Pattern string
	Perm    auth.Perm
	// Room: the path's {room} must be in the caller's scope.
	Room bool
	// Owner, when set, finds the room of what the path names (an alert by
	// its id), which must be in the caller's scope as {room} must; a thing
	// of no room is the operator's. A thing outside the caller's scope is
	// answered as an unknown one (404), so its id tells nothing of other
	// rooms.
	Owner   func(r *http.Request) (Owner, error)
	Handler http.HandlerFunc
}

// Owner says whose a thing named in a path is.
type Owner struct {
	Room string // "": the hub's own, the operator's (unless Parties is set)
	// Parties, when set, are whom a procurement record belongs to; the
	// caller must see them (auth.Principal.SeesParties).
	Parties *auth.Parties
	Unknown string // the 404's words when the caller may not see it, e.g. "no such alert"
}

// Error is a refusal with its status and words, returned by Owner.
type Error struct {
	Code int
	Msg  string
	Err  error // logged when set
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// NotRecorded is said to a person whose access was refused because its
// audit entry could not be written.
const NotRecorded = "the hub cannot write this access to its audit log, so it is refused: " +
	"every live view, playback, download, export and decision on an alert must be on record first. " +
	"Tell the hub's operator (its disk may be full) and try again later"

// Decode reads a JSON body of at most 64 KiB strictly (unknown fields
// refused); on failure it has answered 400 (408 when the body did not
// arrive in time) and returns false.
func Decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			JSON(w, http.StatusRequestTimeout, map[string]string{"error": "the request's body did not arrive in time: send it again"})
			return false
		}
		JSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON body: " + err.Error()})
		return false
	}
	return true
}

// Fail answers code with msg as {"error": msg}; err, when set, is logged
// (it is for the operator, not the caller).
func Fail(log *slog.Logger, w http.ResponseWriter, code int, msg string, err error) {
	if err != nil {
		log.Error(msg, "err", err)
	}
	JSON(w, code, map[string]string{"error": msg})
}

// JSON answers code with v as JSON.
func JSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// FieldError is bad input in one field of a request.
type FieldError struct{ Field, Msg string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Bad says what is wrong with one field of a request: Answer makes it a
// 400 that names the field.
func Bad(field, msg string) error { return &FieldError{field, msg} }

// ErrNotRecorded means a change's audit entry could not be written, so the
// change was not made: Answer makes it a 503.
var ErrNotRecorded = errors.New("not recorded in the audit log")

// Answer answers the errors every domain has in common: bad input (400
// naming the field), a refusal with its own status (*Error), a change not
// recorded in the audit log (503, Retry-After), anything else 500 (logged).
// A domain answers its own errors first and hands the rest to Answer.
func Answer(log *slog.Logger, w http.ResponseWriter, err error) {
	var fe *FieldError
	var re *Error
	switch {
	case errors.As(err, &fe):
		JSON(w, http.StatusBadRequest, map[string]string{"error": fe.Error(), "field": fe.Field})
	case errors.As(err, &re):
		Fail(log, w, re.Code, re.Msg, re.Err)
	case errors.Is(err, ErrNotRecorded):
		w.Header().Set("Retry-After", "60")
		Fail(log, w, http.StatusServiceUnavailable, NotRecorded, err)
	default:
		Fail(log, w, http.StatusInternalServerError, "cannot change the record", err)
	}
}
