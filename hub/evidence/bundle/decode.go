package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/evalroom/evalroom/protocol"
)

// decodeStrict parses exactly one JSON value into v: size bounded,
// unknown fields refused, nothing after it.
func decodeStrict(data []byte, limit int, v any) error {
	if len(data) > limit {
		return fmt.Errorf("%d bytes, at most %d", len(data), limit)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

func checkFormat(format, want string, v int) error {
	if format != want {
		return fmt.Errorf("format %q, want %q", format, want)
	}
	if v != Version {
		return fmt.Errorf("version %d, this verifier reads %d", v, Version)
	}
	return nil
}

// parseManifest decodes and checks the manifest's own consistency.
func parseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := decodeStrict(b, MaxManifestSize, &m); err != nil {
		return nil, err
	}
	if err := checkFormat(m.Format, FormatManifest, m.V); err != nil {
		return nil, err
	}
	if !protocol.ValidID(m.Room) || !m.To.After(m.From) || m.ExportedBy == "" {
		return nil, errors.New("room, range or exporter is not valid")
	}
	if len(m.Files) != 2 || m.Files[0].Path != ReadmeName || m.Files[1].Path != EnrollmentName || !isHash(m.Files[0].SHA256) || !isHash(m.Files[1].SHA256) {
		return nil, fmt.Errorf("files must list %s and %s with their SHA-256", ReadmeName, EnrollmentName)
	}
	seen := map[string]bool{}
	for _, s := range m.Streams {
		if !protocol.ValidID(s.Stream) || seen[s.Stream] {
			return nil, fmt.Errorf("stream %q is not valid or listed twice", s.Stream)
		}
		seen[s.Stream] = true
		if err := checkStream(m.Room, s); err != nil {
			return nil, fmt.Errorf("stream %s: %w", s.Stream, err)
		}
	}
	return &m, nil
}

func checkStream(room string, s Stream) error {
	for i, g := range s.Segments {
		switch {
		case g.Path != SegmentPath(room, s.Stream, g.Seq):
			return fmt.Errorf("seq %d: path %q, want %q", g.Seq, g.Path, SegmentPath(room, s.Stream, g.Seq))
		case i > 0 && g.Seq <= s.Segments[i-1].LastSeq:
			return fmt.Errorf("seq %d is not after seq %d", g.Seq, s.Segments[i-1].Seq)
		case g.LastSeq < g.Seq, g.Record != protocol.RecordMedia && g.Record != protocol.RecordGap:
			return fmt.Errorf("seq %d: last seq or record kind", g.Seq)
		case !isHash(g.Hash), g.Prev != "" && !isHash(g.Prev), g.Size <= 0 || g.Size > protocol.MaxSegmentSize:
			return fmt.Errorf("seq %d: hash, prev or size", g.Seq)
		}
	}
	for i, h := range s.Holes {
		if (!h.Open && h.LastSeq < h.FirstSeq) || (h.Open && i != len(s.Holes)-1) || (i > 0 && h.FirstSeq <= s.Holes[i-1].LastSeq) ||
			(h.Reason != "" && (h.Reason != HoleRetention || h.Open)) {
			return fmt.Errorf("hole at seq %d", h.FirstSeq)
		}
	}
	return nil
}

// parseEnrollment decodes the enrollment record and its keys.
func parseEnrollment(b []byte) (*Enrollment, map[string]protocol.PublicKey, error) {
	var e Enrollment
	if err := decodeStrict(b, MaxEnrollmentSize, &e); err != nil {
		return nil, nil, err
	}
	if err := checkFormat(e.Format, FormatEnrollment, e.V); err != nil {
		return nil, nil, err
	}
	if !protocol.ValidID(e.Room) || len(e.Keys) == 0 {
		return nil, nil, errors.New("room or keys missing")
	}
	keys := map[string]protocol.PublicKey{}
	for _, k := range e.Keys {
		pub, err := protocol.ParsePublicKey(k.PublicKey)
		if err != nil {
			return nil, nil, err
		}
		if pub.Alg != k.Alg || pub.ID() != k.KeyID {
			return nil, nil, fmt.Errorf("key %s: algorithm or key id does not match the key", k.KeyID)
		}
		keys[k.KeyID] = pub
	}
	return &e, keys, nil
}

// parseAudit decodes the audit excerpt; its chain is checked by checkAudit.
func parseAudit(b []byte) (*AuditExcerpt, error) {
	var a AuditExcerpt
	if err := decodeStrict(b, MaxAuditSize, &a); err != nil {
		return nil, err
	}
	if err := checkFormat(a.Format, FormatAudit, a.V); err != nil {
		return nil, err
	}
	if len(a.Entries) == 0 {
		return nil, errors.New("no entries")
	}
	if canon, err := EncodeJSON(&a); err != nil || !bytes.Equal(canon, b) {
		return nil, errors.New("not in the form the hub writes (spacing, letter case or escapes changed)")
	}
	return &a, nil
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// EncodeJSON is the one way the format writes its JSON files: indented
// with two spaces, ending with a newline. The audit excerpt is not covered
// by the manifest's digest, so the reader accepts it only in this form:
// otherwise whitespace or letter case could change without a trace.
func EncodeJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return append(b, '\n'), nil
}
