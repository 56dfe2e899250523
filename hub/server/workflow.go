package server

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/evalroom/evalroom/hub/procurement"
	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/workday"
)

// workflow builds the procurement workflow's handlers over the hub's
// database, with the shipped rules and the working-day calendars.
func workflow(ctx context.Context, st *store.Store, cal *workday.Calendars, access procurement.Access, log *slog.Logger) (*procurement.HTTP, error) {
	db, err := procurement.Open(ctx, st.DB())
	if err != nil {
		return nil, err
	}
	return procurement.NewHTTP(procurement.Options{DB: db, Rules: rules.Shipped(), Calendars: cal, Access: access, Log: log}), nil
}

// calendars are the shipped working-day calendars and DATA/calendars/*.json.
func calendars(dataDir string, log *slog.Logger) (*workday.Calendars, error) {
	cal := workday.New()
	if err := cal.LoadDir(filepath.Join(dataDir, "calendars")); err != nil {
		return nil, err
	}
	log.Info("working-day calendars loaded", "years", cal.Years())
	return cal, nil
}
