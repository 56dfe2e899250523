package bundle

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// auditDigest is the hub audit log's entry hash, computed by the same
// code as the hub's (AuditHash).
func auditDigest(e AuditEntry) string {
	return AuditHash(e.Prev, AuditFields{ID: e.ID, At: e.At.UnixNano(), Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail})
}

// auditCheck is what walking an excerpt found.
type auditCheck struct {
	faults      []string
	first, last int64
	full        int    // entries shown in full
	elided      int64  // entries elided
	boundSum    string // the manifest digest the export's entry names, "" if none
	lastEntryID int64
	// before are the entries that do not match their hashes and that the
	// manifest declares altered when the hub exported: the hub's log was
	// altered, not this file. In words, and their ids.
	before    []string
	beforeIDs []int64
}

const maxAuditFaults = 20

// checkAudit walks the excerpt's chain from its Prev to its last entry and
// checks that the last entry is this export's.
// declared are the entries the manifest says were altered when the hub
// exported.
func checkAudit(a *AuditExcerpt, room, exportedBy string, declared []int64) auditCheck {
	c := auditCheck{first: a.Entries[0].ID}
	fault := func(format string, args ...any) {
		if len(c.faults) < maxAuditFaults {
			c.faults = append(c.faults, fmt.Sprintf(format, args...))
		}
	}
	if room == "" { // the manifest is unreadable: check the excerpt on its own
		room = a.Room
	}
	if a.Room != room {
		fault("the excerpt is for room %q, the manifest for %q", a.Room, room)
	}
	running, next := a.Prev, a.Entries[0].ID
	if next < 1 {
		fault("entry ids start at %d", next)
	}
	for _, e := range a.Entries {
		if e.ID != next {
			fault("entry %d: expected entry %d next (entries removed or reordered)", e.ID, next)
		}
		if e.Prev != running {
			fault("entry %d does not follow the entry before it (removed, reordered or altered)", e.ID)
		}
		if e.Elided {
			if e.LastID < e.ID || !e.At.IsZero() || e.Actor != "" || e.Action != "" || e.Target != "" || e.Detail != "" || !isHash(e.Hash) {
				fault("elided entries %d-%d are not a valid run", e.ID, e.LastID)
			}
			c.elided += e.LastID - e.ID + 1
			next = e.LastID + 1
		} else {
			if e.LastID != 0 {
				fault("entry %d has a last_id but is not elided", e.ID)
			}
			if auditDigest(e) != e.Hash {
				what := fmt.Sprintf("audit entry %d (%s %s by %s at %s) does not match its hash", e.ID, e.Action, e.Target, e.Actor, e.At.UTC().Format(time.RFC3339))
				if slices.Contains(declared, e.ID) {
					c.before = append(c.before, what+": the hub's audit log was altered before this export (the hub found it so when it exported)")
					c.beforeIDs = append(c.beforeIDs, e.ID)
				} else {
					fault("entry %d is altered: %s: this file's audit excerpt was changed after the export", e.ID, what)
				}
			}
			c.full++
			next = e.ID + 1
		}
		running = e.Hash
	}
	c.last = next - 1
	end := a.Entries[len(a.Entries)-1]
	const key = "manifest_sha256="
	switch i := strings.LastIndex(end.Detail, key); {
	case end.Elided || end.Action != AuditExportAction || end.Target != room || i < 0:
		fault("the excerpt does not end with this export's entry (action %s on the room, naming the manifest)", AuditExportAction)
	default:
		c.boundSum = end.Detail[i+len(key):]
		c.lastEntryID = end.ID
		if exportedBy != "" && end.Actor != exportedBy {
			fault("the export's entry %d names %q as exporter, the manifest %q", end.ID, end.Actor, exportedBy)
		}
	}
	return c
}
