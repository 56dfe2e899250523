package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
)

const indexName = "/static/index.html"

// attrURL finds the page's own references to its files.
var attrURL = regexp.MustCompile(`(href|src)="(/static/[^"]+)"`)

// rewriteIndex points index.html's links at the hashed files and puts an
// import map before its first module script, mapping every module's plain
// URL to its hashed one (relative imports resolve to the plain URL first, so
// the modules themselves stay as written). It returns the page and the
// map's CSP source expression ('sha256-…'), since the map is inline.
func rewriteIndex(page []byte, hashed map[string]string) ([]byte, string) {
	page = attrURL.ReplaceAllFunc(page, func(m []byte) []byte {
		s := attrURL.FindSubmatch(m)
		if h, ok := hashed[string(s[2])]; ok {
			return []byte(string(s[1]) + `="` + h + `"`)
		}
		return m
	})
	imports := map[string]string{}
	for plain, h := range hashed {
		if strings.HasSuffix(plain, ".js") {
			imports[plain] = h
		}
	}
	body, _ := json.Marshal(map[string]any{"imports": imports}) // sorted keys; a map of strings always marshals
	script := string(body)
	sum := sha256.Sum256([]byte(script))
	tag := `<script type="importmap">` + script + `</script>` + "\n"
	at := bytes.Index(page, []byte(`<script type="module"`))
	if at < 0 {
		at = bytes.Index(page, []byte(`</head>`))
	}
	out := append([]byte{}, page[:at]...)
	out = append(out, tag...)
	out = append(out, page[at:]...)
	return out, "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
