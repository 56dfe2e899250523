// Package server wires the hub together: database, broker or bus, fleet,
// ingest, live, API, web UI and metrics.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/evalroom/evalroom/hub/alerts"
	"github.com/evalroom/evalroom/hub/api"
	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/bus"
	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/health"
	"github.com/evalroom/evalroom/hub/live"
	"github.com/evalroom/evalroom/hub/media"
	"github.com/evalroom/evalroom/hub/pki"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/web"
)

// Config is the hub's configuration.
type Config struct {
	DataDir string
	HTTP    string // listen address for HTTP
	MQTT    string // listen address of the embedded broker
	// Broker, when set (ssl://host:port, or tcp:// with Insecure), uses an
	// external broker instead of the embedded one.
	Broker string
	// BrokerCA is the CA of an external broker's certificate when another
	// CA than the hub's signed it.
	BrokerCA string
	// Insecure serves plain HTTP and MQTT without certificates
	// (--insecure-dev): for a demo or test on one machine, never a network.
	Insecure bool
	// TLS says where certificates come from; by default the hub makes its
	// CA and server certificate under DataDir/tls on first start.
	TLS              pki.Options
	HeartbeatTimeout time.Duration
	// ReadHeaderTimeout drops a client that has not sent its request
	// headers in time (slow clients); default 10 s.
	ReadHeaderTimeout time.Duration
	// BodyTimeout drops a request whose body has not fully arrived this
	// long after its headers (slow bodies); default 60 s. Live views and
	// other responses without a request body are not bound by it.
	BodyTimeout time.Duration
	// MinFreeBytes: below this much free space on the data directory's
	// disk the hub reports itself degraded and alerts the operator;
	// default 2 GiB.
	MinFreeBytes int64
	// StorageCheck is how often the disk is checked; default 10 s.
	StorageCheck time.Duration
	TokenTTL     time.Duration
	PingInterval time.Duration // clock-offset measurement per room
	Alerts       alerts.Config
	Webhooks     []string // URLs that receive every alert change
	// AuditHeads says how often the audit log's head is signed into
	// DataDir/audit/heads.jsonl (audit.DefaultHeadEvery, DefaultHeadEntries).
	AuditHeads audit.AnchorConfig
}

// Defaults fills in what is unset.
func (c *Config) Defaults() {
	if c.DataDir == "" {
		c.DataDir = "./var/hub"
	}
	if c.HTTP == "" {
		c.HTTP = "127.0.0.1:8080"
	}
	if c.MQTT == "" {
		c.MQTT = "127.0.0.1:1883"
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = 10 * time.Second
	}
	if c.BodyTimeout == 0 {
		c.BodyTimeout = 60 * time.Second
	}
	if c.HeartbeatTimeout == 0 {
		c.HeartbeatTimeout = 20 * time.Second
	}
	if c.PingInterval == 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = 24 * time.Hour
	}
}

// Hub is a running hub.
type Hub struct {
	cfg    Config
	log    *slog.Logger
	store  *store.Store
	bus    bus.Bus
	http   *http.Server
	ln     net.Listener
	stop   chan struct{}
	Fleet  *fleet.Fleet
	Live   *live.Hub
	Alerts *alerts.Engine
	anchor *audit.Anchor
	// Storage is the data directory's disk: room and whether writes succeed.
	Storage *health.Storage
	ca      *pki.CA // nil with Insecure
	addr    string  // HTTP listen address
	tlsDir  string  // where the CA, certificates and CRL are kept
}

// fleetSource gives the alert engine the rooms and their state.
type fleetSource struct {
	*store.Store
	*fleet.Fleet
}

