package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/internal/run"
)

// Payload is what a webhook receives.
type Payload struct {
	Event string    `json:"event"` // opened, acked, resolved, renotify, severity
	Alert JSONAlert `json:"alert"`
}

// JSONAlert is an alert as the API and webhooks show it.
type JSONAlert struct {
	ID       int64  `json:"id"`
	Room     string `json:"room"`
	Stream   string `json:"stream"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	State    string `json:"state"`
	Detail   string `json:"detail,omitempty"`
	// DetailCode says what Detail says, for a page to put in its own words
	// (see detailCode); DetailTime and DetailArgs carry its values.
	DetailCode string             `json:"detail_code,omitempty"`
	DetailTime *time.Time         `json:"detail_time,omitempty"`
	DetailArgs map[string]float64 `json:"detail_args,omitempty"`
	OpenedAt   time.Time          `json:"opened_at"`
	AckedAt    *time.Time         `json:"acked_at"`
	AckedBy    string             `json:"acked_by,omitempty"`
	// AckedByName is the acknowledging person's name (the list fills it in).
	AckedByName string     `json:"acked_by_name,omitempty"`
	Comment     string     `json:"comment,omitempty"`
	ResolvedAt  *time.Time `json:"resolved_at"`
}

// ToJSON converts a stored alert.
func ToJSON(a store.Alert) JSONAlert {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	j := JSONAlert{
		ID: a.ID, Room: a.Room, Stream: a.Stream, Kind: a.Kind, Severity: a.Severity, State: a.State, Detail: a.Detail,
		OpenedAt: a.OpenedAt, AckedAt: opt(a.AckedAt), AckedBy: a.AckedBy, Comment: a.Comment, ResolvedAt: opt(a.ResolvedAt),
	}
	j.DetailCode, j.DetailTime, j.DetailArgs = detailCode(a.Kind, a.Detail)
	return j
}

// detailCode reads the detail sentences the conditions write (conditions.go)
// back into a code and its values: "last_seen" (DetailTime), "never_seen",
// "device_reason" (the device's own words, not translatable), "backlog"
// (age_s, bytes), "disk_days" (days), "clock_offset" (seconds); "" for a
// detail it does not know.
func detailCode(kind, detail string) (string, *time.Time, map[string]float64) {
	switch {
	case detail == "":
		return "", nil, nil
	case kind == RoomOffline && detail == "never seen":
		return "never_seen", nil, nil
	case kind == RoomOffline && strings.HasPrefix(detail, "last seen "):
		t, err := time.Parse(time.RFC3339, strings.TrimPrefix(detail, "last seen "))
		if err != nil {
			return "", nil, nil
		}
		return "last_seen", &t, nil
	case kind == DeviceAbsent || kind == DeviceFailed:
		return "device_reason", nil, nil
	case kind == SpoolBacklog:
		var age string
		var n int64
		if _, err := fmt.Sscanf(detail, "oldest unsent segment is %s old, %d bytes waiting", &age, &n); err == nil {
			if d, err := time.ParseDuration(age); err == nil {
				return "backlog", nil, map[string]float64{"age_s": d.Seconds(), "bytes": float64(n)}
			}
		}
	case kind == DiskLow:
		var days float64
		if _, err := fmt.Sscanf(detail, "disk lasts %g days of recording", &days); err == nil {
			return "disk_days", nil, map[string]float64{"days": days}
		}
	case kind == ClockOffset:
		var off string
		if _, err := fmt.Sscanf(detail, "box clock is off by %s", &off); err == nil {
			if d, err := time.ParseDuration(off); err == nil {
				return "clock_offset", nil, map[string]float64{"seconds": d.Seconds()}
			}
		}
	}
	return "", nil, nil
}

// Webhook posts every alert change as JSON to a list of URLs, in order,
// retrying each delivery a few times; a full queue drops the oldest.
type Webhook struct {
	urls   []string
	client *http.Client
	queue  chan Payload
	log    *slog.Logger
	runs   *run.Group // nil without URLs
}

// NewWebhook starts the delivery goroutine; it stops when ctx ends or at
// Close.
func NewWebhook(ctx context.Context, urls []string, log *slog.Logger) *Webhook {
	w := &Webhook{urls: urls, client: &http.Client{Timeout: 10 * time.Second}, queue: make(chan Payload, 1024), log: log.With("component", "webhook")}
	if len(urls) > 0 {
		w.runs = run.New(ctx, "webhooks")
		w.runs.Go(w.run)
	}
	return w
}

// Close stops delivering (a delivery in progress is cancelled) and returns
// once the delivery goroutine has ended.
func (w *Webhook) Close() { w.runs.Close() }

// Notify implements Notifier.
func (w *Webhook) Notify(event string, a store.Alert) {
	if len(w.urls) == 0 {
		return
	}
	p := Payload{Event: event, Alert: ToJSON(a)}
	select {
	case w.queue <- p:
	default:
		select {
		case <-w.queue:
		default:
		}
		w.queue <- p
		w.log.Warn("webhook queue full; dropped the oldest notification")
	}
}

func (w *Webhook) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-w.queue:
			body, _ := json.Marshal(p)
			for _, u := range w.urls {
				w.deliver(ctx, u, body)
			}
		}
	}
}

func (w *Webhook) deliver(ctx context.Context, url string, body []byte) {
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(1<<attempt) * time.Second):
			}
		}
		err = w.post(ctx, url, body)
		if err == nil {
			return
		}
	}
	w.log.Error("webhook delivery failed; check the receiver", "url", url, "err", err)
}

func (w *Webhook) post(ctx context.Context, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}
