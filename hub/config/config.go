// Package config is the hub's typed configuration: one JSON file, decoded
// strictly (an unknown key is refused), over defaults, with Validate
// saying what to change. evalroom-hub serve --config FILE reads it, and
// the command line's flags override what it says. deploy/hub/hub.json is
// the documented sample, loaded by a test. The model is edge/config.
package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/evalroom/evalroom/hub/alerts"
	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/bus"
	"github.com/evalroom/evalroom/hub/health"
	"github.com/evalroom/evalroom/hub/pki"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/protocol"
)

// Config is the whole hub configuration.
type Config struct {
	DataDir string `json:"data_dir"` // database, recordings, certificates, audit heads
	// Store is where recordings go: "" for pack files in data_dir/media, or
	// s3://BUCKET?endpoint=http://HOST:PORT&region=R with the credentials of
	// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
	Store string `json:"store"`
	// Database is the hub's database: postgres://USER@HOST:PORT/DB?sslmode=disable,
	// or a SQLite file; "" (the default) is hub.db in data_dir.
	Database string `json:"database"`
	// InsecureDev serves plain HTTP and MQTT without certificates: for a
	// demo or test on one closed machine, never a network.
	InsecureDev      bool              `json:"insecure_dev"`
	HTTP             HTTP              `json:"http"`
	MQTT             MQTT              `json:"mqtt"`
	TLS              TLS               `json:"tls"`
	FDReserve        int               `json:"fd_reserve"` // open files kept for the hub's own; 0: a tenth of the limit, at least 128
	Storage          Storage           `json:"storage"`
	Retention        Retention         `json:"retention"`
	HeartbeatTimeout protocol.Duration `json:"heartbeat_timeout"` // a room silent this long shows offline
	PingInterval     protocol.Duration `json:"ping_interval"`     // clock-offset measurement per room
	OnboardingWatch  protocol.Duration `json:"onboarding_watch"`  // how often onboarding's statutory clocks are read for overdue steps
	TokenTTL         protocol.Duration `json:"enrollment_token_ttl"`
	Alerts           Alerts            `json:"alerts"`
	Webhooks         []string          `json:"webhooks"` // URLs that receive every alert change
	AuditHeads       AuditHeads        `json:"audit_heads"`
	LogLevel         string            `json:"log_level"` // debug, info, warn or error
}

// HTTP is the hub's web server.
type HTTP struct {
	Listen            string            `json:"listen"`
	ReadHeaderTimeout protocol.Duration `json:"read_header_timeout"`
	BodyTimeout       protocol.Duration `json:"body_timeout"`
	PerAddr           int               `json:"per_addr"`  // connections one remote address may hold
	MaxConns          int               `json:"max_conns"` // 0: what the open-file limit leaves
}

// MQTT is the embedded broker, or the external one the hub uses instead.
type MQTT struct {
	Listen         string            `json:"listen"`
	Broker         string            `json:"broker"`    // ssl://HOST:PORT (tcp:// with insecure_dev): an external broker
	BrokerCA       string            `json:"broker_ca"` // its CA, when not the hub's
	ConnectTimeout protocol.Duration `json:"connect_timeout"`
	PerAddr        int               `json:"per_addr"`
	MaxConns       int               `json:"max_conns"`
	Limits         Limits            `json:"limits"`
}

// Limits bound what each box may make the embedded broker carry; 0: the
// broker's default (see bus.Limits).
type Limits struct {
	MessageSize int `json:"message_size"`
	LiveSize    int `json:"live_size"`
	BytesPerSec int `json:"bytes_per_sec"`
	BurstBytes  int `json:"burst_bytes"`
	MsgsPerSec  int `json:"msgs_per_sec"`
	BurstMsgs   int `json:"burst_msgs"`
}

// TLS says where certificates come from; by default the hub makes its CA
// and server certificate under data_dir/tls on first start.
type TLS struct {
	Cert   string   `json:"cert"` // an operator's server certificate (PEM chain) and key
	Key    string   `json:"key"`
	CACert string   `json:"ca_cert"` // an operator's CA and key, to sign box certificates with
	CAKey  string   `json:"ca_key"`
	Hosts  []string `json:"hosts"` // names and addresses in a made server certificate
}

// Storage is the check of the data directory's disk.
type Storage struct {
	MinFreeBytes int64             `json:"min_free_bytes"` // below it the hub is degraded and alerts
	Check        protocol.Duration `json:"check"`          // how often
}

// Retention is how long footage outside procurement sessions is kept
// (session footage is never removed by the hub) and how often the job
// that removes it runs.
type Retention struct {
	OutsideSessions protocol.Duration `json:"outside_sessions"`
	Every           protocol.Duration `json:"every"`
}

// Alerts tune when alerts open, resolve and notify again.
type Alerts struct {
	RaiseAfter   protocol.Duration `json:"raise_after"`   // a problem must hold this long to open an alert
	ClearAfter   protocol.Duration `json:"clear_after"`   // and be gone this long to resolve it
	Renotify     protocol.Duration `json:"renotify"`      // notify again while not acknowledged
	StartupGrace protocol.Duration `json:"startup_grace"` // no offline alerts this soon after start
	EventHold    protocol.Duration `json:"event_hold"`    // a refused upload or chain break counts this long
	Backlog      protocol.Duration `json:"backlog"`       // a box's oldest unsent segment older than this
	DiskDays     float64           `json:"disk_days"`     // a box's disk lasts fewer days at its rate
	ClockLimit   protocol.Duration `json:"clock_limit"`   // a box's clock off by more
}

