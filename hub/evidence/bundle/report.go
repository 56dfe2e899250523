package bundle

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors a report gives; test them with errors.Is.
var (
	// ErrDamaged means the file is not what the hub exported: something in
	// it was altered, removed, added or reordered, or cannot be checked.
	ErrDamaged = errors.New("the evidence file is damaged or altered")
	// ErrIncomplete means the file is intact but the recording has holes
	// that the hub never received (the manifest declares them).
	ErrIncomplete = errors.New("the file is intact, but the recording has holes the hub never received")
	// ErrAuditLogAltered means the file is what the hub exported, but the
	// hub's audit log had been altered before the export: entries in the
	// excerpt did not match their hashes when the hub exported.
	ErrAuditLogAltered = errors.New("the hub's audit log was altered before this export")
)

// Verdict is what the verifier found for one record or part of the file.
type Verdict string

// Verdicts.
const (
	Whole      Verdict = "whole"      // a record: present, signed, unaltered, in its place in the chain
	OK         Verdict = "ok"         // a part of the file (manifest, enrollment, audit, container)
	Altered    Verdict = "altered"    // content differs from what was signed or listed
	Missing    Verdict = "missing"    // listed or chained, but not in the file (or never received by the hub)
	Reordered  Verdict = "reordered"  // present and intact, but not in its place in the file
	Extra      Verdict = "extra"      // in the file, but not in the manifest
	Unverified Verdict = "unverified" // could not be checked, because what it is checked against is unreadable
)

// Part is which part of the file a line is about.
type Part string

// Parts.
const (
	PartSegment    Part = "segment"
	PartHole       Part = "hole" // a hole the hub declared when it exported
	PartManifest   Part = "manifest"
	PartEnrollment Part = "enrollment"
	PartReadme     Part = "readme"
	PartAudit      Part = "audit"
	// PartAuditLog is the hub's audit log itself: an entry that did not
	// match its hash when the hub exported (the manifest says so), so
	// the log was altered before the export, not this file after it.
	PartAuditLog  Part = "audit-log"
	PartContainer Part = "container"
)

// Line is one finding.
type Line struct {
	Verdict Verdict
	Part    Part
	Room    string
	Stream  string
	Seq     uint64
	LastSeq uint64 // > Seq for a run
	Open    bool   // a hole with no end known: Seq and every later record
	Path    string // the entry in the file, if any
	Offset  int64  // where in the file, -1 if nowhere
	Detail  string
}

// Fault reports whether the line is a fault of the file (declared holes
// are not: they are facts about the recording).
func (l Line) Fault() bool {
	return l.Part != PartHole && l.Verdict != Whole && l.Verdict != OK
}

func (l Line) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s ", l.Verdict)
	switch l.Part {
	case PartSegment, PartHole:
		fmt.Fprintf(&b, "%s %s seq %d", l.Room, l.Stream, l.Seq)
		if l.Open {
			b.WriteString(" and later")
		} else if l.LastSeq > l.Seq {
			fmt.Fprintf(&b, "-%d", l.LastSeq)
		}
	default:
		b.WriteString(string(l.Part))
		if l.Path != "" && l.Part == PartContainer {
			b.WriteString(" " + l.Path)
		}
	}
	if l.Detail != "" {
		b.WriteString(": " + l.Detail)
	}
	if l.Offset >= 0 && l.Part != PartHole {
		fmt.Fprintf(&b, " [byte %d]", l.Offset)
	}
	return b.String()
}

// Report is the verifier's result.
type Report struct {
	Room           string
	From, To       time.Time
	ExportedAt     time.Time
	ExportedBy     string
	ManifestSHA256 string
	Streams        int
	Records        int // records listed in the manifest
	GapRecords     int
	// AuditAltered are the audit entries in the excerpt that did not
	// match their hashes when the hub exported, as the manifest declares
	// and the excerpt shows.
	AuditAltered []int64
	Lines        []Line
}

