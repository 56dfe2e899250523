package config

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/evalroom/evalroom/hub/recstore"
	"github.com/evalroom/evalroom/hub/sqldb"
)

// Validate reports every value that cannot work, each naming its key and
// what to change.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{key}, a...)...))
	}
	if c.DataDir == "" {
		bad("data_dir", "is empty: give the hub's data directory, e.g. /var/lib/evalroom-hub")
	}
	if c.Store != "" {
		if _, err := recstore.ParseURL(c.Store); err != nil {
			bad("store", "%v", err)
		}
	}
	if sqldb.IsURL(c.Database) {
		if u, err := url.Parse(c.Database); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || len(u.Path) < 2 {
			bad("database", "%s: give postgres://USER@HOST:PORT/DB?sslmode=disable, a SQLite file, or leave it out for hub.db in data_dir", sqldb.Redact(c.Database))
		}
	}
	addr := func(key, v string) {
		if _, _, err := net.SplitHostPort(v); err != nil {
			bad(key, "%q is not host:port: give e.g. 127.0.0.1:8080 (0.0.0.0:PORT for every interface)", v)
		}
	}
	addr("http.listen", c.HTTP.Listen)
	if c.MQTT.Broker == "" {
		addr("mqtt.listen", c.MQTT.Listen)
	} else if u, err := url.Parse(c.MQTT.Broker); err != nil || u.Host == "" || (u.Scheme != "ssl" && u.Scheme != "tcp") {
		bad("mqtt.broker", "%q: give ssl://HOST:PORT (tcp://HOST:PORT only with insecure_dev), or leave it out for the embedded broker", c.MQTT.Broker)
	} else if u.Scheme == "tcp" && !c.InsecureDev {
		bad("mqtt.broker", "%q is plain MQTT: use ssl://, or set insecure_dev for a demo on one closed machine", c.MQTT.Broker)
	}
	positive := func(key string, d time.Duration) {
		if d <= 0 {
			bad(key, "%v: must be more than 0, e.g. \"10s\"", d)
		}
	}
	positive("http.read_header_timeout", time.Duration(c.HTTP.ReadHeaderTimeout))
	positive("http.body_timeout", time.Duration(c.HTTP.BodyTimeout))
	positive("mqtt.connect_timeout", time.Duration(c.MQTT.ConnectTimeout))
	positive("storage.check", time.Duration(c.Storage.Check))
	positive("retention.every", time.Duration(c.Retention.Every))
	if d := time.Duration(c.Retention.OutsideSessions); d < 24*time.Hour {
		bad("retention.outside_sessions", "%v: keep footage outside sessions at least a day, e.g. \"4320h\" (180 days)", d)
	}
	positive("heartbeat_timeout", time.Duration(c.HeartbeatTimeout))
	positive("ping_interval", time.Duration(c.PingInterval))
	positive("onboarding_watch", time.Duration(c.OnboardingWatch))
	positive("enrollment_token_ttl", time.Duration(c.TokenTTL))
	positive("alerts.raise_after", time.Duration(c.Alerts.RaiseAfter))
	positive("alerts.clear_after", time.Duration(c.Alerts.ClearAfter))
	positive("alerts.renotify", time.Duration(c.Alerts.Renotify))
	positive("alerts.startup_grace", time.Duration(c.Alerts.StartupGrace))
	positive("alerts.event_hold", time.Duration(c.Alerts.EventHold))
	positive("alerts.backlog", time.Duration(c.Alerts.Backlog))
	positive("alerts.clock_limit", time.Duration(c.Alerts.ClockLimit))
	positive("audit_heads.every", time.Duration(c.AuditHeads.Every))
	if c.Alerts.DiskDays <= 0 {
		bad("alerts.disk_days", "%v: must be more than 0 days, e.g. 2", c.Alerts.DiskDays)
	}
	if c.AuditHeads.Entries <= 0 {
		bad("audit_heads.entries", "%d: must be at least 1, e.g. 10", c.AuditHeads.Entries)
	}
	atLeastOne := map[string]int{"http.per_addr": c.HTTP.PerAddr, "mqtt.per_addr": c.MQTT.PerAddr, "mqtt.max_conns": c.MQTT.MaxConns}
	for _, key := range []string{"http.per_addr", "mqtt.per_addr", "mqtt.max_conns"} {
		if atLeastOne[key] < 1 {
			bad(key, "%d: must be at least 1", atLeastOne[key])
		}
	}
	notNegative := map[string]int64{
		"http.max_conns": int64(c.HTTP.MaxConns), "fd_reserve": int64(c.FDReserve), "storage.min_free_bytes": c.Storage.MinFreeBytes,
		"mqtt.limits.message_size": int64(c.MQTT.Limits.MessageSize), "mqtt.limits.live_size": int64(c.MQTT.Limits.LiveSize),
		"mqtt.limits.bytes_per_sec": int64(c.MQTT.Limits.BytesPerSec), "mqtt.limits.burst_bytes": int64(c.MQTT.Limits.BurstBytes),
		"mqtt.limits.msgs_per_sec": int64(c.MQTT.Limits.MsgsPerSec), "mqtt.limits.burst_msgs": int64(c.MQTT.Limits.BurstMsgs),
	}
	for _, key := range slices.Sorted(maps.Keys(notNegative)) {
		if notNegative[key] < 0 {
			bad(key, "%d: must not be negative (0: the default)", notNegative[key])
		}
	}
	pair := func(a, b, va, vb string) {
		if (va == "") != (vb == "") {
			bad(a+" and "+b, "give both or neither")
		}
	}
	pair("tls.cert", "tls.key", c.TLS.Cert, c.TLS.Key)
	pair("tls.ca_cert", "tls.ca_key", c.TLS.CACert, c.TLS.CAKey)
	for i, w := range c.Webhooks {
		if u, err := url.Parse(w); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			bad(fmt.Sprintf("webhooks[%d]", i), "%q: give an http:// or https:// URL", w)
		}
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		bad("log_level", "%q: use debug, info, warn or error", c.LogLevel)
	}
	return errors.Join(errs...)
}
