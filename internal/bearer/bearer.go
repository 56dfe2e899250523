// Package bearer sends an API token with every request of an HTTP client,
// for the tools and tests that talk to a hub as a script would.
package bearer

import "net/http"

// Transport sends token as a bearer token on every request through next
// (nil: http.DefaultTransport). An empty token sends none.
func Transport(token string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	if token == "" {
		return next
	}
	return transport{token, next}
}

type transport struct {
	token string
	next  http.RoundTripper
}

func (t transport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}
