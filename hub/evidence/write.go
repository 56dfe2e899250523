package evidence

import (
	"context"
	"fmt"
	"io"

	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// Result is what writing an export did.
type Result struct {
	Bytes int64
	// Problems are stored records that were unreadable (left out: the
	// verifier reports them missing) or that no longer match their index
	// (written as stored: the verifier reports them altered). The file
	// tells the truth about the store either way.
	Problems []string
}

// Write writes the evidence file to w. The records are read from the
// store one at a time, exactly as stored.
func (e *Export) Write(ctx context.Context, w io.Writer) (Result, error) {
	var res Result
	bw := bundle.NewWriter(w, e.Manifest.ExportedAt)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{bundle.ManifestName, e.manifest},
		{bundle.ManifestSumName, []byte(bundle.ManifestSum(e.ManifestSHA256))},
		{bundle.ReadmeName, []byte(bundle.Readme)},
		{bundle.EnrollmentName, e.enrollment},
		{bundle.AuditName, e.excerpt},
	} {
		if err := bw.Add(f.name, f.data); err != nil {
			return res, err
		}
	}
	for _, r := range e.records {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		b, err := e.read(ctx, r.seg)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: the stored file cannot be read, left out: %v", r.name, err))
			continue
		}
		if seg, err := protocol.DecodeSegment(b); err != nil || seg.Hash() != r.hash {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: the stored record in %s no longer matches its index (%v): written as stored", r.name, r.seg.Path, err))
		}
		if err := bw.Add(r.name, b); err != nil {
			return res, err
		}
	}
	err := bw.Close()
	res.Bytes = bw.Written()
	return res, err
}

// Records reads a stored record's bytes by its place in the index: a pack
// file or an object, and a byte range (recstore.Store).
type Records interface {
	Read(ctx context.Context, path string, off, size int64) ([]byte, error)
}

// ReadFrom makes Write read the records through r (an object store as well
// as pack files); without it they are read from their pack files.
func (e *Export) ReadFrom(r Records) *Export {
	e.recs = r
	return e
}

func (e *Export) read(ctx context.Context, seg store.Segment) ([]byte, error) {
	return e.recs.Read(ctx, seg.Path, seg.Offset, seg.Size)
}
