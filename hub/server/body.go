package server

import (
	"net/http"
	"time"
)

// bodyDeadline drops a request whose body has not fully arrived d after its
// headers (a slow sender holding a connection and an upload slot open): the
// connection's read deadline is set for the body, and a read past it fails.
// Requests without a body (GET, the live WebSocket) are left alone; the
// server sets the next request's deadlines itself. d <= 0 turns it off.
func bodyDeadline(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			// An error means the writer cannot set deadlines (a test
			// recorder); the request goes on without one.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
		}
		next.ServeHTTP(w, r)
	})
}
