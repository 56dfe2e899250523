package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
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
	ID         int64      `json:"id"`
	Room       string     `json:"room"`
	Stream     string     `json:"stream"`
	Kind       string     `json:"kind"`
	Severity   string     `json:"severity"`
	State      string     `json:"state"`
	Detail     string     `json:"detail,omitempty"`
	OpenedAt   time.Time  `json:"opened_at"`
	AckedAt    *time.Time `json:"acked_at"`
	AckedBy    string     `json:"acked_by,omitempty"`
	Comment    string     `json:"comment,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at"`
}

// ToJSON converts a stored alert.
func ToJSON(a store.Alert) JSONAlert {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return JSONAlert{
		ID: a.ID, Room: a.Room, Stream: a.Stream, Kind: a.Kind, Severity: a.Severity, State: a.State, Detail: a.Detail,
		OpenedAt: a.OpenedAt, AckedAt: opt(a.AckedAt), AckedBy: a.AckedBy, Comment: a.Comment, ResolvedAt: opt(a.ResolvedAt),
	}
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
