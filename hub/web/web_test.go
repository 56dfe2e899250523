package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()

	res, body := get(t, srv.URL+"/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %s", res.Status)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET /: Content-Type %q", ct)
	}
	for _, want := range []string{`<html lang="zh-CN">`, `id="app"`, `/static/app.js`, `/static/app.css`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /: page lacks %s", want)
		}
	}

	for path, ctype := range map[string]string{
		"/static/app.js":      "text/javascript",
		"/static/live.js":     "text/javascript",
		"/static/i18n.js":     "text/javascript",
		"/static/app.css":     "text/css",
		"/static/favicon.svg": "image/svg+xml",
	} {
		res, body := get(t, srv.URL+path, nil)
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("GET %s: %s, %d bytes", path, res.Status, len(body))
			continue
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, ctype) {
			t.Errorf("GET %s: Content-Type %q, want %s", path, ct, ctype)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", path, cc)
		}
		// A revalidation with the ETag is answered without a body.
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Errorf("GET %s: no ETag", path)
			continue
		}
		if res, _ := get(t, srv.URL+path, map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: %s", path, res.Status)
		}
	}

	for _, path := range []string{"/nope", "/static/", "/static/nope.js", "/api/v1/rooms", "/static/../web.go"} {
		if res, _ := get(t, srv.URL+path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", path, res.Status)
		}
	}

	res, err := http.Post(srv.URL+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %s", res.Status)
	}
}

// TestI18nComplete checks that both languages of the string table have the
// same keys, so that no label is left untranslated.
func TestI18nComplete(t *testing.T) {
	b, err := static.ReadFile("static/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	zh := strings.Index(src, "'zh-CN': {")
	en := strings.Index(src, "'en': {")
	end := strings.Index(src, "\n};")
	if zh < 0 || en < zh || end < en {
		t.Fatal("i18n.js: cannot find the zh-CN and en tables")
	}
	key := regexp.MustCompile(`(?m)^\s+'([a-z][\w.]*)':`)
	keys := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, k := range key.FindAllStringSubmatch(s, -1) {
			m[k[1]] = true
		}
		return m
	}
	zk, ek := keys(src[zh+len("'zh-CN': {"):en]), keys(src[en+len("'en': {"):end])
	if len(zk) < 30 {
		t.Fatalf("i18n.js: only %d zh-CN keys found", len(zk))
	}
	for k := range zk {
		if !ek[k] {
			t.Errorf("i18n: %q has no English text", k)
		}
	}
	for k := range ek {
		if !zk[k] {
			t.Errorf("i18n: %q has no Chinese text", k)
		}
	}
	// Every key the scripts ask for exists.
	used := regexp.MustCompile(`\bt\('([a-z][\w.]*)'`)
	for _, f := range []string{"static/app.js", "static/live.js", "static/index.html"} {
		b, err := static.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if !zk[m[1]] {
				t.Errorf("%s: t(%q) is not in the table", f, m[1])
			}
		}
		for _, m := range regexp.MustCompile(`data-i18n(?:-title|-aria)?="([^"]+)"`).FindAllStringSubmatch(string(b), -1) {
			if !zk[m[1]] {
				t.Errorf("%s: data-i18n %q is not in the table", f, m[1])
			}
		}
	}
}
