package onboarding

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
)

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

type itemReq struct {
	Pass     *bool  `json:"pass"`
	Note     string `json:"note"`
	Evidence string `json:"evidence_sha256"`
}

func (q itemReq) check() error {
	switch {
	case q.Pass == nil:
		return bad("pass", "true or false: whether the item works")
	case strings.TrimSpace(q.Note) == "" || utf8.RuneCountInString(q.Note) > 2000:
		return bad("note", "what was tried and seen, 1 to 2000 characters")
	case !sha256Hex.MatchString(q.Evidence):
		return bad("evidence_sha256", "the SHA-256 of the evidence file (photo, signed test document), 64 lower-case hex digits")
	}
	return nil
}

// item: the assigned technician records one checklist item the hub cannot
// check itself, with its evidence's digest.
func (h *HTTP) item(w http.ResponseWriter, r *http.Request) {
	it, ok := manual(r.PathValue("item"))
	if !ok {
		h.answer(w, bad("item", "one of the items the technician records: e_signature, e_seal, video_conference, remote_opening, remote_evaluation"))
		return
	}
	var q itemReq
	if !route.Decode(w, r, &q) {
		return
	}
	if err := q.check(); err != nil {
		h.answer(w, err)
		return
	}
	p, _ := auth.From(r.Context())
	id, _ := pathID(r)
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.DB.Application(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	if err := h.inRun(p, a); err != nil {
		h.answer(w, err)
		return
	}
	c := Check{Item: it.ID, Pass: *q.Pass, Value: q.Note, Evidence: q.Evidence, By: p.User, At: h.Now().UTC()}
	detail := fmt.Sprintf("run %d: %s %s, evidence sha256:%s", a.Run, it.ID, passWord(c.Pass), q.Evidence)
	if err := h.Access.WriteAudit(r, ActItem, target(id), detail); err != nil {
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	if err := h.DB.PutCheck(r.Context(), a.ID, a.Run, c); err != nil {
		h.answer(w, err)
		return
	}
	h.send(w, r, http.StatusOK, id)
}

func (h *HTTP) inRun(p auth.Principal, a Application) error {
	if a.State != Checking {
		return fmt.Errorf("%w: no acceptance run is under way (the application is %s): start one first", ErrState, a.State)
	}
	return assigned(p, a)
}

func passWord(ok bool) string {
	if ok {
		return "pass"
	}
	return "fail"
}

// finish: the assigned technician closes the run with the stamped
// acceptance form's digest. The hub checks its own items again, now; the
// run passes when every item passes, else it fails with the reasons.
func (h *HTTP) finish(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Form string `json:"form_sha256"`
	}
	if !route.Decode(w, r, &q) {
		return
	}
	if !sha256Hex.MatchString(q.Form) {
		h.answer(w, bad("form_sha256", "the SHA-256 of the stamped acceptance form (验收单), 64 lower-case hex digits"))
		return
	}
	p, _ := auth.From(r.Context())
	id, _ := pathID(r)
	a, err := h.DB.Application(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	if err := h.inRun(p, a); err != nil {
		h.answer(w, err)
		return
	}
	if missing := missingItems(a.Checks); len(missing) > 0 {
		h.answer(w, fmt.Errorf("%w: record these items first: %s", ErrState, strings.Join(missing, ", ")))
		return
	}
	checks, err := hubChecks(r.Context(), h.Rooms, h.Fleet, a.Room, h.Now())
	if err != nil {
		h.answer(w, err)
		return
	}
	reasons := failures(append(checks, technicians(a.Checks)...))
	m := move{event: "pass", action: ActPass, change: Change{Reasons: reasons, Form: q.Form, Decided: true}, check: assigned,
		detail: fmt.Sprintf("run %d, form sha256:%s", a.Run, q.Form),
		after:  func(r *http.Request, a Application) error { return h.putChecks(r, a, checks) }}
	if len(reasons) > 0 {
		m.event, m.action = "fail", ActFail
		m.detail += "; " + strings.Join(reasons, "; ")
	}
	h.transition(w, r, m)
}

// technicians are the run's items the technician recorded.
func technicians(checks []Check) []Check {
	var out []Check
	for _, c := range checks {
		if c.By != "hub" {
			out = append(out, c)
		}
	}
	return out
}

// missingItems are the technician's items not yet recorded in the run.
func missingItems(checks []Check) []string {
	have := map[string]bool{}
	for _, c := range checks {
		have[c.Item] = true
	}
	var out []string
	for _, it := range Checklist {
		if !it.Hub && !have[it.ID] {
			out = append(out, it.ID)
		}
	}
	return out
}

// failures are the failed items, each with what was found; the hub's
// items are the fresh ones (the earlier results of the run are replaced).
func failures(checks []Check) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range checks {
		if seen[c.Item] {
			continue
		}
		seen[c.Item] = true
		if !c.Pass {
			out = append(out, c.Item+": "+c.Value)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}
