package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of an Anchor: a head is signed once a minute while the log
// moves, and sooner once ten entries are not yet under a head. Only the
// entries after the last head can be rewritten unseen, so these bound what
// a rewrite of the database can hide to a minute or ten entries; each head
// costs one signature and one sync of a small file.
const (
	DefaultHeadEvery   = time.Minute
	DefaultHeadEntries = 10
)

// Reasons a head was signed.
const (
	WhyStart    = "start"
	WhyInterval = "interval"
	WhyEntries  = "entries"
	WhyShutdown = "shutdown"
)

// AnchorConfig configures an Anchor.
type AnchorConfig struct {
	Every   time.Duration // sign the head this often while the log moves (DefaultHeadEvery)
	Entries int64         // and as soon as this many entries are not under a head (DefaultHeadEntries)
}

// Status is what the anchor last found: whether the log verifies against
// the latest signed head, and that head.
type Status struct {
	Verified  bool      `json:"verified"`
	Entries   int64     `json:"entries"`    // the log's last entry id when checked
	CheckedAt time.Time `json:"checked_at"` // when the log was last checked
	Kind      string    `json:"kind,omitempty"`
	Entry     int64     `json:"entry,omitempty"`      // the first entry concerned
	LastEntry int64     `json:"last_entry,omitempty"` // the last one, for a range
	Problem   string    `json:"problem,omitempty"`    // what was found, in words
	LastHead  *Head     `json:"last_head"`            // the newest signed head, nil before the first
	Key       string    `json:"key"`                  // the signing key's id
}

// Anchor signs the log's head with the hub's audit-signing key and appends
// it to the heads file: at start (once the log verifies against the heads
// already signed), every AnchorConfig.Every while the log moves, once
// AnchorConfig.Entries entries are not under a head, and at Close. Before
// each head it checks that the log still holds the last signed head and
// that the entries since follow it; if not, it signs nothing more and its
// Status says what it found.
type Anchor struct {
	log    *Log
	signer *Signer
	path   string
	w      *HeadWriter
	cfg    AnchorConfig
	slog   *slog.Logger

	kick    chan struct{}
	closing chan struct{}
	done    chan struct{}
	once    sync.Once

	signed atomic.Int64 // seq of the last head
	mu     sync.Mutex
	last   *Head // the last signed head
	status Status
}

// StartAnchor checks the log against the heads already in the heads file
// at path (signed by signer), signs a head of the log as it is now and
// starts the goroutine that keeps signing until ctx ends or Close.
func StartAnchor(ctx context.Context, l *Log, signer *Signer, path string, cfg AnchorConfig, log *slog.Logger) (*Anchor, error) {
	if cfg.Every <= 0 {
		cfg.Every = DefaultHeadEvery
	}
	if cfg.Entries <= 0 {
		cfg.Entries = DefaultHeadEntries
	}
	a := &Anchor{
		log: l, signer: signer, path: path, cfg: cfg, slog: log.With("component", "audit-anchor"),
		kick: make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{}),
		status: Status{Key: signer.KeyID()},
	}
	w, err := OpenHeads(path)
	if err != nil {
		return nil, err
	}
	a.w = w
	if err := a.startCheck(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if a.status.Verified {
		a.sign(ctx, WhyStart, true)
	}
	l.onAppend(func(id int64) {
		if id-a.signed.Load() >= a.cfg.Entries {
			select {
			case a.kick <- struct{}{}:
			default:
			}
		}
	})
	go a.run(ctx)
	return a, nil
}

// startCheck reads the heads file and checks the whole log against it.
func (a *Anchor) startCheck(ctx context.Context) error {
	c, err := a.fullCheck(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.last = c.Latest
	if c.Latest != nil {
		a.signed.Store(c.Latest.Seq)
	}
	a.setStatus(c.Entries, c.Findings)
	return nil
}

// fullCheck checks the whole log against every head in the heads file.
func (a *Anchor) fullCheck(ctx context.Context) (*Check, error) {
	f, err := os.Open(a.path)
	if err != nil {
		return nil, fmt.Errorf("heads file: %w", err)
	}
	heads, bad, _, err := ReadHeads(f, a.signer.Public())
	f.Close()
	if err != nil {
		return nil, err
	}
	c, err := a.log.CheckHeads(ctx, heads)
	if err != nil {
		return nil, err
	}
	for _, b := range bad {
		c.Findings = append(c.Findings, Finding{Kind: KindHeads, Text: fmt.Sprintf("line %d of %s: %s", b.Line, a.path, b.Reason)})
	}
	return c, nil
}

// setStatus records a check's result; a.mu is held.
func (a *Anchor) setStatus(entries int64, findings []Finding) {
	s := Status{Verified: len(findings) == 0, Entries: entries, CheckedAt: time.Now().UTC(), LastHead: a.last, Key: a.signer.KeyID()}
	if len(findings) > 0 {
		f := findings[0]
		s.Kind, s.Entry, s.LastEntry, s.Problem = f.Kind, f.First, f.Last, f.Text
		for _, g := range findings[1:] {
			s.Problem += "; " + g.Text
		}
		if a.status.Verified || a.status.Problem != s.Problem {
			a.slog.Error("the audit log does not verify against its signed heads: no more heads are signed", "problem", s.Problem)
		}
	}
	a.status = s
}

// Status returns what the anchor last found.
func (a *Anchor) Status() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.status
}

