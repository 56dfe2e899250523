package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/hub/alerts"
	"github.com/evalroom/evalroom/protocol"
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
	for _, want := range []string{`<html lang="zh-CN">`, `id="app"`, `id="view"`, `/static/app.`, `/static/app.`, `/static/room.`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /: page lacks %s", want)
		}
	}

	want := map[string]string{
		"/static/app.css":     "text/css",
		"/static/room.css":    "text/css",
		"/static/favicon.svg": "image/svg+xml",
	}
	for _, f := range scripts(t) {
		want["/"+f] = "text/javascript"
	}
	for path, ctype := range want {
		res, body := get(t, srv.URL+path, nil)
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("GET %s: %s, %d bytes", path, res.Status, len(body))
			continue
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, ctype) {
			t.Errorf("GET %s: Content-Type %q, want %s", path, ct, ctype)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" { // plain names are revalidated
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
// same keys, so that no label is left untranslated: the table of i18n.js,
// the workflow's (workflow-i18n.js, which i18n.js merges) and those a part
// of the page adds with addStrings from its own file.
func TestI18nComplete(t *testing.T) {
	// Keys one to a line (i18n.js) or several (the parts' files).
	key := regexp.MustCompile(`'([a-z][\w.]*)': ['"\x60]`)
	keys := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, k := range key.FindAllStringSubmatch(s, -1) {
			m[k[1]] = true
		}
		return m
	}
	zk, ek := map[string]bool{}, map[string]bool{}
	for _, f := range scripts(t) {
		b, err := static.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		start := -1
		for _, marker := range []string{"const STRINGS = {", "export const WORKFLOW_STRINGS = {", "addStrings({"} {
			if i := strings.Index(src, marker); i >= 0 && (f == "static/i18n.js") == (marker == "const STRINGS = {") {
				start = i
			}
		}
		if start < 0 {
			if f == "static/i18n.js" {
				t.Fatal("i18n.js: cannot find its table")
			}
			continue
		}
		end := start + strings.Index(src[start:], "\n}")
		zh := start + strings.Index(src[start:], "'zh-CN': {")
		en := start + strings.Index(src[start:], "'en': {")
		if zh < start || en < zh || end < en {
			t.Fatalf("%s: cannot find the zh-CN and en tables", f)
		}
		z, e := keys(src[zh+len("'zh-CN': {"):en]), keys(src[en+len("'en': {"):end])
		if f == "static/i18n.js" && len(z) < 30 {
			t.Fatalf("i18n.js: only %d zh-CN keys found", len(z))
		}
		for k := range z {
			if !e[k] {
				t.Errorf("i18n (%s): %q has no English text", f, k)
			}
			zk[k] = true
		}
		for k := range e {
			if !z[k] {
				t.Errorf("i18n (%s): %q has no Chinese text", f, k)
			}
			ek[k] = true
		}
	}
	// Every key the scripts ask for exists: t('key'), t(cond ? 'a' : 'b'),
	// data-i18n="key" in HTML and 'data-i18n': 'key' in scripts.
	used := regexp.MustCompile(`\bt\((?:[^()']*\? )?'([a-z][\w.]*)'(?: : '([a-z][\w.]*)')?`)
	attr := regexp.MustCompile(`data-i18n(?:-title|-aria)?(?:="|': ')([^"']+)["']`)
	for _, f := range append(scripts(t), "static/index.html") {
		b, err := static.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			for _, k := range m[1:] {
				if k != "" && !zk[k] {
					t.Errorf("%s: t(%q) is not in the table", f, k)
				}
			}
		}
		for _, m := range attr.FindAllStringSubmatch(string(b), -1) {
			if !zk[m[1]] {
				t.Errorf("%s: data-i18n %q is not in the table", f, m[1])
			}
		}
	}
}

// scripts lists the page's JavaScript modules.
func scripts(t *testing.T) []string {
	t.Helper()
	ents, err := static.ReadDir("static")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".js") {
			out = append(out, "static/"+e.Name())
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d scripts in static/", len(out))
	}
	return out
}

// TestWordsForServerCodes checks that every alert kind, gap reason and
// signal the system can send has words in both languages (words.js turns
// codes into words only for the codes it lists).
func TestWordsForServerCodes(t *testing.T) {
	words, err := static.ReadFile("static/words.js")
	if err != nil {
		t.Fatal(err)
	}
	table, err := static.ReadFile("static/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	list := func(name string) string {
		m := regexp.MustCompile(`(?s)export const ` + name + ` = \[(.*?)\];`).FindSubmatch(words)
		if m == nil {
			t.Fatalf("words.js: no list %s", name)
		}
		return string(m[1])
	}
	src := string(table)
	zh, en := src[strings.Index(src, "'zh-CN': {"):strings.Index(src, "'en': {")], src[strings.Index(src, "'en': {"):]
	for _, c := range []struct {
		list, prefix string
		codes        []string
	}{
		{"ALERT_KINDS", "ak.", []string{alerts.RoomOffline, alerts.DeviceAbsent, alerts.DeviceFailed, alerts.CameraBlack,
			alerts.CameraFrozen, alerts.MicSilent, alerts.MicClipping, alerts.SpoolBacklog, alerts.DiskLow,
			alerts.ClockOffset, alerts.ChainBreak, alerts.UploadRefused, alerts.BoxImpersonation, alerts.BoxLimits, alerts.HubStorageLow, alerts.HubStorageFailing}},
		{"GAP_REASONS", "gap.", []string{protocol.GapDeviceLost, protocol.GapSpoolEviction, protocol.GapClockJump, protocol.GapRestart}},
		{"SIGNALS", "sig.", []string{protocol.SignalBlack, protocol.SignalFrozen, protocol.SignalSilent, protocol.SignalClipping}},
	} {
		l := list(c.list)
		for _, code := range c.codes {
			if !strings.Contains(l, "'"+code+"'") {
				t.Errorf("words.js: %s lacks %q", c.list, code)
			}
			key := "'" + c.prefix + code + "':"
			if !strings.Contains(zh, key) || !strings.Contains(en, key) {
				t.Errorf("i18n.js: %s needs Chinese and English text", key)
			}
		}
	}
}

// TestImportsExist checks that every module a script imports is served.
func TestImportsExist(t *testing.T) {
	imp := regexp.MustCompile(`(?m)^import .* from '\./([\w.]+)';`)
	for _, f := range scripts(t) {
		b, _ := static.ReadFile(f)
		for _, m := range imp.FindAllStringSubmatch(string(b), -1) {
			if _, err := static.ReadFile("static/" + m[1]); err != nil {
				t.Errorf("%s imports %s, which is not in static/", f, m[1])
			}
		}
	}
}
