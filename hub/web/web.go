// Package web holds the hub's web UI for regulators: plain HTML, CSS and
// JavaScript modules embedded in the binary, one page with hash routes (the
// room wall, alerts, a room's live view with its timeline and player, and
// patrol). The page talks to the hub only through /api/v1 (polling, one
// WebSocket for live frames and sound, segment fetches for playback);
// nothing is loaded from the network.
//
// Delivery: every file is also served under a name with its content hash
// (app.0123456789ab.js) with a year's immutable caching, index.html names
// only those and maps the modules' plain URLs to them with an import map, so
// a warm load asks for index.html alone and a new binary changes exactly the
// URLs of the files that changed. Text is sent brotli- or gzip-compressed,
// each compressed once, when first asked for.
package web

import (
	"bytes"
	"embed"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed static
var static embed.FS

// contentTypes is explicit so that the answer does not depend on the host's
// MIME tables (ES modules must be served as JavaScript).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
}

// The embedded files never change in a process: read and compress them once.
var load = sync.OnceValues(func() (table, error) {
	files, csp, err := loadAssets(static)
	return table{files: files, importMapCSP: csp}, err
})

type table struct {
	files        map[string]*asset
	importMapCSP string
}

// Handler serves the UI: static/index.html at "/" and the files of static/
// under "/static/", each also under its hashed name. index.html and plain
// names carry Cache-Control: no-cache and an ETag (a new hub binary is
// picked up on the next load); hashed names are immutable for a year.
// Other paths are 404; mount the API on its own, more specific pattern.
func Handler() http.Handler {
	tb, err := load()
	if err != nil {
		panic("web: reading embedded files: " + err.Error()) // cannot happen with a valid embed
	}
	csp := "default-src 'self'; script-src 'self' " + tb.importMapCSP + "; img-src 'self' blob: data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path
		if name == "/" || name == "/index.html" {
			name = indexName
		}
		f, ok := tb.files[name]
		if !ok || !strings.HasPrefix(name, "/static/") {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.ctype)
		if f.immutable {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		if strings.HasSuffix(name, ".html") {
			h.Set("X-Frame-Options", "DENY")
			h.Set("Content-Security-Policy", csp)
			h.Set("Referrer-Policy", "no-referrer")
		}
		out, enc := f.data, ""
		if f.text {
			h.Add("Vary", "Accept-Encoding")
			br, gz := accepts(r.Header.Get("Accept-Encoding"))
			if br && f.br() != nil {
				out, enc = f.br(), "br"
			} else if gz && f.gz() != nil {
				out, enc = f.gz(), "gzip"
			}
		}
		if enc != "" {
			h.Set("Content-Encoding", enc)
			h.Set("ETag", `"`+f.tag+"-"+enc+`"`) // a different body needs a different tag
		} else {
			h.Set("ETag", `"`+f.tag+`"`)
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(out))
	})
}

// accepts tells which of brotli and gzip an Accept-Encoding header allows;
// a coding with q=0 is refused.
func accepts(header string) (br, gz bool) {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok && strings.Trim(q, "0.") == "" {
			continue // q=0, q=0.0, q=0.000
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "br":
			br = true
		case "gzip":
			gz = true
		case "*":
			br, gz = true, true
		}
	}
	return br, gz
}
