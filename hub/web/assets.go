package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// asset is one file as served under one name.
type asset struct {
	*body
	ctype     string
	tag       string // hex content hash, the ETag's core
	immutable bool   // served under its hashed name: cached for a year
}

// body is a file's bytes and, made on first demand and kept, the same bytes
// brotli- and gzip-compressed when the type is text and that makes them
// smaller (nil otherwise). Compressing on demand keeps the hub's start
// quick; brotli at its best quality takes about 1.5 s for the whole page on
// one core here, paid once per process.
type body struct {
	data       []byte
	text       bool
	gzOnce     sync.Once
	brOnce     sync.Once
	gzip, brot []byte
}

func (b *body) gz() []byte {
	b.gzOnce.Do(func() {
		if !b.text {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level never fails
		if _, err := zw.Write(b.data); err == nil && zw.Close() == nil && buf.Len() < len(b.data) {
			b.gzip = buf.Bytes()
		}
	})
	return b.gzip
}

func (b *body) br() []byte {
	b.brOnce.Do(func() {
		if !b.text {
			return
		}
		var buf bytes.Buffer
		bw := brotli.NewWriterLevel(&buf, brotli.BestCompression)
		if _, err := bw.Write(b.data); err == nil && bw.Close() == nil && buf.Len() < len(b.data) {
			b.brot = buf.Bytes()
		}
	})
	return b.brot
}

// hashedName inserts a content hash before the extension:
// /static/app.js → /static/app.0123456789ab.js.
func hashedName(name, tag string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + tag + ext
}

// compressible types are text; images other than SVG are compressed already.
func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "application/json") || strings.HasPrefix(ctype, "image/svg")
}

func newAsset(b []byte, ctype string) *asset {
	sum := sha256.Sum256(b)
	return &asset{body: &body{data: b, text: compressible(ctype)}, ctype: ctype, tag: hex.EncodeToString(sum[:6])}
}

// loadAssets reads the embedded files into the table the handler serves:
// every file under its plain name (revalidated on each use) and under its
// hashed name (immutable), and index.html rewritten to name the hashed
// files, with an import map so that the modules' relative imports reach the
// hashed files too. It returns the table and the CSP hash of the import map.
func loadAssets(fsys fs.FS) (map[string]*asset, string, error) {
	files := map[string]*asset{}
	hashed := map[string]string{} // plain URL → hashed URL
	var index []byte
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := "/" + p
		if name == indexName {
			index = b
			return nil
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			ct = http.DetectContentType(b)
		}
		a := newAsset(b, ct)
		files[name] = a
		h := hashedName(name, a.tag)
		files[h] = &asset{body: a.body, ctype: ct, tag: a.tag, immutable: true}
		hashed[name] = h
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if index == nil {
		return nil, "", fmt.Errorf("%s is missing", indexName)
	}
	page, csp := rewriteIndex(index, hashed)
	files[indexName] = newAsset(page, contentTypes[".html"])
	return files, csp, nil
}
