package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/evalroom/evalroom/protocol"
)

// Verify reads an evidence file from r and checks it with nothing but the
// file: the container's form, the manifest and its digest, the enrollment
// record, the audit excerpt's chain, and every record's container,
// signature, payload digest, place in its stream's chain and in the file.
// What is wrong with the file is in the report; the error is only for
// failing to read r.
func Verify(r io.Reader) (*Report, error) {
	v := &verifier{rep: &Report{}, fixed: map[string]*entry{}, segs: map[string]*segInfo{}}
	tr := newReader(r)
	for pos := 0; ; pos++ {
		e, err := tr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read the evidence file: %w", err)
		}
		v.take(e, pos)
	}
	v.finish(tr)
	return v.rep, nil
}

type verifier struct {
	rep      *Report
	fixed    map[string]*entry // first of each fixed entry
	entries  int
	mtime    int64
	manifest *Manifest
	manErr   error
	enroll   *Enrollment
	keys     map[string]protocol.PublicKey
	enrolErr error
	segs     map[string]*segInfo // by path, first seen
	segOrder []*segInfo          // in file order
	late     []Line              // lines found while reading, reported in finish
}

// take looks at one entry as it is read.
func (v *verifier) take(e *entry, pos int) {
	v.entries++
	if pos == 0 {
		v.mtime = e.mtime
	} else if e.mtime != v.mtime {
		v.late = append(v.late, Line{Verdict: Altered, Part: PartContainer, Path: e.name, Offset: e.offset, Detail: "its time differs from the other entries'"})
	}
	if i := slices.Index(fixedNames, e.name); i >= 0 {
		v.takeFixed(e, pos, i)
		return
	}
	if strings.HasPrefix(e.name, "segments/") {
		v.takeSegment(e)
		return
	}
	v.late = append(v.late, Line{Verdict: Extra, Part: PartContainer, Path: e.name, Offset: e.offset, Detail: "an entry this format does not have"})
}

func (v *verifier) takeFixed(e *entry, pos, want int) {
	if v.fixed[e.name] != nil {
		v.late = append(v.late, Line{Verdict: Extra, Part: PartContainer, Path: e.name, Offset: e.offset, Detail: "a second copy"})
		return
	}
	v.fixed[e.name] = e
	if pos != want {
		v.late = append(v.late, Line{Verdict: Reordered, Part: PartContainer, Path: e.name, Offset: e.offset,
			Detail: fmt.Sprintf("entry %d of the file, belongs at %d", pos+1, want+1)})
	}
	if e.short {
		return
	}
	switch e.name {
	case ManifestName:
		v.manifest, v.manErr = parseManifest(e.data)
	case EnrollmentName:
		v.enroll, v.keys, v.enrolErr = parseEnrollment(e.data)
	}
}

// finish reports everything, once the whole file is read.
func (v *verifier) finish(tr *reader) {
	v.container(tr)
	ac := v.audit()
	v.checkManifest(ac)
	v.checkEnrollment()
	v.checkReadme()
	if v.manifest != nil {
		v.segments(tr)
	} else {
		v.unmatched()
	}
}

func (v *verifier) container(tr *reader) {
	before := len(v.rep.Lines)
	for _, d := range tr.damage {
		v.rep.add(Line{Verdict: Altered, Part: PartContainer, Offset: d.start, Detail: fmt.Sprintf("bytes %d-%d: %s", d.start, d.end-1, d.what)})
	}
	if tr.truncatedAt >= 0 {
		v.rep.add(Line{Verdict: Missing, Part: PartContainer, Offset: tr.truncatedAt,
			Detail: fmt.Sprintf("the file ends at byte %d without the end-of-archive marker: it is truncated", tr.truncatedAt)})
	}
	for _, name := range fixedNames {
		if v.fixed[name] == nil {
			v.rep.add(Line{Verdict: Missing, Part: PartContainer, Path: name, Offset: -1, Detail: "not in the file"})
		} else if v.fixed[name].short {
			v.rep.add(Line{Verdict: Missing, Part: PartContainer, Path: name, Offset: v.fixed[name].offset, Detail: "only part of it is in the file (truncated)"})
		}
	}
	for _, l := range v.late {
		v.rep.add(l)
	}
	if len(v.rep.Lines) == before {
		v.rep.part(OK, PartContainer, -1, "%d entries in canonical ustar form, end-of-archive marker present", v.entries)
	}
}

