package bundle

import (
	"fmt"
	"time"
)

// Names of the fixed entries, in the order they appear.
const (
	ManifestName    = "manifest.json"
	ManifestSumName = "manifest.sha256"
	ReadmeName      = "README.txt"
	EnrollmentName  = "enrollment.json"
	AuditName       = "audit.json"
)

// fixedNames is the order of the entries before the segments.
var fixedNames = []string{ManifestName, ManifestSumName, ReadmeName, EnrollmentName, AuditName}

// Format identifiers and the version of this layout.
const (
	FormatManifest   = "evalroom-evidence"
	FormatEnrollment = "evalroom-enrollment"
	FormatAudit      = "evalroom-audit-excerpt"
	Version          = 1
)

// AuditExportAction is the audit log's action for an export; it must equal
// hub/audit.Export.
const AuditExportAction = "recording.export"

// Bounds of the entries a reader accepts.
const (
	MaxManifestSize   = 256 << 20
	MaxAuditSize      = 256 << 20
	MaxEnrollmentSize = 1 << 20
	MaxReadmeSize     = 64 << 10
)

// Manifest says what an evidence file holds.
type Manifest struct {
	Format     string    `json:"format"`
	V          int       `json:"v"`
	Protocol   int       `json:"protocol"` // protocol.Version of the hub that exported
	Room       string    `json:"room"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	ExportedAt time.Time `json:"exported_at"`
	ExportedBy string    `json:"exported_by"`
	Files      []File    `json:"files"` // README.txt and enrollment.json
	Streams    []Stream  `json:"streams"`
	// AuditAltered lists the entries about the room, from the range's
	// start on, that did not match their hashes when the hub exported:
	// the hub's audit log had been altered before this export. Empty for
	// a log that verified.
	AuditAltered []int64 `json:"audit_altered,omitempty"`
}

// File names an entry of the file and its digest.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Stream is one stream's records in the range, in sequence order, and the
// records in it that the hub never received.
type Stream struct {
	Stream   string    `json:"stream"`
	Segments []Segment `json:"segments"`
	Holes    []Hole    `json:"holes"`
}

// Segment is one record of a stream as the hub indexed it on ingest.
type Segment struct {
	Seq     uint64    `json:"seq"`
	LastSeq uint64    `json:"last_seq"` // > Seq only for a spool eviction gap
	Record  string    `json:"record"`   // media or gap
	Gap     string    `json:"gap,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Hash    string    `json:"hash"` // SHA-256 of the signed header
	Prev    string    `json:"prev"`
	Size    int64     `json:"size"` // bytes of the container
	Path    string    `json:"path"`
}

// Hole is a run of records of a stream inside the range that the hub never
// received and that no gap record explains. Open means the hub holds
// nothing of the stream after FirstSeq-1: LastSeq is then unknown (0).
type Hole struct {
	FirstSeq uint64    `json:"first_seq"`
	LastSeq  uint64    `json:"last_seq"`
	Open     bool      `json:"open,omitempty"`
	Start    time.Time `json:"start"` // as far as the neighbouring records tell
	End      time.Time `json:"end"`
	// Reason is HoleRetention when the hub's retention job removed every
	// record of the hole (Audit names its audit entry); empty: the hub
	// never received them.
	Reason string `json:"reason,omitempty"`
	Audit  int64  `json:"audit_entry,omitempty"`
}

// HoleRetention is a hole the hub's retention job made: footage outside
// procurement sessions removed after its retention period, in the audit
// log.
const HoleRetention = "retention"

// Enrollment is the room's enrollment record: the keys its boxes were
// enrolled with, oldest first, the current one last.
type Enrollment struct {
	Format string `json:"format"`
	V      int    `json:"v"`
	Room   string `json:"room"`
	Name   string `json:"name"`
	Keys   []Key  `json:"keys"`
}

// Key is one enrolled box key.
type Key struct {
	PublicKey  string    `json:"public_key"` // protocol.PublicKey text form, "ALG:BASE64"
	Alg        string    `json:"alg"`
	KeyID      string    `json:"key_id"`
	EnrolledAt time.Time `json:"enrolled_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"` // when another box replaced it
	Current    bool      `json:"current"`
	// Certificate is the box's certificate (PEM) the hub's CA issued at
	// enrollment; empty for a box enrolled without one. This version of
	// the verifier does not check it.
	Certificate string `json:"certificate"`
}

// AuditExcerpt is a contiguous stretch of the hub's audit log: the room's
// entries in full, runs of other entries elided to their first and last id
// and the hashes around them, so the chain walks from Prev to the last
// entry without showing other rooms' business.
type AuditExcerpt struct {
	Format  string       `json:"format"`
	V       int          `json:"v"`
	Room    string       `json:"room"`
	Prev    string       `json:"prev"` // hash of the entry before the first one, "" if none
	Entries []AuditEntry `json:"entries"`
}

// AuditEntry is one audit entry, or (Elided) a run of entries ID..LastID
// whose Prev is the hash before the run and Hash the hash of its last.
type AuditEntry struct {
	ID     int64     `json:"id"`
	LastID int64     `json:"last_id,omitempty"`
	Elided bool      `json:"elided,omitempty"`
	At     time.Time `json:"at,omitzero"`
	Actor  string    `json:"actor,omitempty"`
	Action string    `json:"action,omitempty"`
	Target string    `json:"target,omitempty"`
	Detail string    `json:"detail,omitempty"`
	Prev   string    `json:"prev"`
	Hash   string    `json:"hash"`
}

// SegmentPath is where a record lies in the file.
func SegmentPath(room, stream string, seq uint64) string {
	return fmt.Sprintf("segments/%s/%s/%012d.seg", room, stream, seq)
}

// ManifestSum is the content of manifest.sha256 for a manifest digest.
func ManifestSum(sum string) string { return sum + "  " + ManifestName + "\n" }

// ExportDetail is the detail of the export's audit entry; it binds the
// audit log to the manifest.
func ExportDetail(m *Manifest, sum string) string {
	n := 0
	for _, s := range m.Streams {
		n += len(s.Segments)
	}
	return fmt.Sprintf("evidence from=%s to=%s records=%d manifest_sha256=%s",
		m.From.UTC().Format(time.RFC3339Nano), m.To.UTC().Format(time.RFC3339Nano), n, sum)
}
