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
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/evalroom/evalroom/hub/alerts"
	"github.com/evalroom/evalroom/hub/api"
	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/bus"
	"github.com/evalroom/evalroom/hub/connlimit"
	"github.com/evalroom/evalroom/hub/fleet"
	"github.com/evalroom/evalroom/hub/health"
	"github.com/evalroom/evalroom/hub/live"
	"github.com/evalroom/evalroom/hub/media"
	"github.com/evalroom/evalroom/hub/pki"
	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/retention"
	"github.com/evalroom/evalroom/hub/sqldb"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/hub/web"
	"github.com/evalroom/evalroom/protocol"
)

// Config is the hub's configuration.
type Config struct {
	DataDir string
	// Store is where recordings go: "" for pack files under DataDir/media,
	// or s3://BUCKET?endpoint=http://HOST:PORT&region=R (credentials from
	// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
	Store string
	// Database is the hub's database: a postgres:// URL or a SQLite file;
	// "" is hub.db in DataDir.
	Database string
	HTTP     string // listen address for HTTP
	MQTT     string // listen address of the embedded broker
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
	// Retention keeps footage outside procurement sessions this long
	// (default 180 days) and runs its job every RetentionEvery (default
	// 1 h); session footage is never removed.
	Retention, RetentionEvery time.Duration
	// StorageCheck is how often the disk is checked; default 10 s.
	StorageCheck time.Duration
	TokenTTL     time.Duration
	PingInterval time.Duration // clock-offset measurement per room
	Alerts       alerts.Config
	Webhooks     []string // URLs that receive every alert change
	// AuditHeads says how often the audit log's head is signed into
	// DataDir/audit/heads.jsonl (audit.DefaultHeadEvery, DefaultHeadEntries).
	AuditHeads audit.AnchorConfig
	// MQTTConnectTimeout is how long a client of the embedded broker has
	// for its TLS handshake and CONNECT; default 10 s.
	MQTTConnectTimeout time.Duration
	// MQTTPerAddr and MQTTMaxConns cap the embedded broker's connections
	// from one remote address (default 64) and in all (default 2048).
	MQTTPerAddr, MQTTMaxConns int
	// HTTPPerAddr caps the HTTP(S) connections one remote address holds
	// open (default 128); HTTPMaxConns all of them (default: what the
	// open-file limit leaves, see FDReserve).
	HTTPPerAddr, HTTPMaxConns int
	// FDReserve is how many of the process's open files are kept for the
	// hub's own files; the rest is divided between the HTTP and MQTT
	// listeners. Default: a tenth of the limit, at least 128.
	FDReserve int
	// OnboardingWatch is how often the onboarding applications' statutory
	// clocks are read for overdue steps; default 1 min.
	OnboardingWatch time.Duration
	// MQTTLimits bound what each box may make the embedded broker carry:
	// message sizes per topic kind and a budget per box (bus.Limits).
	MQTTLimits bus.Limits
}

