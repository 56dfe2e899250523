package server

import (
	"context"
	"log/slog"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/onboarding"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/workday"
)

// onboard builds agency onboarding's handlers over the hub's database,
// rooms, fleet and audit log, with the working-day calendars.
func onboard(ctx context.Context, st *store.Store, fl *fleet.Fleet, cal *workday.Calendars, access onboarding.Access, au *audit.Log, log *slog.Logger) (*onboarding.HTTP, error) {
	db, err := onboarding.Open(ctx, st.DB())
	if err != nil {
		return nil, err
	}
	return onboarding.NewHTTP(onboarding.Options{DB: db, Rooms: st, Fleet: fl, Calendars: cal, Access: access, Audit: au, Log: log}), nil
}

// marks gives the rooms API each room's 可视化 mark.
func marks(o *onboarding.HTTP) func(ctx context.Context) (map[string]any, error) {
	return func(ctx context.Context) (map[string]any, error) {
		m, err := o.Marks(ctx)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m))
		for room, mark := range m {
			out[room] = mark
		}
		return out, nil
	}
}
