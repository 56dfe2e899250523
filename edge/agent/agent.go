// Package agent wires the room box together: devices, recorders, spool,
// uploader, reporter, live and metrics.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/edge/config"
	"github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/edge/internal/meter"
	"github.com/evalroom/evalroom/edge/live"
	"github.com/evalroom/evalroom/edge/quality"
	"github.com/evalroom/evalroom/edge/recorder"
	"github.com/evalroom/evalroom/edge/reporter"
	"github.com/evalroom/evalroom/edge/spool"
	"github.com/evalroom/evalroom/edge/uploader"
	"github.com/evalroom/evalroom/protocol"
)

// Options build an agent.
type Options struct {
	Config config.Config
	// Sources are the devices that came up; those that did not are only
	// in Registry, with their state (absent or failed) and reason.
	Sources  []devices.Source
	Registry *devices.Registry
	// Dial, when set, is used for every connection to the hub and broker.
	Dial       func(ctx context.Context, network, addr string) (net.Conn, error)
	Logger     *slog.Logger
	Version    string
	Registerer prometheus.Registerer // nil = no metrics
	// Recorded is called after each record is durable in the spool.
	Recorded func(seg *protocol.Segment)
}

// Agent is one room box.
type Agent struct {
	opts     Options
	room     string
	signer   protocol.Signer
	spool    *spool.Spool
	up       *uploader.Uploader
	rep      *reporter.Reporter
	live     *live.Live
	recs     []*recorder.Recorder
	streams  map[string]bool
	quality  map[string]quality.Analyzer
	log      *slog.Logger
	mu       sync.Mutex
	session  string
	recorded *prometheus.CounterVec
	recRate  meter.Meter
}

// New loads the box's key and enrollment and opens its spool.
func New(opts Options) (*Agent, error) {
	cfg := opts.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Registry == nil {
		opts.Registry = devices.NewRegistry()
	}
	signer, err := identity.LoadOrCreateKeyAlg(cfg.DataDir, cfg.KeyAlgorithm)
	if err != nil {
		return nil, err
	}
	enr, err := identity.LoadEnrollment(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if enr.PublicKey != signer.PublicKey().String() {
		return nil, fmt.Errorf("the box key does not match its enrollment (key replaced?): enroll again with a new token")
	}
	hub := cfg.Hub
	if hub == "" {
		hub = enr.Hub
	}
	log := opts.Logger.With("room", enr.Room)
	sp, err := spool.Open(filepath.Join(cfg.DataDir, "spool"), spool.Options{
		Legacy:      filepath.Join(cfg.DataDir, "spool.db"),
		BudgetBytes: cfg.Spool.BudgetBytes, MinFreeBytes: cfg.Spool.MinFreeBytes, Signer: signer, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	// A box that took the room over goes on with the chains the hub holds.
	for _, c := range enr.Chains {
		if err := sp.Seed(c.Stream, spool.Head{NextSeq: c.NextSeq, Prev: c.Prev, LastEnd: c.LastEnd}); err != nil {
			sp.Close()
			return nil, err
		}
	}
	a := &Agent{opts: opts, room: enr.Room, signer: signer, spool: sp, streams: map[string]bool{}, quality: map[string]quality.Analyzer{}, log: log.With("component", "agent")}
	tlsCfg, err := identity.LoadTLS(cfg.DataDir, signer)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(hub, "https://") && tlsCfg == nil {
		return nil, fmt.Errorf("the hub %s takes only boxes with a certificate and this box has none: enroll it again with a new token", hub)
	}
	password, err := protocol.MQTTPassword(signer, enr.Room, reporter.ClientID(enr.Room))
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialContext: opts.Dial, MaxIdleConnsPerHost: cfg.Upload.Workers, TLSClientConfig: tlsCfg,
		TLSHandshakeTimeout: 10 * time.Second, IdleConnTimeout: 90 * time.Second,
	}}
	a.up = uploader.New(uploader.Config{
		Hub: hub, Room: enr.Room, Workers: cfg.Upload.Workers, LiveWindow: time.Duration(cfg.Upload.LiveWindow),
		MaxBytesPerSec: cfg.Upload.MaxBytesPerSec, Client: client,
	}, sp, log, func(stream string, seq uint64, why string) {
		a.rep.Event(protocol.EventUploadRefused, stream, fmt.Sprintf("seq %d: %s", seq, why))
	})
	a.rep = reporter.New(reporter.Config{
		Broker: cfg.MQTT, TLS: tlsCfg, Password: password,
		Room: enr.Room, Interval: time.Duration(cfg.Report.Interval), Version: opts.Version, Dial: opts.Dial,
	}, a, a.command, log)
	a.live = live.New(enr.Room, a.rep)
	recorded := opts.Recorded
	if opts.Registerer != nil {
		a.recorded = a.metrics(opts.Registerer)
	}
	for _, src := range opts.Sources {
		info := src.Info()
		a.streams[info.Stream] = true
		an := a.analyzer(info)
		a.quality[info.Stream] = an
		rec := recorder.New(recorder.Config{
			Room: enr.Room, SegmentLength: time.Duration(cfg.Segment), Session: a.Session, Analyzer: an,
			Recorded: func(seg *protocol.Segment) {
				if a.recorded != nil {
					a.recorded.WithLabelValues(seg.Header.Stream, seg.Header.Record).Inc()
				}
				a.recRate.Add(time.Now(), int64(len(seg.HeaderBytes)+len(seg.Signature)+len(seg.Payload)))
				if recorded != nil {
					recorded(seg)
				}
			},
		}, src, sp, signer, opts.Registry, a.live, a.rep, log)
		a.recs = append(a.recs, rec)
	}
	return a, nil
}

// Room is the enrolled room.
func (a *Agent) Room() string { return a.room }

// Spool gives tests and tools read access to the spool.
func (a *Agent) Spool() *spool.Spool { return a.spool }

// Connected reports whether the MQTT session is up.
func (a *Agent) Connected() bool { return a.rep.Connected() }

// SetSession starts a procurement session (id) or ends it (""): new
// segments carry it, and the hub is told at once, since some roles' live
// views end when a session starts.
func (a *Agent) SetSession(id string) {
	a.mu.Lock()
	a.session = id
	a.mu.Unlock()
	a.log.Info("session changed", "session", id)
	a.rep.Refresh()
}

// Session returns the procurement session in progress, "" for none.
func (a *Agent) Session() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.session
}

