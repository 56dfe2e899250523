package onboarding

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

type applyReq struct {
	Room       string      `json:"room"`
	Address    string      `json:"address"`
	Contact    string      `json:"contact"`
	Specialist string      `json:"specialist"`
	Equipment  []Equipment `json:"equipment"`
}

var kinds = map[string]bool{"camera": true, "microphone": true, "signing_pad": true, "e_seal": true, "video_conference": true, "other": true}

func text(field, v string, max int) error {
	if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > max {
		return bad(field, fmt.Sprintf("required, at most %d characters", max))
	}
	return nil
}

func (q applyReq) check() error {
	if !protocol.ValidID(q.Room) {
		return bad("room", "a room id (lower-case letters, digits, dashes) of one of your agency's rooms")
	}
	for _, err := range []error{text("address", q.Address, 200), text("contact", q.Contact, 200), text("specialist", q.Specialist, 100)} {
		if err != nil {
			return err
		}
	}
	if len(q.Equipment) == 0 || len(q.Equipment) > 100 {
		return bad("equipment", "list the room's devices (1 to 100), each with kind, make, model and serial")
	}
	for i, e := range q.Equipment {
		f := fmt.Sprintf("equipment[%d].", i)
		if !kinds[e.Kind] {
			return bad(f+"kind", "camera, microphone, signing_pad, e_seal, video_conference or other")
		}
		for _, err := range []error{text(f+"make", e.Make, 100), text(f+"model", e.Model, 100), text(f+"serial", e.Serial, 100)} {
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// apply: an agency admin applies for the acceptance of one of its rooms.
func (h *HTTP) apply(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	var q applyReq
	if !route.Decode(w, r, &q) {
		return
	}
	if err := q.check(); err != nil {
		h.answer(w, err)
		return
	}
	rm, err := h.Rooms.Room(r.Context(), q.Room)
	if errors.Is(err, store.ErrNotFound) || (err == nil && rm.Agency.ID != p.Scope) {
		h.answer(w, bad("room", "no room "+q.Room+" of your agency"))
		return
	}
	if err != nil {
		h.answer(w, err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if old, err := h.DB.ByRoom(r.Context(), rm.ID); err == nil {
		h.answer(w, fmt.Errorf("%w: room %s already has application %d (%s)", ErrState, rm.ID, old.ID, old.State))
		return
	}
	a := Application{Room: rm.ID, Agency: rm.Agency.ID, Jurisdiction: rm.Jurisdiction.Code, Address: q.Address, Contact: q.Contact,
		Specialist: q.Specialist, Equipment: q.Equipment, State: Applied, Applicant: p.User, AppliedAt: h.Now().UTC()}
	id, err := h.DB.Insert(r.Context(), a)
	if err != nil {
		h.answer(w, err)
		return
	}
	if err := h.Access.WriteAudit(r, ActApply, target(id), "room "+rm.ID+", "+fmt.Sprint(len(q.Equipment))+" devices"); err != nil {
		if derr := h.DB.Delete(r.Context(), id); derr != nil {
			h.Log.Error("cannot remove an application that is not on record", "id", id, "err", derr)
		}
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	h.Log.Info("room acceptance applied for", "id", id, "room", rm.ID, "by", p.User)
	h.send(w, r, http.StatusCreated, id)
}

func target(id int64) string { return fmt.Sprintf("onboarding/%d", id) }

// view is an application with its clocks seen today.
func (h *HTTP) view(ctx context.Context, id int64) (Application, error) {
	a, err := h.DB.Application(ctx, id)
	if err != nil {
		return a, err
	}
	a.Deadlines, err = deadlines(h.Calendars, a, h.today())
	return a, err
}

func (h *HTTP) send(w http.ResponseWriter, r *http.Request, code int, id int64) {
	a, err := h.view(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	route.JSON(w, code, a)
}

func (h *HTTP) get(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	h.send(w, r, http.StatusOK, id)
}

var stateParam = regexp.MustCompile(`^(applied|assigned|checking|passed|failed|published|withdrawn)?$`)

// list: the applications of rooms in the caller's scope, oldest first
// (the operator's queue), each with its clocks.
func (h *HTTP) list(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	if !stateParam.MatchString(state) {
		h.answer(w, bad("state", "applied, assigned, checking, passed, failed, published or withdrawn"))
		return
	}
	in, err := h.Access.InScope(r.Context())
	if err != nil {
		h.answer(w, err)
		return
	}
	all, err := h.DB.Applications(r.Context(), state)
	if err != nil {
		h.answer(w, err)
		return
	}
	out := []Application{}
	for _, a := range all {
		if !in(a.Room) {
			continue
		}
		if a.Deadlines, err = deadlines(h.Calendars, a, h.today()); err != nil {
			h.answer(w, err)
			return
		}
		out = append(out, a)
	}
	route.JSON(w, http.StatusOK, out)
}
