package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/store"
)

func addUser(t *testing.T, st *store.Store, username, pw string, role auth.Role, scope string) {
	t.Helper()
	h, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddUser(context.Background(), store.User{Username: username, Name: username, Role: string(role), Scope: scope, PassHash: h}); err != nil {
		t.Fatal(err)
	}
}

// browser is a client with a cookie jar, as a page is.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func call(t *testing.T, c *http.Client, method, url, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestSignInSessionCSRFAndSignOut(t *testing.T) {
	r := newRig(t)
	addUser(t, r.st, "li-jian", "correct horse battery", auth.Regulator, "450206")
	c := browser(t)
	if res, _ := call(t, c, "GET", r.url+"/api/v1/session", "", nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("session before sign-in: %d", res.StatusCode)
	}
	res, body := call(t, c, "POST", r.url+"/api/v1/login", `{"username":"li-jian","password":"correct horse battery"}`, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in: %d %s", res.StatusCode, body)
	}
	ck := res.Cookies()
	if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v: want HttpOnly and SameSite=Strict", ck)
	}
	var s SessionInfo
	jsonUnmarshal(body, &s)
	if s.Role != "regulator" || s.Scope != "450206" || s.CSRF == "" {
		t.Fatalf("session %+v", s)
	}
	if res, _ := call(t, c, "GET", r.url+"/api/v1/rooms", "", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("rooms with the cookie: %d", res.StatusCode)
	}
	// An unsafe request with the cookie needs the CSRF token.
	if res, _ := call(t, c, "POST", r.url+"/api/v1/logout", "", nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("sign out without the CSRF token: %d, want 403", res.StatusCode)
	}
	if res, _ := call(t, c, "POST", r.url+"/api/v1/logout", "", map[string]string{CSRFHeader: "wrong"}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("sign out with a wrong CSRF token: %d, want 403", res.StatusCode)
	}
	if res, _ := call(t, c, "POST", r.url+"/api/v1/logout", "", map[string]string{CSRFHeader: s.CSRF}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if res, _ := call(t, c, "GET", r.url+"/api/v1/rooms", "", nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("rooms after sign-out: %d", res.StatusCode)
	}
	trail := strings.Join(r.trail(t), "\n")
	for _, want := range []string{"user.signin user/li-jian", "user.signout user/li-jian"} {
		if !strings.Contains(trail, want) {
			t.Errorf("audit log lacks %q:\n%s", want, trail)
		}
	}
}

func TestSignInLocksAfterRepeatedFailures(t *testing.T) {
	r := newRig(t)
	addUser(t, r.st, "li-jian", "correct horse battery", auth.Regulator, "450206")
	c := browser(t)
	for i := 1; i < LockAfter; i++ {
		if res, body := call(t, c, "POST", r.url+"/api/v1/login", `{"username":"li-jian","password":"wrong"}`, nil); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d %s", i, res.StatusCode, body)
		}
	}
	res, body := call(t, c, "POST", r.url+"/api/v1/login", `{"username":"li-jian","password":"wrong"}`, nil)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "locked") {
		t.Fatalf("wrong password %d: %d %s (Retry-After %q)", LockAfter, res.StatusCode, body, res.Header.Get("Retry-After"))
	}
	// Locked: even the right password waits.
	if res, _ := call(t, c, "POST", r.url+"/api/v1/login", `{"username":"li-jian","password":"correct horse battery"}`, nil); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right password while locked: %d, want 429", res.StatusCode)
	}
	// An unknown user gets the same answer as a wrong password.
	if res, body := call(t, c, "POST", r.url+"/api/v1/login", `{"username":"nobody","password":"x"}`, nil); res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "wrong user name or password") {
		t.Fatalf("unknown user: %d %s", res.StatusCode, body)
	}
}

// TestLockoutTellsNoUserNames: a made-up user name answers exactly as a real
// one does, lockout included, and every attempt during a lock is on record.
// (Before, only real accounts were locked, so a 429 proved a name existed.)
func TestLockoutTellsNoUserNames(t *testing.T) {
	r := newRig(t)
	addUser(t, r.st, "li-jian", "correct horse battery", auth.Regulator, "450206")
	c := browser(t)
	answers := map[string][]string{}
	for _, name := range []string{"li-jian", "wang-made-up"} {
		for i := 0; i <= LockAfter; i++ {
			res, body := call(t, c, "POST", r.url+"/api/v1/login", `{"username":"`+name+`","password":"wrong"}`, nil)
			var msg struct{ Error string }
			jsonUnmarshal(body, &msg)
			// The lock's end time differs by the seconds between the two.
			answers[name] = append(answers[name], fmt.Sprintf("%d %s %t", res.StatusCode, strings.Split(msg.Error, " until ")[0], res.Header.Get("Retry-After") != ""))
		}
	}
	if a, b := strings.Join(answers["li-jian"], "\n"), strings.Join(answers["wang-made-up"], "\n"); a != b {
		t.Fatalf("a real and a made-up user name are answered differently:\nreal:\n%s\nmade up:\n%s", a, b)
	}
	if !strings.HasPrefix(answers["li-jian"][LockAfter], "429") {
		t.Fatalf("attempt %d after the lock: %s", LockAfter+1, answers["li-jian"][LockAfter])
	}
	// The attempt during the lock is on record, for both names.
	trail := strings.Join(r.trail(t), "\n")
	for _, name := range []string{"li-jian", "wang-made-up"} {
		if n := strings.Count(trail, "user.signin_failed user/"+name+": locked until"); n != 2 {
			t.Errorf("%s: %d entries saying locked (the lock and the attempt during it), want 2:\n%s", name, n, trail)
		}
	}
}

func TestBadCredentialsAre401(t *testing.T) {
	r := newRig(t)
	for _, h := range []map[string]string{
		{"Authorization": "Bearer evr_made-up"},
		{"Authorization": "Basic dXNlcjpwYXNz"},
		{"Cookie": SessionCookie + "=made-up"},
	} {
		if res, _ := call(t, http.DefaultClient, "GET", r.url+"/api/v1/rooms", "", h); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%v: %d, want 401", h, res.StatusCode)
		}
	}
}
