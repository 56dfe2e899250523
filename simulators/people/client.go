// Package people stands in for the people of a procurement (a purchaser's
// maker and checker, the agency's staff, a supplier): each signs in to the
// hub with a user name and password and acts through the hub's own API, as
// the page does. The demo uses it to put one open tender part-way through,
// so a new user sees the workflow at once.
package people

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
)

// Login is one person's sign-in.
type Login struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Person is a signed-in person: the session cookie and its CSRF token.
type Person struct {
	base string
	http *http.Client
	csrf string
	who  string
}

// Refused is the hub's answer to a request it did not take.
type Refused struct {
	Status int
	Msg    string `json:"error"`
	Field  string `json:"field"`
	Basis  string `json:"basis"`
	Rule   string `json:"rule"`
}

func (r *Refused) Error() string {
	s := fmt.Sprintf("the hub answered %d: %s", r.Status, r.Msg)
	if r.Basis != "" {
		s += " (" + r.Basis + ")"
	}
	return s
}

// SignIn signs l in at the hub (base: its URL); tr carries the requests
// (nil: http.DefaultTransport).
func SignIn(ctx context.Context, base string, tr http.RoundTripper, l Login) (*Person, error) {
	jar, _ := cookiejar.New(nil)
	p := &Person{base: strings.TrimRight(base, "/"), http: &http.Client{Transport: tr, Jar: jar}, who: l.Username}
	var s struct {
		CSRF string `json:"csrf"`
	}
	if err := p.Do(ctx, "POST", "/api/v1/login", l, &s); err != nil {
		return nil, fmt.Errorf("signing in as %s: %w", l.Username, err)
	}
	p.csrf = s.CSRF
	return p, nil
}

// Do sends body as JSON and decodes the answer into out (when not nil); a
// refusal is a *Refused.
func (p *Person) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if p.csrf != "" {
		req.Header.Set("X-CSRF-Token", p.csrf)
	}
	res, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		r := &Refused{Status: res.StatusCode}
		if json.Unmarshal(b, r) != nil || r.Msg == "" {
			r.Msg = strings.TrimSpace(string(b))
		}
		return fmt.Errorf("%s %s as %s: %w", method, path, p.who, r)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not what was expected: %w", method, path, err)
	}
	return nil
}

// IsRefused tells whether err is the hub's refusal, and returns it.
func IsRefused(err error) (*Refused, bool) {
	var r *Refused
	ok := errors.As(err, &r)
	return r, ok
}
