package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"
)

// raw asks without the transport's own gzip handling, so that the test sees
// exactly what the browser would.
func raw(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

func decode(t *testing.T, res *http.Response, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc := res.Header.Get("Content-Encoding"); enc {
	case "":
		return b
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		t.Fatalf("unexpected Content-Encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", res.Header.Get("Content-Encoding"), err)
	}
	return out
}

var importMap = regexp.MustCompile(`<script type="importmap">(.*?)</script>`)

// TestDelivery checks what a browser on a slow link gets: compressed text
// as it asks, index.html that names only hashed, immutable files (with an
// import map for the modules' own imports, allowed by the CSP), and
// revalidation of index.html by ETag in every encoding.
func TestDelivery(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()

	plain, page := raw(t, srv.URL+"/", nil)
	if plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("identity asked, got Content-Encoding %q", plain.Header.Get("Content-Encoding"))
	}
	for _, enc := range []struct{ ask, want string }{
		{"gzip", "gzip"}, {"gzip, deflate, br", "br"}, {"br;q=0, gzip", "gzip"}, {"gzip;q=0", ""}, {"deflate", ""}, {"*", "br"},
	} {
		res, b := raw(t, srv.URL+"/", map[string]string{"Accept-Encoding": enc.ask})
		if got := res.Header.Get("Content-Encoding"); got != enc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", enc.ask, got, enc.want)
		}
		if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: no Vary: Accept-Encoding", enc.ask)
		}
		if enc.want != "" && len(b) >= len(page) {
			t.Errorf("%s: %d bytes, not smaller than %d", enc.want, len(b), len(page))
		}
		if !bytes.Equal(decode(t, res, b), page) {
			t.Errorf("Accept-Encoding %q: the body does not decode to the page", enc.ask)
		}
		if res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("index.html: Cache-Control %q, want no-cache", res.Header.Get("Cache-Control"))
		}
		etag := res.Header.Get("ETag")
		again, body := raw(t, srv.URL+"/", map[string]string{"Accept-Encoding": enc.ask, "If-None-Match": etag})
		if again.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("Accept-Encoding %q: revalidation with %s: %s, %d bytes", enc.ask, etag, again.Status, len(body))
		}
	}

	m := importMap.FindSubmatch(page)
	if m == nil {
		t.Fatal("index.html has no import map")
	}
	sum := sha256.Sum256(m[1])
	if csp := plain.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Errorf("the CSP does not allow the import map: %s", csp)
	}
	var imap struct{ Imports map[string]string }
	if err := json.Unmarshal(m[1], &imap); err != nil {
		t.Fatal(err)
	}
	if len(imap.Imports) != len(scripts(t)) {
		t.Errorf("the import map has %d modules, static/ %d", len(imap.Imports), len(scripts(t)))
	}
	refs := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllSubmatch(page, -1)
	if len(refs) < 4 {
		t.Fatalf("index.html names only %d files", len(refs))
	}
	urls := map[string]string{}
	for k, v := range imap.Imports {
		urls[v] = k
	}
	for _, r := range refs {
		urls[string(r[1])] = ""
	}
	for hashed, plainURL := range urls {
		if !regexp.MustCompile(`\.[0-9a-f]{12}\.\w+$`).MatchString(hashed) {
			t.Errorf("index.html names %s, which has no content hash", hashed)
			continue
		}
		res, b := raw(t, srv.URL+hashed, map[string]string{"Accept-Encoding": "gzip"})
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", hashed, res.Status)
			continue
		}
		if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", hashed, cc)
		}
		if strings.HasPrefix(res.Header.Get("Content-Type"), "text/") && res.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s: text not gzipped", hashed)
		}
		if plainURL != "" {
			_, p := raw(t, srv.URL+plainURL, nil)
			if !bytes.Equal(decode(t, res, b), p) {
				t.Errorf("%s and %s differ", hashed, plainURL)
			}
		}
	}
}

// TestChangedFileChangesURL builds the table from two versions of a tree
// that differ in one module: only that module's URL (and the page naming
// it) changes.
func TestChangedFileChangesURL(t *testing.T) {
	tree := func(b string) fstest.MapFS {
		return fstest.MapFS{
			"static/index.html": {Data: []byte(`<html><head><link rel="stylesheet" href="/static/a.css"><script type="module" src="/static/app.js"></script></head></html>`)},
			"static/app.js":     {Data: []byte(`import { b } from './b.js'; b();`)},
			"static/b.js":       {Data: []byte(b)},
			"static/a.css":      {Data: []byte(`body { color: black }`)},
		}
	}
	urlsOf := func(fsys fstest.MapFS) (map[string]string, *asset) {
		files, _, err := loadAssets(fsys)
		if err != nil {
			t.Fatal(err)
		}
		page := string(files[indexName].data)
		m := importMap.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no import map in %s", page)
		}
		var imap struct{ Imports map[string]string }
		if err := json.Unmarshal([]byte(m[1]), &imap); err != nil {
			t.Fatal(err)
		}
		for _, v := range imap.Imports {
			if files[v] == nil || !files[v].immutable {
				t.Errorf("the map names %s, which is not served as immutable", v)
			}
		}
		if !strings.Contains(page, `src="`+imap.Imports["/static/app.js"]+`"`) || strings.Contains(page, `"/static/a.css"`) {
			t.Errorf("index.html still names plain files: %s", page)
		}
		return imap.Imports, files[indexName]
	}
	one, i1 := urlsOf(tree(`export function b() { return 1; }`))
	two, i2 := urlsOf(tree(`export function b() { return 2; }`))
	if one["/static/b.js"] == two["/static/b.js"] {
		t.Errorf("b.js changed but kept its URL %s", one["/static/b.js"])
	}
	if one["/static/app.js"] != two["/static/app.js"] {
		t.Errorf("app.js did not change but its URL did: %s → %s", one["/static/app.js"], two["/static/app.js"])
	}
	if i1.tag == i2.tag {
		t.Error("index.html names a changed file but kept its ETag")
	}
}
