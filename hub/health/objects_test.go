package health

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The object store is failing while its check fails or after a put it did
// not take (until one it took, or Hold), and /healthz says so with 503
// while the disk is fine.
func TestObjectsStates(t *testing.T) {
	var down error
	o := NewObjects(context.Background(), "s3://b at http://h:1", func(context.Context) error { return down }, time.Hour, quiet())
	now := time.Now()
	o.now = func() time.Time { return now }
	s := NewStorage(Options{Dir: t.TempDir(), MinFree: 1}, quiet(), nil)
	s.WithObjects(o)
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get(); code != http.StatusOK || !strings.Contains(body, `"objects":{"status":"ok","store":"s3://b at http://h:1"`) {
		t.Fatalf("store answering: %d %s", code, body)
	}
	o.Failed(errors.New("connection refused"))
	if code, body := get(); code != http.StatusServiceUnavailable || !strings.Contains(body, `"status":"failing"`) || !strings.Contains(body, "connection refused") {
		t.Fatalf("after a put the store did not take: %d %s", code, body)
	}
	o.Stored()
	if r := o.Report(); r.Status != OK {
		t.Fatalf("after a put it took: %+v", r)
	}
	o.Failed(errors.New("timeout"))
	now = now.Add(2 * time.Minute)
	o.probe(context.Background())
	if r := o.Report(); r.Status != OK {
		t.Fatalf("Hold after the last failed put, the check passing: %+v", r)
	}
	down = errors.New("bucket gone")
	o.probe(context.Background())
	if r := o.Report(); r.Status != Failing || !strings.Contains(r.Problem, "bucket gone") {
		t.Fatalf("check failing: %+v", r)
	}
}
