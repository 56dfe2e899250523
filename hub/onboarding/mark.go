package onboarding

import (
	"context"
	"errors"
	"fmt"
)

// RoomMarks is Marks in the shape the rooms API takes (api.Marks): each
// room's mark by room id.
func (h *HTTP) RoomMarks(ctx context.Context) (map[string]any, error) {
	m, err := h.Marks(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(m))
	for room, mark := range m {
		out[room] = mark
	}
	return out, nil
}

// Marks returns the "可视化" mark of every room that carries one: passed
// (with the day it must be published by) or published.
func (h *HTTP) Marks(ctx context.Context) (map[string]Mark, error) {
	all, err := h.DB.Applications(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("read the applications for the rooms' marks: %w", err)
	}
	out := map[string]Mark{}
	for _, a := range all {
		if !Marked(a.State) || a.DecidedAt == nil {
			continue
		}
		m := Mark{Label: MarkLabel, State: a.State, Since: *a.DecidedAt, Application: a.ID}
		if a.State == Passed {
			ds, err := deadlines(h.Calendars, a, h.today())
			if err == nil && len(ds) == 2 {
				m.PublishBy = &ds[1].Due
			}
		}
		out[a.Room] = m
	}
	return out, nil
}

// BoxReplaced withdraws the mark of a room whose box has been replaced
// (hub/api's OnEnrolled): the accepted devices are no longer the ones in
// the room. The withdrawal is audited first; when the entry cannot be
// written the mark is withdrawn all the same (a room must not keep a mark
// it may no longer deserve) and the failure is logged.
func (h *HTTP) BoxReplaced(ctx context.Context, room string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.DB.ByRoom(ctx, room)
	if errors.Is(err, ErrNotFound) || (err == nil && !Marked(a.State)) {
		return
	}
	if err != nil {
		h.Log.Error("cannot read the room's application after its box was replaced: its mark may stand", "room", room, "err", err)
		return
	}
	why := "the room's box was replaced: a new acceptance run is needed"
	if h.Audit != nil {
		if _, err := h.Audit.Record(ctx, "hub", ActWithdraw, target(a.ID), a.State+" → "+Withdrawn+": "+why); err != nil {
			h.Log.Error("cannot record the withdrawal of a mark; withdrawing it all the same", "room", room, "err", err)
		}
	}
	if err := h.DB.Move(ctx, a.ID, a.State, Withdrawn, Change{Reasons: []string{why}}, h.Now().UTC()); err != nil {
		h.Log.Error("cannot withdraw the mark of a room whose box was replaced", "room", room, "err", err)
		return
	}
	h.Log.Warn("withdrew a room's 可视化 mark: its box was replaced", "room", room, "application", a.ID)
}