// Faults returns the lines that are faults of the file.
func (r *Report) Faults() []Line {
	var out []Line
	for _, l := range r.Lines {
		if l.Fault() {
			out = append(out, l)
		}
	}
	return out
}

// Holes returns the holes the hub declared.
func (r *Report) Holes() []Line {
	var out []Line
	for _, l := range r.Lines {
		if l.Part == PartHole {
			out = append(out, l)
		}
	}
	return out
}

// Err is nil when the file is intact and the recording whole, else it
// wraps ErrDamaged or ErrIncomplete.
func (r *Report) Err() error {
	if ids := r.auditLogOnly(); ids != nil {
		es := make([]string, len(ids))
		for i, id := range ids {
			es[i] = fmt.Sprint(id)
		}
		return fmt.Errorf("%w: audit entry %s", ErrAuditLogAltered, strings.Join(es, ", "))
	}
	if n := len(r.Faults()); n > 0 {
		return fmt.Errorf("%w: %d faults", ErrDamaged, n)
	}
	if n := len(r.Holes()); n > 0 {
		return fmt.Errorf("%w: %d holes", ErrIncomplete, n)
	}
	return nil
}

// Summary is the last line a person reads.
func (r *Report) Summary() string {
	what := fmt.Sprintf("room %s, %s to %s, %d records (%d gap records) in %d streams, exported %s by %s",
		r.Room, r.From.UTC().Format(time.RFC3339), r.To.UTC().Format(time.RFC3339), r.Records, r.GapRecords, r.Streams,
		r.ExportedAt.UTC().Format(time.RFC3339), r.ExportedBy)
	if r.Room == "" {
		what = "no readable manifest"
	}
	counts := map[Verdict]int{}
	for _, l := range r.Faults() {
		counts[l.Verdict]++
	}
	switch ids := r.auditLogOnly(); {
	case ids != nil:
		var es []string
		for _, id := range ids {
			es = append(es, fmt.Sprint(id))
		}
		which := "audit entry " + es[0] + " does not match its hash"
		if len(es) > 1 {
			which = "audit entries " + strings.Join(es, ", ") + " do not match their hashes"
		}
		records := "every record is whole"
		if n := len(r.Holes()); n > 0 {
			records = fmt.Sprintf("its records are whole but for %d holes the hub never received", n)
		}
		return fmt.Sprintf("AUDIT LOG ALTERED: %s: the hub's audit log was altered before this export, so it cannot be relied on. The file itself is what the hub exported (manifest sha256 %s) and %s. (%s)",
			which, r.ManifestSHA256, records, what)
	case len(counts) > 0:
		var parts []string
		for _, v := range []Verdict{Altered, Missing, Reordered, Extra, Unverified} {
			if counts[v] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[v], v))
			}
		}
		return "NOT WHOLE: " + strings.Join(parts, ", ") + ". The file is not what the hub exported; do not rely on it. (" + what + ")"
	case len(r.Holes()) > 0:
		return fmt.Sprintf("INTACT BUT INCOMPLETE: the file is what the hub exported, and the recording has %d holes the hub never received. (%s)", len(r.Holes()), what)
	default:
		return "WHOLE: every record is present, signed by the enrolled box, unaltered and chained; manifest sha256 " + r.ManifestSHA256 + ". (" + what + ")"
	}
}

// auditLogOnly returns the altered entries of the hub's audit log when
// they are the file's only faults, else nil.
func (r *Report) auditLogOnly() []int64 {
	faults := r.Faults()
	if len(faults) == 0 || len(r.AuditAltered) == 0 {
		return nil
	}
	for _, l := range faults {
		if l.Part != PartAuditLog {
			return nil
		}
	}
	return r.AuditAltered
}

func (r *Report) add(l Line) { r.Lines = append(r.Lines, l) }

// part adds a line about a part of the file.
func (r *Report) part(v Verdict, p Part, off int64, format string, a ...any) {
	r.add(Line{Verdict: v, Part: p, Offset: off, Detail: fmt.Sprintf(format, a...)})
}