func (a *Anchor) run(ctx context.Context) {
	defer close(a.done)
	t := time.NewTicker(a.cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			a.final(ctx)
			return
		case <-a.closing:
			a.final(ctx)
			return
		case <-t.C:
			a.sign(ctx, WhyInterval, false)
		case <-a.kick:
			a.sign(ctx, WhyEntries, false)
		}
	}
}

// final signs the last head; ctx may be over, the database is still open.
func (a *Anchor) final(ctx context.Context) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	a.sign(fctx, WhyShutdown, true)
	if err := a.w.Close(); err != nil {
		a.slog.Error("closing the heads file", "err", err)
	}
}

// sign checks the log since the last head and, if it follows it, signs
// and appends its head: when it moved, or always if force.
func (a *Anchor) sign(ctx context.Context, why string, force bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.status.Verified {
		return
	}
	last, e, findings, err := a.since(ctx)
	if err != nil {
		a.slog.Error("cannot check the audit log", "err", err)
		return
	}
	if len(findings) > 0 {
		// Say exactly what changed, from every head signed so far.
		if c, err := a.fullCheck(ctx); err == nil && !c.OK() {
			findings = c.Findings
		}
	}
	a.setStatus(last, findings)
	if len(findings) > 0 || last == 0 || !force && a.last != nil && a.last.Seq == last {
		return
	}
	h := a.signer.Sign(Head{Seq: e.ID, Hash: e.Hash, EntryAt: e.At, SignedAt: time.Now().UTC(), Why: why})
	if err := a.w.Append(h); err != nil {
		a.slog.Error("cannot write a signed head of the audit log", "err", err)
		return
	}
	a.last = &h
	a.signed.Store(h.Seq)
	a.status.LastHead = &h
}

// since checks the entries after the last head: the head's entry must
// still have its hash, and the entries after it must follow it. It
// returns the last entry. a.mu is held.
func (a *Anchor) since(ctx context.Context) (int64, Entry, []Finding, error) {
	var after int64
	var prev string
	if h := a.last; h != nil {
		var hash string
		err := a.log.db.QueryRowContext(ctx, `SELECT hash FROM audit WHERE id = ?`, h.Seq).Scan(&hash)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			var top int64
			if err := a.log.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM audit`).Scan(&top); err != nil {
				return 0, Entry{}, nil, fmt.Errorf("audit read: %w", err)
			}
			return top, Entry{}, []Finding{{Kind: KindTruncated, First: top + 1, Last: h.Seq,
				Text: fmt.Sprintf("%s were cut from the end: the log ends at entry %d, but the hub signed entry %d at %s",
					entries(top+1, h.Seq), top, h.Seq, h.SignedAt.Format(time.RFC3339))}}, nil
		case err != nil:
			return 0, Entry{}, nil, fmt.Errorf("audit read: %w", err)
		case hash != h.Hash:
			return h.Seq, Entry{}, []Finding{{Kind: KindRewritten, First: 1, Last: h.Seq,
				Text: fmt.Sprintf("audit entry %d no longer has the hash the hub signed for it at %s: the log was rewritten and its hashes recomputed",
					h.Seq, h.SignedAt.Format(time.RFC3339))}}, nil
		}
		after, prev = h.Seq, h.Hash
	}
	var lastEntry Entry
	if a.last != nil {
		lastEntry = Entry{ID: a.last.Seq, Hash: a.last.Hash, At: a.last.EntryAt}
	}
	n, _, err := a.log.walk(ctx, after, prev, func(e Entry) { lastEntry = e })
	var f *Fault
	if errors.As(err, &f) {
		return n, Entry{}, []Finding{{Kind: KindAltered, First: f.ID, Last: f.ID, Text: f.Error()}}, nil
	}
	if err != nil {
		return 0, Entry{}, nil, err
	}
	return n, lastEntry, nil, nil
}

// Close signs a last head, stops the goroutine and returns once it has
// ended.
func (a *Anchor) Close() {
	a.once.Do(func() { close(a.closing) })
	<-a.done
}

// Wait returns once the goroutine has ended (after Close, or when the
// context given to StartAnchor ends).
func (a *Anchor) Wait() { <-a.done }
