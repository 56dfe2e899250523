package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/evalroom/evalroom/hub/evidence"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// evidenceExport serves GET /api/v1/rooms/{room}/evidence?from=&to=: the
// room's evidence file for the range (default: the last hour), which
// `evalroom-hub verify-evidence` checks offline. The export is in the
// audit log before the first byte goes out.
func (a *API) evidenceExport(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	if !protocol.ValidID(room) {
		a.fail(w, http.StatusBadRequest, "bad room id", nil)
		return
	}
	from, to, ok := a.timeRange(w, r, time.Hour)
	if !ok {
		return
	}
	src, ok := a.store.(evidence.Store)
	if !ok || a.audit == nil {
		a.fail(w, http.StatusNotImplemented, "this hub cannot export evidence: it runs without its database or audit log", nil)
		return
	}
	ctx := r.Context()
	ex, err := evidence.Prepare(ctx, src, a.audit, evidence.Request{Room: room, From: from, To: to, By: actor(r, ""), Retention: a.removed}, time.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		a.fail(w, http.StatusNotFound, "no such room", nil)
		return
	case errors.Is(err, evidence.ErrNotEnrolled):
		a.fail(w, http.StatusConflict, err.Error(), nil)
		return
	case errors.Is(err, evidence.ErrNotRecorded):
		if a.storage != nil {
			a.storage.Check()
		}
		route.Answer(a.log, w, fmt.Errorf("%w: refused the evidence export of %s: %w", route.ErrNotRecorded, room, err))
		return
	case errors.Is(err, evidence.ErrRange), errors.Is(err, evidence.ErrTooLarge):
		a.fail(w, http.StatusBadRequest, err.Error(), nil)
		return
	case err != nil:
		a.fail(w, http.StatusInternalServerError, "cannot export evidence", err)
		return
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Disposition", `attachment; filename="`+ex.FileName()+`"`)
	w.Header().Set("X-Evidence-Manifest-SHA256", ex.ManifestSHA256)
	if a.records != nil {
		ex.ReadFrom(a.records)
	}
	res, err := ex.Write(ctx, w)
	for _, p := range res.Problems {
		a.log.Error("evidence export: the store does not hold what its index says", "room", room, "problem", p)
	}
	if err != nil {
		a.log.Warn("evidence export not completed: the client has a truncated file, which the verifier rejects", "room", room, "err", err)
		return
	}
	a.log.Info("evidence exported", "room", room, "records", ex.Records(), "holes", ex.Holes(), "bytes", res.Bytes, "manifest_sha256", ex.ManifestSHA256, "by", ex.Manifest.ExportedBy)
}
