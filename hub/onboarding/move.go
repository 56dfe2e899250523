package onboarding

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
)

// move is one transition of an application: checked, put on record, made,
// then (after) whatever the new state brings.
type move struct {
	event, action, detail string
	change                Change
	check                 func(p auth.Principal, a Application) error
	after                 func(r *http.Request, a Application) error
}

var userName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$`)

// assign: the operator names the technicians (user names) who install and
// accept the room; again to change them.
func (h *HTTP) assign(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Technicians []string `json:"technicians"`
	}
	if !route.Decode(w, r, &q) {
		return
	}
	if len(q.Technicians) == 0 || len(q.Technicians) > 10 {
		h.answer(w, bad("technicians", "name 1 to 10 technicians by user name"))
		return
	}
	for _, t := range q.Technicians {
		if !userName.MatchString(t) {
			h.answer(w, bad("technicians", "a user name of letters, digits and . _ : @ - (at most 64): "+fmt.Sprintf("%q", t)))
			return
		}
	}
	h.transition(w, r, move{event: "assign", action: ActAssign, detail: strings.Join(q.Technicians, ","),
		change: Change{Technicians: q.Technicians, Assigned: true}})
}

// assigned refuses a technician the operator did not assign.
func assigned(p auth.Principal, a Application) error {
	if !slices.Contains(a.Technicians, p.User) {
		return ErrNotAssigned
	}
	return nil
}

// start: an assigned technician starts an acceptance run; the hub checks
// at once what it can check itself.
func (h *HTTP) start(w http.ResponseWriter, r *http.Request) {
	h.transition(w, r, move{event: "start", action: ActStart, change: Change{Run: true}, check: assigned,
		after: func(r *http.Request, a Application) error {
			checks, err := hubChecks(r.Context(), h.Rooms, h.Fleet, a.Room, h.Now())
			if err != nil {
				return err
			}
			return h.putChecks(r, a, checks)
		}})
}

func (h *HTTP) putChecks(r *http.Request, a Application, checks []Check) error {
	for _, c := range checks {
		if err := h.DB.PutCheck(r.Context(), a.ID, a.Run, c); err != nil {
			return fmt.Errorf("store the check %s: %w", c.Item, err)
		}
	}
	return nil
}

// publish: the operator publishes the mark of a passed room.
func (h *HTTP) publish(w http.ResponseWriter, r *http.Request) {
	h.transition(w, r, move{event: "publish", action: ActPublish, change: Change{Published: true}})
}

// transition checks a move, puts it on record, then makes it.
func (h *HTTP) transition(w http.ResponseWriter, r *http.Request, m move) {
	p, _ := auth.From(r.Context())
	id, _ := pathID(r)
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.DB.Application(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	to, err := next(a.State, m.event)
	if err == nil && m.check != nil {
		err = m.check(p, a)
	}
	if err != nil {
		h.answer(w, err)
		return
	}
	detail := a.State + " → " + to
	if m.detail != "" {
		detail += ": " + m.detail
	}
	if err := h.Access.WriteAudit(r, m.action, target(id), detail); err != nil {
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	if err := h.DB.Move(r.Context(), id, a.State, to, m.change, h.Now().UTC()); err != nil {
		h.answer(w, err)
		return
	}
	h.Log.Info("application moved", "id", id, "room", a.Room, "from", a.State, "to", to, "by", p.User)
	if m.after != nil {
		if a, err = h.DB.Application(r.Context(), id); err == nil {
			err = m.after(r, a)
		}
		if err != nil {
			h.answer(w, err)
			return
		}
	}
	h.send(w, r, http.StatusOK, id)
}
