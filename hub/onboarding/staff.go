package onboarding

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// ActStaff is the audit action of an agency admin naming its full-time
// staff (target agency/ID).
const ActStaff = "onboarding.staff"

// Users is what onboarding reads of the hub's people (hub/store).
type Users interface {
	UserByName(ctx context.Context, username string) (store.User, error)
}

// agencyOwner: an agency is known by its rooms; a regulator sees it when
// one of them is in its jurisdiction, the agency's people their own.
func (h *HTTP) agencyOwner(r *http.Request) (route.Owner, error) {
	id := r.PathValue("agency")
	if !protocol.ValidID(id) {
		return route.Owner{}, &route.Error{Code: http.StatusBadRequest, Msg: "bad agency id: lower-case letters, digits, dashes"}
	}
	rooms, err := h.Rooms.RoomsOf(r.Context(), store.RoomFilter{Agency: id})
	if err != nil {
		return route.Owner{}, &route.Error{Code: http.StatusInternalServerError, Msg: "cannot read the record", Err: err}
	}
	const unknown = "no such agency: an agency is known by its rooms (the operator adds them)"
	if len(rooms) == 0 {
		return route.Owner{}, &route.Error{Code: http.StatusNotFound, Msg: unknown}
	}
	p, _ := auth.From(r.Context())
	parties := auth.Parties{Agency: id, Jurisdiction: rooms[0].Jurisdiction.Code}
	for _, rm := range rooms {
		if p.SeesRoom(auth.Owner{Room: rm.ID, Jurisdiction: rm.Jurisdiction.Code, Agency: id}) {
			parties.Jurisdiction = rm.Jurisdiction.Code
			break
		}
	}
	return route.Owner{Parties: &parties, Unknown: unknown}, nil
}

// agencyUser checks that name is a person of the agency (agency admin or
// staff); the error names field.
func (h *HTTP) agencyUser(ctx context.Context, agency, name, field string) error {
	u, err := h.Users.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return bad(field, fmt.Sprintf("no user %q: name the agency's people by user name", name))
	}
	if err != nil {
		return err
	}
	if (u.Role != string(auth.AgencyStaff) && u.Role != string(auth.AgencyAdmin)) || u.Scope != agency {
		return bad(field, fmt.Sprintf("%q is not agency staff of %s", name, agency))
	}
	return nil
}

// setStaff: the agency admin names its full-time staff (replacing the list).
func (h *HTTP) setStaff(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Staff []string `json:"staff"`
	}
	if !route.Decode(w, r, &q) {
		return
	}
	agency := r.PathValue("agency")
	if err := h.checkStaff(r.Context(), agency, q.Staff); err != nil {
		h.answer(w, err)
		return
	}
	h.named(w, r, ActStaff, strings.Join(q.Staff, ","), func(p auth.Principal) error {
		return h.DB.SetStaff(r.Context(), agency, q.Staff, p.User, h.Now().UTC())
	})
}

func (h *HTTP) checkStaff(ctx context.Context, agency string, staff []string) error {
	if staff == nil || len(staff) > 200 {
		return bad("staff", "the agency's full-time staff by user name (0 to 200)")
	}
	seen := map[string]bool{}
	for i, u := range staff {
		f := fmt.Sprintf("staff[%d]", i)
		if seen[u] {
			return bad(f, fmt.Sprintf("%q is named twice", u))
		}
		seen[u] = true
		if err := h.agencyUser(ctx, agency, u, f); err != nil {
			return err
		}
	}
	return nil
}

// setSpecialist: the agency admin names its device specialist (设备专员).
func (h *HTTP) setSpecialist(w http.ResponseWriter, r *http.Request) {
	var q struct {
		User string `json:"user"`
	}
	if !route.Decode(w, r, &q) {
		return
	}
	agency := r.PathValue("agency")
	if q.User == "" {
		h.answer(w, bad("user", "the device specialist's user name"))
		return
	}
	if err := h.agencyUser(r.Context(), agency, q.User, "user"); err != nil {
		h.answer(w, err)
		return
	}
	h.named(w, r, ActSpecialist, q.User, func(p auth.Principal) error {
		return h.DB.SetSpecialist(r.Context(), agency, q.User, p.User, h.Now().UTC())
	})
}

// named puts a naming on record, makes it, and answers the qualification.
func (h *HTTP) named(w http.ResponseWriter, r *http.Request, action, detail string, write func(auth.Principal) error) {
	p, _ := auth.From(r.Context())
	agency := r.PathValue("agency")
	if err := h.Access.WriteAudit(r, action, "agency/"+agency, detail); err != nil {
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	if err := write(p); err != nil {
		h.answer(w, err)
		return
	}
	h.Log.Info("agency people named", "agency", agency, "action", action, "by", p.User)
	h.qualification(w, r)
}