// Defaults fills in what is unset.
func (c *Config) Defaults() {
	if c.DataDir == "" {
		c.DataDir = store.DefaultDir
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
	if c.HTTPPerAddr == 0 {
		c.HTTPPerAddr = 128
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
	Fleet  *fleet.Fleet
	Live   *live.Hub
	Alerts *alerts.Engine
	anchor *audit.Anchor
	// Storage is the data directory's disk: room and whether writes succeed.
	Storage *health.Storage
	// Objects is the object store's state; nil with pack files.
	Objects *health.Objects
	records *recstore.Store
	ca      *pki.CA // nil with Insecure
	addr    string  // HTTP listen address
	tlsDir  string  // where the CA, certificates and CRL are kept
	// parts are the running parts' Close functions in the order they
	// started; close stops them in reverse, each returning only once its
	// goroutines have ended.
	parts []part
}

// part is one running part of the hub, for close.
type part struct {
	name  string
	close func()
}

// started records a running part; close stops it.
func (h *Hub) started(name string, close func()) {
	h.parts = append(h.parts, part{name, close})
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
	h := &Hub{cfg: cfg, log: log.With("component", "hub")}
	ok := false
	defer func() {
		if !ok {
			h.close()
		}
	}()
	var err error
	h.store, err = store.OpenDir(ctx, cfg.DataDir, cfg.Database, store.NewDir)
	if err != nil {
		return nil, err
	}
	h.started("store", func() { h.store.Close() })
	if h.records, err = recstore.Open(ctx, cfg.Store, cfg.DataDir); err != nil {
		return nil, fmt.Errorf("recordings store: %w", err)
	}
	tr, err := setupTLS(cfg)
	if err != nil {
		return nil, err
	}
	h.ca = tr.ca
	h.tlsDir = tr.dir
	h.writeCRL(ctx)
	caps, err := planConns(cfg, 0)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	caps.register(reg)
	h.Storage = health.NewStorage(health.Options{Dir: cfg.DataDir, MinFree: cfg.MinFreeBytes, Every: cfg.StorageCheck}, log, reg)
	h.Storage.Start(ctx)
	h.started("storage check", h.Storage.Close)
	if h.records.Remote() {
		h.Objects = health.NewObjects(ctx, h.records.String(), h.records.Check, cfg.StorageCheck, log)
		h.Objects.Start(ctx)
		h.started("object store check", h.Objects.Close)
		h.Storage.WithObjects(h.Objects)
	}
	h.Fleet = fleet.New(cfg.HeartbeatTimeout, log, reg)
	hooks := alerts.NewWebhook(ctx, cfg.Webhooks, log)
	h.started("webhooks", hooks.Close)
	h.Alerts, err = alerts.New(ctx, cfg.Alerts, h.store, fleetSource{h.store, h.Fleet}, hooks, log)
	if err != nil {
		return nil, err
	}
	reg.MustRegister(h.Alerts)
	auditLog, err := audit.Open(ctx, h.store.DB())
	if err != nil {
		return nil, err
	}
	if cfg.Broker != "" {
		host, _ := os.Hostname()
		h.bus, err = bus.DialExternal(ctx, cfg.Broker, fmt.Sprintf("evalroom-hub-%s-%d", host, os.Getpid()), tr.external, log)
	} else {
		access := bus.NewAccess(bus.AccessConfig{
			Boxes: h.store, Limits: cfg.MQTTLimits, Registry: reg,
			// A room's streams are the devices its box reports in its
			// health: the box's own configuration, sent on every connect.
			HasStream: func(room, stream string) bool {
				return slices.ContainsFunc(h.Fleet.State(room).Devices, func(d protocol.DeviceState) bool { return d.Stream == stream })
			},
			OnViolation: func(v bus.Violation) { h.brokerRefused(ctx, auditLog, v) },
		}, log)
		h.bus, err = bus.StartEmbedded(cfg.MQTT, tr.mqtt, access, bus.Listen{
			ConnectTimeout: cfg.MQTTConnectTimeout, PerAddr: cfg.MQTTPerAddr, Total: caps.mqtt, Registry: reg,
			MaxPacketSize: cfg.MQTTLimits.MaxPacketSize(),
		}, log)
	}
	if err != nil {
		return nil, err
	}
	h.started("bus", func() { h.bus.Close() })
	if err := h.Fleet.Attach(h.bus); err != nil {
		return nil, fmt.Errorf("subscribe fleet: %w", err)
	}
	// Pings and live leases run until Shutdown, not until ctx ends.
	if err := h.Fleet.StartPings(context.WithoutCancel(ctx), h.bus, cfg.PingInterval); err != nil {
		return nil, fmt.Errorf("subscribe replies: %w", err)
	}
	h.started("fleet pings", h.Fleet.Close)
	h.Live = live.New(h.bus, log, reg)
	if err := h.Live.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("subscribe live: %w", err)
	}
	h.started("live leases", h.Live.Close)
	h.Alerts.WatchHub(h.storageConditions)
	h.Alerts.Start(ctx, time.Second)
	h.started("alerts engine", h.Alerts.Close)
	ingest := media.NewIngest(h.records, h.store, log, reg, func(room, stream string, seq uint64, status int, why string) {
		log.Warn("refused an upload", "component", "ingest", "room", room, "stream", stream, "seq", seq, "why", why)
		kind := alerts.UploadRefused
		if status == http.StatusConflict {
			kind = alerts.ChainBreak
		}
		h.Alerts.Report(room, stream, kind, fmt.Sprintf("seq %d: %s", seq, why))
	})
	ingest.WatchStorage(storageWatch{h.Storage, h.Objects})

	mux := http.NewServeMux()
	mux.Handle("GET /healthz", h.Storage.Handler())
	mux.Handle("PUT /api/v1/ingest/{room}/{stream}/{seq}", ingest)
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
	h.started("audit anchor", h.anchor.Close) // the last head, once no request records any more
	if st := h.anchor.Status(); st.Verified {
		h.log.Info("audit log verified against its signed heads", "entries", st.Entries, "heads", heads, "key", signer.KeyID())
	}
	removed, err := retention.Open(ctx, h.store.DB())
	if err != nil {
		return nil, err
	}
	job := retention.New(h.store.DB(), h.records, auditLog, retention.Options{Outside: cfg.Retention, Every: cfg.RetentionEvery}, log)
	job.Start(context.WithoutCancel(ctx))
	h.started("retention", job.Close)
	a := api.New(h.store, h.Fleet, h.Live, auditLog, log, cfg.TokenTTL).WithAnchor(h.anchor).WithStorage(h.Storage).WithRecords(h.records).WithRetention(removed)
	a.Mount(alerts.NewHTTP(h.store, h.Alerts, a, log))
	cal, err := calendars(cfg.DataDir, log)
	if err != nil {
		return nil, err
	}
	onb, err := onboard(ctx, cfg.DataDir, h.store, h.Fleet, cal, a, auditLog, log)
	if err != nil {
		return nil, err
	}
	work, err := workflow(ctx, h.store, cal, a, onb, log)
	if err != nil {
		return nil, err
	}
	h.watchOnboarding(ctx, onb, cal, cfg.OnboardingWatch, log)
	a.Mount(work, onb).WithMarks(onb.RoomMarks)
	// A replaced box is refused from the next upload and message on.
	a.OnEnrolled(func(room string) {
		ingest.Forget(room)
		onb.BoxReplaced(ctx, room)
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
	name := "http"
	if tr.http != nil {
		name = "https"
	}
	// Over a cap a connection is closed before its TLS handshake.
	h.ln = connlimit.New(h.ln, connlimit.Options{Name: name, PerAddr: cfg.HTTPPerAddr, Total: caps.http, Log: h.log}, reg)
	if tr.http != nil {
		h.ln = tls.NewListener(h.ln, tr.http)
	}
	h.http = &http.Server{
		Handler:           bodyDeadline(cfg.BodyTimeout, mux),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		MaxHeaderBytes:    64 << 10,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		// Failed handshakes and timeouts are what scanners and the
		// deadlines make: worth a debug line, not the standard log.
		ErrorLog: slog.NewLogLogger(h.log.With("component", "http").Handler(), slog.LevelDebug),
	}
	serving := make(chan struct{})
	go func() {
		defer close(serving)
		if err := h.http.Serve(h.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.log.Error("HTTP server stopped", "err", err)
		}
	}()
	// Shutdown has drained the requests; this closes what it left (a
	// hijacked connection is not its) and waits for Serve to return.
	h.started("http", func() {
		h.http.Close()
		<-serving
	})
	ok = true
	h.log.Info("hub running", "http", h.URL(), "mqtt", h.MQTTAddr(), "data", cfg.DataDir, "database", databaseName(cfg), "recordings", h.records.String())
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
	if h.ln != nil && h.http == nil {
		h.ln.Close()
	}
	for i := len(h.parts) - 1; i >= 0; i-- {
		h.log.Debug("stopping", "part", h.parts[i].name)
		h.parts[i].close()
	}
	h.parts = nil
}

// storageConditions raises the operator's alerts for the data directory's
// disk: low on space, or failing writes.
func (h *Hub) storageConditions() []alerts.Condition {
	r := h.Storage.Report()
	switch {
	case r.Status == health.Failing:
		return []alerts.Condition{{Kind: alerts.HubStorageFailing, Detail: r.Problem}}
	case h.Objects != nil && h.Objects.Report().Status == health.Failing:
		return []alerts.Condition{{Kind: alerts.HubStorageFailing, Detail: h.Objects.Report().Problem}}
	case r.Status == health.Degraded:
		return []alerts.Condition{{Kind: alerts.HubStorageLow, Detail: r.Problem}}
	}
	return nil
}

// storageWatch tells the object store's health of the puts it did or did
// not take, and the data directory's of every other write.
type storageWatch struct {
	disk    *health.Storage
	objects *health.Objects // nil with pack files
}

func (w storageWatch) Failed(err error) {
	if w.objects != nil && errors.Is(err, recstore.ErrUnavailable) {
		w.objects.Failed(err)
		return
	}
	w.disk.Failed(err)
}

func (w storageWatch) Stored() {
	w.disk.Stored()
	if w.objects != nil {
		w.objects.Stored()
	}
}

// brokerRefused alerts and audits what the embedded broker refused of a
// box: another room's client id at once, exceeded limits once they
// persist (bus.AccessConfig.OnViolation says when).
func (h *Hub) brokerRefused(ctx context.Context, log *audit.Log, v bus.Violation) {
	kind := alerts.BoxLimits
	if v.Identity() {
		kind = alerts.BoxImpersonation
	}
	detail := fmt.Sprintf("%s: %s (%d refused; client id %q from %s)", v.Reason, v.Detail, v.Count, v.ClientID, v.Remote)
	h.Alerts.Report(v.Room, "", kind, detail)
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		host, _, err := net.SplitHostPort(v.Remote)
		if err != nil {
			host = v.Remote
		}
		if _, err := log.Record(ctx, "box:"+v.Room+"@"+host, audit.BrokerRefused, v.Room, detail); err != nil {
			h.log.Error("cannot audit a refused box", "room", v.Room, "reason", v.Reason, "err", err)
		}
	}()
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

// databaseName is how the log names the hub's database: a URL without
// its password, or the SQLite file.
func databaseName(cfg Config) string {
	if cfg.Database == "" {
		return filepath.Join(cfg.DataDir, store.File)
	}
	return sqldb.Redact(cfg.Database)
}