// Run records, uploads and reports until ctx ends, then closes the devices
// and the spool.
func (a *Agent) Run(ctx context.Context) error {
	a.log.Info("agent running", "streams", len(a.recs), "mqtt", a.opts.Config.MQTT)
	a.rep.Event(protocol.EventAgentStarted, "", a.opts.Version)
	var wg sync.WaitGroup
	recCtx, stopRec := context.WithCancel(context.WithoutCancel(ctx))
	for _, r := range a.recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Run(recCtx)
		}()
	}
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { defer bg.Done(); a.up.Run(ctx) }()
	go func() { defer bg.Done(); a.rep.Run(ctx) }()
	<-ctx.Done()
	stopRec() // recorders write out the segment in progress
	wg.Wait()
	bg.Wait()
	var errs []error
	for _, s := range a.opts.Sources {
		errs = append(errs, s.Close())
	}
	errs = append(errs, a.spool.Close())
	return errors.Join(errs...)
}

// analyzer returns the signal checks for one device; changes become events.
func (a *Agent) analyzer(info devices.Info) quality.Analyzer {
	onChange := func(signal string, on bool) {
		kind := protocol.EventSignalOff
		if on {
			kind = protocol.EventSignalOn
			a.log.Warn("signal problem", "stream", info.Stream, "signal", signal)
		} else {
			a.log.Info("signal problem cleared", "stream", info.Stream, "signal", signal)
		}
		a.rep.Event(kind, info.Stream, signal)
	}
	if info.Kind == protocol.KindAudio {
		return quality.NewAudio(quality.AudioConfig{}, onChange)
	}
	return quality.NewVideo(quality.VideoConfig{}, onChange)
}

// Health implements reporter.Source.
func (a *Agent) Health() protocol.Health {
	devs := a.opts.Registry.States()
	for i, d := range devs {
		if an := a.quality[d.Stream]; an != nil && d.State == protocol.StateOK {
			q := an.Quality()
			devs[i].Quality = &q
		}
	}
	return protocol.Health{V: protocol.Version, Room: a.room, Time: time.Now().UTC(), Devices: devs}
}

// Telemetry implements reporter.Source.
func (a *Agent) Telemetry() protocol.Telemetry {
	st := a.spool.Stats()
	free, _ := spool.DiskFree(a.opts.Config.DataDir)
	return protocol.Telemetry{
		V: protocol.Version, Room: a.room, Time: time.Now().UTC(),
		SpoolBytes: st.Bytes, SpoolSegments: st.Records, OldestUnsentSeconds: st.OldestUnsent.Seconds(),
		DiskFreeBytes: free, UploadBytesPerSec: a.up.Rate(), RecordBytesPerSec: a.recRate.Rate(time.Now()),
		EvictedSegments: st.Evicted, Session: a.Session(),
	}
}

func (a *Agent) command(cmd protocol.Command) protocol.Reply {
	switch cmd.Kind {
	case protocol.CmdLive:
		if err := a.live.Command(cmd, func(s string) bool { return a.streams[s] }); err != nil {
			return protocol.Reply{Error: err.Error()}
		}
	case protocol.CmdSession:
		a.SetSession(cmd.Session)
	case protocol.CmdPing:
	}
	return protocol.Reply{OK: true}
}
