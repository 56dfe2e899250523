package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kinds of what a check against signed heads finds.
const (
	KindAltered   = "altered"   // an entry does not match its hash, or the chain is broken
	KindRewritten = "rewritten" // an entry no longer has the hash a head signed for it
	KindTruncated = "truncated" // the log ends before an entry a head signed
	KindHeads     = "heads"     // a heads file holds a line that is not a head signed by the key
)

// Finding is one thing a check found wrong, in words.
type Finding struct {
	Kind string
	// First and Last are the entries concerned: the entry (First == Last)
	// or the range holding the change, or the entries cut off.
	First, Last int64
	Text        string
}

func (f Finding) String() string { return f.Text }

// Check is the result of checking the log against signed heads.
type Check struct {
	Entries  int64     // the log's last entry id
	Heads    int       // signed heads compared
	Latest   *Head     // the newest signed head (highest seq, then latest signature)
	Findings []Finding // empty when the log verifies
}

// OK reports whether nothing was found.
func (c *Check) OK() bool { return len(c.Findings) == 0 }

// entries names one entry or a range.
func entries(first, last int64) string {
	if first == last {
		return fmt.Sprintf("audit entry %d", first)
	}
	return fmt.Sprintf("audit entries %d-%d", first, last)
}

// CheckHeads walks the log's chain and compares it with heads (each
// already checked against the signing key): an entry that does not match
// its hash or does not follow the one before (an edit, removal or
// reordering), an entry at a signed seq that no longer has the signed hash
// (the log was rewritten and its hashes recomputed), and a log that ends
// before a signed seq (entries cut from the end).
func (l *Log) CheckHeads(ctx context.Context, heads []Head) (*Check, error) {
	c := &Check{Heads: len(heads)}
	last, _, err := l.walk(ctx, 0, "", nil)
	var f *Fault
	switch {
	case errors.As(err, &f):
		c.Findings = append(c.Findings, Finding{Kind: KindAltered, First: f.ID, Last: f.ID, Text: f.Error()})
	case err != nil:
		return nil, err
	}
	if err := l.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM audit`).Scan(&last); err != nil {
		return nil, fmt.Errorf("audit read: %w", err)
	}
	c.Entries = last
	if len(heads) == 0 {
		return c, nil
	}
	bySeq := map[int64][]Head{}
	for _, h := range heads {
		bySeq[h.Seq] = append(bySeq[h.Seq], h)
		if c.Latest == nil || h.Seq > c.Latest.Seq || h.Seq == c.Latest.Seq && h.SignedAt.After(c.Latest.SignedAt) {
			c.Latest = &h
		}
	}
	seqs := make([]int64, 0, len(bySeq))
	for s := range bySeq {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	have, err := l.hashes(ctx, seqs)
	if err != nil {
		return nil, fmt.Errorf("audit read: %w", err)
	}
	var matched int64 // the highest seq whose heads all still match
	rewritten := 0
	for _, s := range seqs {
		if s > last {
			break
		}
		bad := slices.IndexFunc(bySeq[s], func(h Head) bool { return h.Hash != have[s] })
		if bad < 0 {
			if rewritten == 0 {
				matched = s
			}
			continue
		}
		if rewritten++; rewritten > 1 {
			continue
		}
		h := bySeq[s][bad]
		text := fmt.Sprintf("audit entry %d no longer has the hash the hub signed for it at %s (%.16s…, now %.16s…): the log was rewritten and its hashes recomputed; the change is in %s",
			s, h.SignedAt.Format(time.RFC3339), h.Hash, have[s], entries(matched+1, s))
		if matched > 0 {
			text += fmt.Sprintf(" (entry %d still has its signed hash)", matched)
		}
		c.Findings = append(c.Findings, Finding{Kind: KindRewritten, First: matched + 1, Last: s, Text: text})
	}
	if rewritten > 1 {
		more := fmt.Sprintf("; %d later signed heads do not match either", rewritten-1)
		if rewritten == 2 {
			more = "; a later signed head does not match either"
		}
		c.Findings[len(c.Findings)-1].Text += more
	}
	if top := seqs[len(seqs)-1]; top > last {
		h := bySeq[top][0]
		c.Findings = append(c.Findings, Finding{Kind: KindTruncated, First: last + 1, Last: top,
			Text: fmt.Sprintf("%s were cut from the end: the log ends at entry %d, but the hub signed entry %d (%.16s…) at %s",
				entries(last+1, top), last, top, h.Hash, h.SignedAt.Format(time.RFC3339))})
	}
	return c, nil
}

// hashes reads the hashes of the entries ids, a few hundred per query
// (both engines bound a query's parameters).
func (l *Log) hashes(ctx context.Context, ids []int64) (map[int64]string, error) {
	have := map[int64]string{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		ids = ids[n:]
		rows, err := l.db.QueryContext(ctx, `SELECT id, hash FROM audit WHERE id IN (?`+strings.Repeat(", ?", n-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var hash string
			if err := rows.Scan(&id, &hash); err != nil {
				rows.Close()
				return nil, err
			}
			have[id] = hash
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return have, nil
}