// AuditHeads say how often the audit log's head is signed.
type AuditHeads struct {
	Every   protocol.Duration `json:"every"`
	Entries int64             `json:"entries"`
}

// Default returns the configuration with every default filled in: what
// evalroom-hub serve runs with when given nothing.
func Default() Config {
	d := func(t time.Duration) protocol.Duration { return protocol.Duration(t) }
	return Config{
		DataDir: store.DefaultDir,
		HTTP: HTTP{
			Listen: "127.0.0.1:8080", ReadHeaderTimeout: d(10 * time.Second), BodyTimeout: d(60 * time.Second), PerAddr: 128,
		},
		MQTT:             MQTT{Listen: "127.0.0.1:1883", ConnectTimeout: d(10 * time.Second), PerAddr: 64, MaxConns: 2048},
		Storage:          Storage{MinFreeBytes: health.DefaultMinFree, Check: d(10 * time.Second)},
		Retention:        Retention{OutsideSessions: d(180 * 24 * time.Hour), Every: d(time.Hour)},
		HeartbeatTimeout: d(20 * time.Second),
		PingInterval:     d(30 * time.Second),
		OnboardingWatch:  d(time.Minute),
		TokenTTL:         d(24 * time.Hour),
		Alerts: Alerts{
			RaiseAfter: d(2 * time.Second), ClearAfter: d(10 * time.Second), Renotify: d(15 * time.Minute),
			StartupGrace: d(30 * time.Second), EventHold: d(10 * time.Minute),
			Backlog: d(5 * time.Minute), DiskDays: 2, ClockLimit: d(2 * time.Second),
		},
		AuditHeads: AuditHeads{Every: d(audit.DefaultHeadEvery), Entries: audit.DefaultHeadEntries},
		LogLevel:   "info",
	}
}

// Load reads a configuration file over the defaults and validates it; an
// unknown key, a value of the wrong type and trailing data are errors.
func Load(path string) (Config, error) {
	c := Default()
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read hub config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("hub config %s: %w (see deploy/hub/hub.json for every key)", path, err)
	}
	if dec.More() {
		return c, fmt.Errorf("hub config %s: more than one JSON object", path)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("hub config %s: %w", path, err)
	}
	return c, nil
}

// Server is the configuration as hub/server takes it.
func (c Config) Server() server.Config {
	return server.Config{
		DataDir:  c.DataDir,
		Store:    c.Store,
		Database: c.Database,
		HTTP:     c.HTTP.Listen,
		MQTT:     c.MQTT.Listen,
		Broker:   c.MQTT.Broker,
		BrokerCA: c.MQTT.BrokerCA,
		Insecure: c.InsecureDev,
		TLS: pki.Options{
			Cert: c.TLS.Cert, Key: c.TLS.Key, CACert: c.TLS.CACert, CAKey: c.TLS.CAKey,
			Hosts: append([]string(nil), c.TLS.Hosts...),
		},
		HeartbeatTimeout:  time.Duration(c.HeartbeatTimeout),
		ReadHeaderTimeout: time.Duration(c.HTTP.ReadHeaderTimeout),
		BodyTimeout:       time.Duration(c.HTTP.BodyTimeout),
		MinFreeBytes:      c.Storage.MinFreeBytes,
		StorageCheck:      time.Duration(c.Storage.Check),
		Retention:         time.Duration(c.Retention.OutsideSessions),
		RetentionEvery:    time.Duration(c.Retention.Every),
		TokenTTL:          time.Duration(c.TokenTTL),
		PingInterval:      time.Duration(c.PingInterval),
		OnboardingWatch:   time.Duration(c.OnboardingWatch),
		Alerts: alerts.Config{
			RaiseAfter: time.Duration(c.Alerts.RaiseAfter), ClearAfter: time.Duration(c.Alerts.ClearAfter),
			Renotify: time.Duration(c.Alerts.Renotify), StartupGrace: time.Duration(c.Alerts.StartupGrace),
			EventHold: time.Duration(c.Alerts.EventHold), Backlog: time.Duration(c.Alerts.Backlog),
			DiskDays: c.Alerts.DiskDays, ClockLimit: time.Duration(c.Alerts.ClockLimit),
		},
		Webhooks:           append([]string(nil), c.Webhooks...),
		AuditHeads:         audit.AnchorConfig{Every: time.Duration(c.AuditHeads.Every), Entries: c.AuditHeads.Entries},
		MQTTConnectTimeout: time.Duration(c.MQTT.ConnectTimeout),
		MQTTPerAddr:        c.MQTT.PerAddr,
		MQTTMaxConns:       c.MQTT.MaxConns,
		HTTPPerAddr:        c.HTTP.PerAddr,
		HTTPMaxConns:       c.HTTP.MaxConns,
		FDReserve:          c.FDReserve,
		MQTTLimits: bus.Limits{
			MessageSize: c.MQTT.Limits.MessageSize, LiveSize: c.MQTT.Limits.LiveSize,
			BytesPerSec: c.MQTT.Limits.BytesPerSec, BurstBytes: c.MQTT.Limits.BurstBytes,
			MsgsPerSec: c.MQTT.Limits.MsgsPerSec, BurstMsgs: c.MQTT.Limits.BurstMsgs,
		},
	}
}
