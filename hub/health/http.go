package health

import (
	"encoding/json"
	"net/http"
)

// Handler serves /healthz without sign-in: the storage report as JSON,
// 200 while the hub can store (ok or degraded: load balancers keep it),
// 503 while writes fail.
func (s *Storage) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r := s.Report()
		code := http.StatusOK
		if r.Status == Failing {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(struct {
			Status  string `json:"status"`
			Storage Report `json:"storage"`
		}{r.Status, r})
	})
}