// audit checks the excerpt and returns what it found (nil if unreadable).
func (v *verifier) audit() *auditCheck {
	e := v.fixed[AuditName]
	if e == nil || e.short {
		v.rep.part(Missing, PartAudit, -1, "no audit excerpt in the file")
		return nil
	}
	a, err := parseAudit(e.data)
	if err != nil {
		v.rep.part(Altered, PartAudit, e.offset, "not a valid audit excerpt: %v", err)
		return nil
	}
	room, by := "", ""
	var declared []int64
	if v.manifest != nil {
		room, by, declared = v.manifest.Room, v.manifest.ExportedBy, v.manifest.AuditAltered
	}
	c := checkAudit(a, room, by, declared)
	for _, f := range c.faults {
		v.rep.part(Altered, PartAudit, e.offset, "%s", f)
	}
	for _, f := range c.before {
		v.rep.part(Altered, PartAuditLog, -1, "%s", f)
	}
	v.rep.AuditAltered = c.beforeIDs
	if len(c.faults) == 0 && len(c.before) > 0 {
		v.rep.part(OK, PartAudit, -1, "entries %d-%d of the hub's audit log as the hub held them, chain links unbroken, ending with this export's entry %d",
			c.first, c.last, c.lastEntryID)
	} else if len(c.faults) == 0 {
		v.rep.part(OK, PartAudit, -1, "entries %d-%d of the hub's audit log (%d about the room, %d of other rooms elided), chain unbroken, ending with this export's entry %d",
			c.first, c.last, c.full, c.elided, c.lastEntryID)
	}
	return &c
}

func (v *verifier) checkManifest(ac *auditCheck) {
	e := v.fixed[ManifestName]
	if e == nil || e.short {
		v.rep.part(Missing, PartManifest, -1, "no manifest in the file: the records cannot be matched to what was exported")
		return
	}
	sum := sha256.Sum256(e.data)
	hexSum := hex.EncodeToString(sum[:])
	v.rep.ManifestSHA256 = hexSum
	if v.manErr != nil {
		v.rep.part(Altered, PartManifest, e.offset, "not a valid manifest: %v", v.manErr)
	} else {
		m := v.manifest
		v.rep.Room, v.rep.From, v.rep.To, v.rep.ExportedAt, v.rep.ExportedBy = m.Room, m.From, m.To, m.ExportedAt, m.ExportedBy
	}
	sumFile := v.fixed[ManifestSumName]
	sumOK := sumFile != nil && !sumFile.short && string(sumFile.data) == ManifestSum(hexSum)
	audited := ac != nil && len(ac.faults) == 0
	boundOK := audited && ac.boundSum == hexSum
	switch {
	case sumOK && boundOK:
		v.rep.part(OK, PartManifest, -1, "sha256 %s, as in %s and in the hub's audit entry %d for this export", hexSum, ManifestSumName, ac.lastEntryID)
	case boundOK:
		off := int64(-1)
		if sumFile != nil {
			off = sumFile.offset
		}
		v.rep.add(Line{Verdict: Altered, Part: PartManifest, Path: ManifestSumName, Offset: off,
			Detail: fmt.Sprintf("%s does not hold the manifest's sha256 %s, which the hub's audit entry confirms", ManifestSumName, hexSum)})
	case sumOK && audited:
		v.rep.part(Altered, PartManifest, e.offset, "its sha256 %s matches %s, but the hub's audit entry for this export names %.64s: both were replaced", hexSum, ManifestSumName, ac.boundSum)
	case sumOK:
		v.rep.part(OK, PartManifest, -1, "sha256 %s, as in %s; the audit excerpt cannot confirm it (see above)", hexSum, ManifestSumName)
	default:
		v.rep.part(Altered, PartManifest, e.offset, "its sha256 %s matches neither %s nor the hub's audit entry for this export", hexSum, ManifestSumName)
	}
}

func (v *verifier) checkEnrollment() {
	e := v.fixed[EnrollmentName]
	switch {
	case e == nil || e.short:
		v.rep.part(Missing, PartEnrollment, -1, "no enrollment record in the file: no signature can be checked")
		return
	case v.enrolErr != nil:
		v.rep.part(Altered, PartEnrollment, e.offset, "not a valid enrollment record: %v", v.enrolErr)
		return
	}
	if m := v.manifest; m != nil {
		if f := m.Files[1]; f.SHA256 != digest(e.data) || f.Size != int64(len(e.data)) {
			v.rep.part(Altered, PartEnrollment, e.offset, "it differs from the manifest's sha256 of it: signatures checked against it prove nothing")
			return
		}
		if v.enroll.Room != m.Room {
			v.rep.part(Altered, PartEnrollment, e.offset, "it is for room %s, the manifest for %s", v.enroll.Room, m.Room)
			return
		}
	}
	var keys []string
	for _, k := range v.enroll.Keys {
		s := fmt.Sprintf("%s key %s enrolled %s", k.Alg, k.KeyID, k.EnrolledAt.UTC().Format(time.RFC3339))
		if !k.RevokedAt.IsZero() {
			s += ", replaced " + k.RevokedAt.UTC().Format(time.RFC3339)
		}
		if k.Certificate != "" {
			s += ", with a certificate (not checked by this version)"
		}
		keys = append(keys, s)
	}
	v.rep.part(OK, PartEnrollment, -1, "room %s (%s): %s", v.enroll.Room, v.enroll.Name, strings.Join(keys, "; "))
}

func (v *verifier) checkReadme() {
	e := v.fixed[ReadmeName]
	if e == nil || e.short || v.manifest == nil {
		return // reported with the container or the manifest
	}
	if f := v.manifest.Files[0]; f.SHA256 != digest(e.data) || f.Size != int64(len(e.data)) {
		v.rep.part(Altered, PartReadme, e.offset, "%s differs from the manifest's sha256 of it", ReadmeName)
	}
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
