package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/evalroom/evalroom/hub/alerts"
	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/onboarding"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/workday"
)

// onboard builds agency onboarding's handlers over the hub's database,
// rooms, people, fleet and audit log, with the working-day calendars and
// the exam's question bank (exam-bank.json in the data directory, else
// the embedded sample).
func onboard(ctx context.Context, dataDir string, st *store.Store, fl *fleet.Fleet, cal *workday.Calendars, access onboarding.Access, au *audit.Log, log *slog.Logger) (*onboarding.HTTP, error) {
	db, err := onboarding.Open(ctx, st.DB())
	if err != nil {
		return nil, err
	}
	bank, err := onboarding.LoadBank(filepath.Join(dataDir, onboarding.BankFile))
	if err != nil {
		return nil, fmt.Errorf("%w: fix the file or remove it to serve the sample bank", err)
	}
	if bank.Sample {
		log.Warn("the exam serves the embedded SAMPLE question bank: put the finance bureau's bank in the data directory", "file", onboarding.BankFile)
	}
	log.Info("exam question bank loaded", "questions", len(bank.Questions), "sha256", bank.Digest)
	return onboarding.NewHTTP(onboarding.Options{DB: db, Rooms: st, Users: st, Bank: bank, Fleet: fl, Calendars: cal, Access: access, Audit: au, Log: log}), nil
}

// watchOnboarding starts the watcher of the applications' statutory clocks
// and has the alerts engine raise what is overdue on the room (one alert
// per room and step, the operator's as every room's; resolved once the
// step is done).
func (h *Hub) watchOnboarding(ctx context.Context, onb *onboarding.HTTP, cal *workday.Calendars, every time.Duration, log *slog.Logger) {
	w := onboarding.NewWatcher(onboarding.WatchOptions{DB: onb.DB, Calendars: cal, Every: every, Log: log})
	w.Start(ctx)
	h.started("onboarding watch", w.Close)
	h.Alerts.Watch(func() []alerts.Condition {
		var out []alerts.Condition
		for _, o := range w.Overdue() {
			out = append(out, alerts.Condition{Room: o.Room, Kind: o.Kind, Detail: o.Detail})
		}
		return out
	})
}
