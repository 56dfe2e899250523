package server

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/evalroom/evalroom/hub/onboarding"
	"github.com/evalroom/evalroom/hub/procurement"
	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/workday"
)

// workflow builds the procurement workflow's handlers over the hub's
// database, with the shipped rules, the working-day calendars and the
// agencies' qualification from onboarding.
func workflow(ctx context.Context, st *store.Store, cal *workday.Calendars, access procurement.Access, onb *onboarding.HTTP, log *slog.Logger) (*procurement.HTTP, error) {
	db, err := procurement.Open(ctx, st.DB())
	if err != nil {
		return nil, err
	}
	return procurement.NewHTTP(procurement.Options{DB: db, Rules: rules.Shipped(), Calendars: cal, Access: access,
		Agencies: onb, Log: log}), nil
}

// The workflow asks onboarding whether an agency is qualified.
var _ procurement.Qualifier = (*onboarding.HTTP)(nil)

// calendars are the shipped working-day calendars and DATA/calendars/*.json.
func calendars(dataDir string, log *slog.Logger) (*workday.Calendars, error) {
	cal := workday.New()
	if err := cal.LoadDir(filepath.Join(dataDir, "calendars")); err != nil {
		return nil, err
	}
	log.Info("working-day calendars loaded", "years", cal.Years())
	return cal, nil
}