// Start opens the database, starts the broker (or connects to one) and
// listens for HTTP. It returns once everything accepts connections.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Hub, error) {
	cfg.Defaults()
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	h := &Hub{cfg: cfg, log: log.With("component", "hub"), stop: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			h.close()
		}
	}()
	var err error
	h.store, err = store.Open(ctx, filepath.Join(cfg.DataDir, "hub.db"))
	if err != nil {
		return nil, err
	}
	tr, err := setupTLS(cfg)
	if err != nil {
		return nil, err
	}
	h.ca = tr.ca
	h.tlsDir = tr.dir
	h.writeCRL(ctx)
	if cfg.Broker != "" {
		host, _ := os.Hostname()
		h.bus, err = bus.DialExternal(ctx, cfg.Broker, fmt.Sprintf("evalroom-hub-%s-%d", host, os.Getpid()), tr.external, log)
	} else {
		h.bus, err = bus.StartEmbedded(cfg.MQTT, tr.mqtt, bus.NewAccess(h.store, log), log)
	}
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h.Storage = health.NewStorage(health.Options{Dir: cfg.DataDir, MinFree: cfg.MinFreeBytes, Every: cfg.StorageCheck}, log, reg)
	h.Storage.Start(ctx)
	h.Fleet = fleet.New(cfg.HeartbeatTimeout, log, reg)
	if err := h.Fleet.Attach(h.bus); err != nil {
		return nil, fmt.Errorf("subscribe fleet: %w", err)
	}
	if err := h.Fleet.StartPings(h.bus, cfg.PingInterval, h.stop); err != nil {
		return nil, fmt.Errorf("subscribe replies: %w", err)
	}
	h.Live = live.New(h.bus, log, reg)
	if err := h.Live.Start(h.stop); err != nil {
		return nil, fmt.Errorf("subscribe live: %w", err)
	}
	h.Alerts, err = alerts.New(ctx, cfg.Alerts, h.store, fleetSource{h.store, h.Fleet}, alerts.NewWebhook(ctx, cfg.Webhooks, log), log)
	if err != nil {
		return nil, err
	}
	reg.MustRegister(h.Alerts)
	h.Alerts.WatchHub(h.storageConditions)
	go h.Alerts.Run(ctx, time.Second)
	ingest := media.NewIngest(cfg.DataDir, h.store, log, reg, func(room, stream string, seq uint64, status int, why string) {
		log.Warn("refused an upload", "component", "ingest", "room", room, "stream", stream, "seq", seq, "why", why)
		kind := alerts.UploadRefused
		if status == http.StatusConflict {
			kind = alerts.ChainBreak
		}
		h.Alerts.Report(room, stream, kind, fmt.Sprintf("seq %d: %s", seq, why))
	})
	ingest.WatchStorage(h.Storage)

	mux := http.NewServeMux()
	mux.Handle("GET /healthz", h.Storage.Handler())
	mux.Handle("PUT /api/v1/ingest/{room}/{stream}/{seq}", ingest)
	auditLog, err := audit.Open(ctx, h.store.DB())
	if err != nil {
		return nil, err
	}
	signer, err := audit.LoadOrCreateKey(filepath.Join(cfg.DataDir, audit.Dir))
	if err != nil {
		return nil, err
	}
	heads := filepath.Join(cfg.DataDir, audit.Dir, audit.HeadsFile)
	// Shutdown stops the anchor once requests have drained, so that its
	// last head covers their entries: it does not end with ctx.
	h.anchor, err = audit.StartAnchor(context.WithoutCancel(ctx), auditLog, signer, heads, cfg.AuditHeads, log)
	if err != nil {
		return nil, err
	}
	if st := h.anchor.Status(); st.Verified {
		h.log.Info("audit log verified against its signed heads", "entries", st.Entries, "heads", heads, "key", signer.KeyID())
	}
	a := api.New(h.store, h.Fleet, h.Live, h.Alerts, auditLog, log, cfg.TokenTTL).WithAnchor(h.anchor).WithStorage(h.Storage)
	// A replaced box is refused from the next upload and message on.
	a.OnEnrolled(func(room string) {
		ingest.Forget(room)
		h.writeCRL(ctx)
		if e, ok := h.bus.(*bus.Embedded); ok {
			if n := e.Kick(room); n > 0 {
				h.log.Info("ended the broker session of a replaced box", "room", room, "sessions", n)
			}
		}
	})
	if tr.ca != nil {
		a.WithCA(tr.ca)
		ingest.RequireCertificates(h.store.CurrentCert)
	}
	a.Register(mux)
	// Per-room metrics name rooms and their troubles: an operator's token.
	mux.Handle("GET /metrics", a.Guard(auth.MetricsRead, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	mux.Handle("/", web.Handler())

	h.ln, err = net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return nil, fmt.Errorf("HTTP listen on %s (is another hub running?): %w", cfg.HTTP, err)
	}
	h.addr = h.ln.Addr().String()
	if tr.http != nil {
		h.ln = tls.NewListener(h.ln, tr.http)
	}
	h.http = &http.Server{
		Handler:           bodyDeadline(cfg.BodyTimeout, mux),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		MaxHeaderBytes:    64 << 10,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() {
		if err := h.http.Serve(h.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.log.Error("HTTP server stopped", "err", err)
		}
	}()
	ok = true
	h.log.Info("hub running", "http", h.URL(), "mqtt", h.MQTTAddr(), "data", cfg.DataDir)
	return h, nil
}

// HTTPAddr is where the hub serves HTTP (HTTPS unless Insecure).
func (h *Hub) HTTPAddr() string { return h.addr }

// URL is the hub's base URL.
func (h *Hub) URL() string {
	if h.ca == nil {
		return "http://" + h.addr
	}
	return "https://" + h.addr
}

// CA is the hub's certificate authority; nil with Insecure.
func (h *Hub) CA() *pki.CA { return h.ca }

// MQTTAddr is where boxes connect.
func (h *Hub) MQTTAddr() string {
	if e, ok := h.bus.(*bus.Embedded); ok {
		return e.Addr()
	}
	return h.cfg.Broker
}

// AuditStatus says whether the audit log verifies against its latest
// signed head.
func (h *Hub) AuditStatus() audit.Status { return h.anchor.Status() }

// Store gives tools and tests the database.
func (h *Hub) Store() *store.Store { return h.store }

// Shutdown stops taking requests, lets running ones finish for up to the
// context's deadline, and closes everything.
func (h *Hub) Shutdown(ctx context.Context) error {
	var err error
	if h.http != nil {
		err = h.http.Shutdown(ctx)
		if err != nil {
			h.http.Close()
		}
	}
	h.close()
	return err
}

func (h *Hub) close() {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	if h.ln != nil && h.http == nil {
		h.ln.Close()
	}
	if h.bus != nil {
		h.bus.Close()
	}
	if h.Storage != nil {
		h.Storage.Close()
	}
	if h.anchor != nil {
		h.anchor.Close() // the last head, once no request records any more
	}
	if h.store != nil {
		h.store.Close()
	}
}

// storageConditions raises the operator's alerts for the data directory's
// disk: low on space, or failing writes.
func (h *Hub) storageConditions() []alerts.Condition {
	r := h.Storage.Report()
	switch r.Status {
	case health.Failing:
		return []alerts.Condition{{Kind: alerts.HubStorageFailing, Detail: r.Problem}}
	case health.Degraded:
		return []alerts.Condition{{Kind: alerts.HubStorageLow, Detail: r.Problem}}
	}
	return nil
}

// writeCRL keeps DATA/tls/crl.pem listing every replaced box's certificate,
// for an external broker to refuse them (mosquitto: crlfile, then SIGHUP).
func (h *Hub) writeCRL(ctx context.Context) {
	if h.ca == nil {
		return
	}
	list, err := h.store.RevokedCerts(ctx)
	if err == nil {
		revoked := make([]pki.Revoked, len(list))
		for i, c := range list {
			revoked[i] = pki.Revoked{Serial: c.Serial, At: c.RevokedAt}
		}
		err = h.ca.WriteCRL(h.tlsDir, revoked)
	}
	if err != nil {
		h.log.Error("cannot write the certificate revocation list; an external broker will not learn of replaced boxes", "err", err)
	}
}
