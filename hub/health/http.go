package health

import (
	"encoding/json"
	"net/http"
)

// WithObjects adds the object store's state to /healthz: the hub is
// failing while either fails.
func (s *Storage) WithObjects(o *Objects) { s.objects = o }

// Handler serves /healthz without sign-in: the storage report as JSON
// (and the object store's, when recordings go to one), 200 while the hub
// can store (ok or degraded: load balancers keep it), 503 while writes
// fail.
func (s *Storage) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r := s.Report()
		status := r.Status
		var objects *ObjectsReport
		if s.objects != nil {
			or := s.objects.Report()
			objects = &or
			if or.Status == Failing {
				status = Failing
			}
		}
		code := http.StatusOK
		if status == Failing {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(struct {
			Status  string         `json:"status"`
			Storage Report         `json:"storage"`
			Objects *ObjectsReport `json:"objects,omitempty"`
		}{status, r, objects})
	})
}
