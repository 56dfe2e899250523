package api

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/store"
)

// auditScope decides which audit entries a reader who is not the operator
// sees: those about a room of its scope (the room, its streams) and those
// whose target is no room but belongs there all the same: an alert of such
// a room (its acknowledgement), or a person of its scope (a sign-in), and
// whatever a person of its scope did.
//
// The scope is derived when the log is read, from the rooms, alerts and
// people as they are now, not written into the entries: an entry's hash
// covers exactly its fields, so every entry old and new keeps verifying as
// it was written and the chain needs no new column. The cost: a room moved
// to another jurisdiction takes its history with it, and a person's entries
// follow the person's current scope.
type auditScope struct {
	api      *API
	reader   auth.Principal
	room     func(string) bool
	anyRoom  map[string]bool // every room of the hub, in scope or not
	agencies map[string]bool // agencies owning a room of the reader's scope
	people   map[string]bool // user name → in scope (cached)
	alerts   map[int64]bool  // alert id → its room in scope (cached)
}

func (a *API) newAuditScope(ctx context.Context) (*auditScope, error) {
	p, _ := auth.From(ctx)
	s := &auditScope{api: a, reader: p, agencies: map[string]bool{}, people: map[string]bool{}, alerts: map[int64]bool{}}
	if p.Role == auth.Operator {
		return s, nil
	}
	rooms, err := a.store.RoomsOf(ctx, store.RoomFilter{})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	s.anyRoom = map[string]bool{}
	for _, rm := range rooms {
		s.anyRoom[rm.ID] = true
		if p.SeesRoom(ownerOf(rm)) {
			seen[rm.ID] = true
			if rm.Agency.ID != "" {
				s.agencies[rm.Agency.ID] = true
			}
		}
	}
	s.room = func(id string) bool { return seen[id] }
	return s, nil
}

// notRoomTargets are the kinds of audit target that name no room
// ("user/bob", "alert/7", "project/3"): a room that happens to be called
// "user" must not see every user entry.
var notRoomTargets = map[string]bool{
	"user": true, "alert": true, "agency": true, "token": true,
	"entrustment": true, "project": true, "award": true, "contract": true,
	"challenge": true, "complaint": true, "onboarding": true, "exam": true,
}

// sees reports whether the reader may see e.
func (s *auditScope) sees(ctx context.Context, e audit.Entry) (bool, error) {
	if s.reader.Role == auth.Operator {
		return true, nil
	}
	kind, id, _ := strings.Cut(e.Target, "/")
	if !notRoomTargets[kind] {
		if s.room(kind) {
			return true, nil
		}
		// A room outside the scope stays outside it, whoever acted
		// there: an agency or a technician with rooms in two
		// jurisdictions shows each regulator only its own rooms' part.
		if s.anyRoom[kind] {
			return false, nil
		}
	}
	if who, _, _ := strings.Cut(e.Actor, "@"); who != "" {
		if ok, err := s.person(ctx, who); ok || err != nil {
			return ok, err
		}
	}
	switch kind {
	case "user":
		return s.person(ctx, id)
	case "alert":
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return false, nil
		}
		return s.alert(ctx, n)
	}
	return false, nil
}

// person reports whether a user is of the reader's scope: the reader, a
// regulator within its jurisdiction, a technician of one of its rooms, the
// staff of an agency owning one of its rooms. Names that are no person
// (tokens, boxes, unknown names tried at sign-in) are not.
func (s *auditScope) person(ctx context.Context, name string) (bool, error) {
	if name == s.reader.User {
		return true, nil
	}
	if ok, cached := s.people[name]; cached {
		return ok, nil
	}
	ok := false
	u, err := s.api.store.UserByName(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return false, err
	default:
		switch auth.Role(u.Role) {
		case auth.Regulator:
			ok = s.reader.SeesJurisdiction(u.Scope)
		case auth.Technician:
			ok = slices.ContainsFunc(strings.Split(u.Scope, ","), s.room)
		case auth.AgencyAdmin, auth.AgencyStaff:
			ok = s.agencies[u.Scope]
		}
	}
	s.people[name] = ok
	return ok, nil
}

// alert reports whether an alert is about a room of the reader's scope.
func (s *auditScope) alert(ctx context.Context, id int64) (bool, error) {
	if ok, cached := s.alerts[id]; cached {
		return ok, nil
	}
	al, err := s.api.store.Alert(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s.alerts[id] = false
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.alerts[id] = s.room(al.Room)
	return s.alerts[id], nil
}
