package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

type createRoomReq struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Jurisdiction *Jurisdiction `json:"jurisdiction"`
	Agency       *Agency       `json:"agency"`
}

func (a *API) createRoom(w http.ResponseWriter, r *http.Request) {
	var req createRoomReq
	if !decode(w, r, &req) {
		return
	}
	if !protocol.ValidID(req.ID) {
		a.fail(w, http.StatusBadRequest, "room id must be 1-63 lower-case letters, digits or dashes, e.g. room-1", nil)
		return
	}
	rm := store.Room{ID: req.ID, Name: req.Name}
	if req.Jurisdiction != nil {
		if req.Jurisdiction.Code == "" {
			a.failInvalid(w, &store.InvalidError{Field: "jurisdiction.code", Msg: `is missing: give the code and the name, e.g. {"code": "450206", "name": "柳州市柳江区"}, or leave jurisdiction out`})
			return
		}
		rm.Jurisdiction = store.Jurisdiction{Code: req.Jurisdiction.Code, Name: req.Jurisdiction.Name}
	}
	if req.Agency != nil {
		if req.Agency.ID == "" {
			a.failInvalid(w, &store.InvalidError{Field: "agency.id", Msg: `is missing: give the id and the name, e.g. {"id": "lz-shifan", "name": "柳州示范招标代理有限公司"}, or leave agency out`})
			return
		}
		rm.Agency = store.Agency{ID: req.Agency.ID, Name: req.Agency.Name}
	}
	renames, err := a.store.AddRoom(r.Context(), rm)
	switch {
	case errors.Is(err, store.ErrExists):
		a.fail(w, http.StatusConflict, "room "+req.ID+" exists: ask for a new token with POST /api/v1/rooms/"+req.ID+"/token, change it with PATCH /api/v1/rooms/"+req.ID, nil)
		return
	case errors.Is(err, store.ErrInvalid):
		a.failInvalid(w, err)
		return
	case err != nil:
		a.fail(w, http.StatusInternalServerError, "cannot create the room", err)
		return
	}
	if got, err := a.store.Room(r.Context(), req.ID); err == nil {
		rm = got
	}
	a.log.Info("room created", "room", rm.ID, "name", rm.Name, "jurisdiction", rm.Jurisdiction.Code, "agency", rm.Agency.ID)
	a.record(r, "", audit.RoomCreate, rm.ID, rm.Detail())
	a.recordRenames(r, renames)
	a.sendToken(w, r, rm.ID, rm.Name, http.StatusCreated)
}

// updateRoomReq is a PATCH: a field left out stays as it is; a null
// jurisdiction or agency clears it.
type updateRoomReq struct {
	Name         *string                `json:"name"`
	Jurisdiction optional[Jurisdiction] `json:"jurisdiction"`
	Agency       optional[Agency]       `json:"agency"`
}

// optional tells a field left out from one set to null.
type optional[T any] struct {
	Set  bool // the field was in the body
	Null bool // as null
	V    T
}

// UnmarshalJSON decodes the value strictly: unknown fields are refused
// here too.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&o.V)
}

func (a *API) updateRoom(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("room")
	if !protocol.ValidID(id) {
		a.fail(w, http.StatusBadRequest, "room id must be 1-63 lower-case letters, digits or dashes, e.g. room-1", nil)
		return
	}
	var req updateRoomReq
	if !decode(w, r, &req) {
		return
	}
	var u store.RoomUpdate
	u.Name = req.Name
	if o := req.Jurisdiction; o.Set {
		j := store.Jurisdiction{}
		if !o.Null {
			if o.V.Code == "" {
				a.failInvalid(w, &store.InvalidError{Field: "jurisdiction.code", Msg: `is missing: give {"code": "450206"} (and "name" if the hub does not know the code yet), or null to clear it`})
				return
			}
			j = store.Jurisdiction{Code: o.V.Code, Name: o.V.Name}
		}
		u.Jurisdiction = &j
	}
	if o := req.Agency; o.Set {
		ag := store.Agency{}
		if !o.Null {
			if o.V.ID == "" {
				a.failInvalid(w, &store.InvalidError{Field: "agency.id", Msg: `is missing: give {"id": "lz-shifan"} (and "name" if the hub does not know the agency yet), or null to clear it`})
				return
			}
			ag = store.Agency{ID: o.V.ID, Name: o.V.Name}
		}
		u.Agency = &ag
	}
	if u.Name == nil && u.Jurisdiction == nil && u.Agency == nil {
		a.fail(w, http.StatusBadRequest, `nothing to change: give "name", "jurisdiction" or "agency"`, nil)
		return
	}
	c, err := a.store.UpdateRoom(r.Context(), id, u)
	switch {
	case errors.Is(err, store.ErrNotFound):
		a.fail(w, http.StatusNotFound, "no room "+id+": add it with POST /api/v1/rooms", nil)
		return
	case errors.Is(err, store.ErrInvalid):
		a.failInvalid(w, err)
		return
	case err != nil:
		a.fail(w, http.StatusInternalServerError, "cannot change the room", err)
		return
	}
	if c.Changed() {
		a.log.Info("room changed", "room", id, "change", c.String())
		if d := c.String(); d != "" {
			a.record(r, "", audit.RoomUpdate, id, d)
		}
		a.recordRenames(r, c.Renames)
	}
	writeJSON(w, http.StatusOK, toRoom(c.After, a.fleet.State(id)))
}

func (a *API) recordRenames(r *http.Request, renames []store.Rename) {
	for _, rn := range renames {
		action := audit.JurisdictionRename
		if rn.Kind == "agency" {
			action = audit.AgencyRename
		}
		a.record(r, "", action, rn.Code, rn.String())
	}
}

// failInvalid answers 400 naming the field that is wrong and how to fix it.
func (a *API) failInvalid(w http.ResponseWriter, err error) {
	var ie *store.InvalidError
	if !errors.As(err, &ie) {
		a.fail(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": ie.Error(), "field": ie.Field})
}
