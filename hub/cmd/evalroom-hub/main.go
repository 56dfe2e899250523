// Command evalroom-hub runs the central service.
//
//	evalroom-hub serve [--config FILE] --data DIR --http ADDR --mqtt ADDR [--mqtt-broker tcp://HOST:PORT]
//	evalroom-hub room add --data DIR --id ID --name NAME [--jurisdiction CODE --jurisdiction-name NAME] [--agency ID --agency-name NAME]
//	evalroom-hub room set --data DIR --id ID [--name NAME] [--jurisdiction CODE|-] [--agency ID|-] ...
//	evalroom-hub room list --data DIR [--jurisdiction CODE|-] [--agency ID|-]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/evalroom/evalroom/hub/config"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/protocol"
)

const usage = `usage:
  evalroom-hub serve [--config FILE] [--data DIR] [--store s3://BUCKET?endpoint=http://HOST:PORT&region=R] [--http ADDR] [--mqtt ADDR] [--mqtt-broker tcp://HOST:PORT]
  evalroom-hub room add [--data DIR] --id ID --name NAME   (prints a one-time enrollment token)
        [--jurisdiction CODE --jurisdiction-name NAME] [--agency ID --agency-name NAME]
  evalroom-hub room set [--data DIR] --id ID [--name NAME] [--jurisdiction CODE|-] [--jurisdiction-name NAME]
        [--agency ID|-] [--agency-name NAME]              (changes a room; - clears)
  evalroom-hub room list [--data DIR] [--jurisdiction CODE|-] [--agency ID|-]
  evalroom-hub audit verify [--data DIR] [--heads FILE] [--key FILE]
        (checks the audit log's hash chain against its signed heads; --heads: a copy kept elsewhere, repeatable)
  evalroom-hub evidence export [--data DIR] [--store URL] --room ROOM --from TIME --to TIME --out FILE [--by NAME]
  evalroom-hub verify-evidence [--faults-only] FILE         (checks an evidence file offline)
  evalroom-hub user add [--data DIR] --username U --role ROLE [--scope S] [--name N] [--password-stdin]
  evalroom-hub user passwd [--data DIR] --username U [--password-stdin]   (new password, unlocks)
  evalroom-hub token create [--data DIR] --role ROLE [--scope S] [--name N] [--ttl D]   (prints a bearer token)
  evalroom-hub deadline [--data DIR] --from YYYY-MM-DD --add Nwd|Nd   (the due date by the working-day calendars)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "room":
		err = room(os.Args[2:])
	case "audit":
		err = auditCmd(os.Args[2:])
	case "evidence":
		err = evidenceCmd(os.Args[2:])
	case "verify-evidence":
		err = verifyEvidence(os.Args[2:])
	case "user":
		err = userCmd(context.Background(), os.Args[2:], os.Stdin, os.Stdout)
	case "token":
		err = tokenCmd(context.Background(), os.Args[2:], os.Stdout)
	case "deadline":
		err = deadline(os.Args[2:], os.Stdout)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalroom-hub:", err)
		os.Exit(1)
	}
}

func serve(args []string) error {
	cfg, err := serveConfig(args)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.InsecureDev {
		log.Warn("plain HTTP and MQTT without certificates (--insecure-dev): anyone on the network can read and send; use it only on one closed machine")
	}
	h, err := server.Start(ctx, cfg.Server(), log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return h.Shutdown(sctx)
}

// serveConfig is serve's configuration: the defaults, or the file --config
// names, with every flag given on the command line over it.
func serveConfig(args []string) (config.Config, error) {
	cfg := config.Default()
	fs, file := serveFlags(&cfg)
	fs.Parse(args)
	if *file == "" {
		return cfg, cfg.Validate()
	}
	cfg, err := config.Load(*file)
	if err != nil {
		return cfg, err
	}
	fs, _ = serveFlags(&cfg) // the file's values are the flags' defaults now
	fs.Parse(args)
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%s with the flags given: %w", *file, err)
	}
	return cfg, nil
}

// serveFlags binds serve's flags to cfg, each defaulting to cfg's value.
// A repeatable flag given replaces the list it fills.
func serveFlags(cfg *config.Config) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	file := fs.String("config", "", "hub configuration file (JSON, see deploy/hub/hub.json); flags given override it")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (database, recordings)")
	fs.StringVar(&cfg.Store, "store", cfg.Store, "where recordings go: s3://BUCKET?endpoint=http://HOST:PORT&region=R (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); default: pack files in the data directory")
	fs.StringVar(&cfg.Database, "db", cfg.Database, "the hub's database: postgres://USER@HOST:PORT/DB?sslmode=disable, or a SQLite file (default: hub.db in --data)")
	fs.StringVar(&cfg.HTTP.Listen, "http", cfg.HTTP.Listen, "HTTP listen address")
	fs.StringVar(&cfg.MQTT.Listen, "mqtt", cfg.MQTT.Listen, "listen address of the embedded MQTT broker")
	fs.StringVar(&cfg.MQTT.Broker, "mqtt-broker", cfg.MQTT.Broker, "use this external broker (ssl://HOST:PORT; tcp:// with --insecure-dev) instead of the embedded one")
	fs.StringVar(&cfg.MQTT.BrokerCA, "mqtt-broker-ca", cfg.MQTT.BrokerCA, "CA of the external broker's certificate, when not the hub's own CA")
	fs.BoolVar(&cfg.InsecureDev, "insecure-dev", cfg.InsecureDev, "plain HTTP and MQTT, no certificates: only for a demo or test on one closed machine")
	fs.StringVar(&cfg.TLS.Cert, "tls-cert", cfg.TLS.Cert, "server certificate (PEM chain) instead of one made from the hub's CA")
	fs.StringVar(&cfg.TLS.Key, "tls-key", cfg.TLS.Key, "key of --tls-cert")
	fs.StringVar(&cfg.TLS.CACert, "ca-cert", cfg.TLS.CACert, "an operator's CA certificate (PEM) to sign box certificates with, instead of one made on first start")
	fs.StringVar(&cfg.TLS.CAKey, "ca-key", cfg.TLS.CAKey, "key of --ca-cert")
	fs.Func("tls-host", "a name or address of the hub for the server certificate it makes (repeatable; default localhost, 127.0.0.1, ::1 and the host name)", listFlag(&cfg.TLS.Hosts))
	duration(fs, &cfg.HTTP.ReadHeaderTimeout, "read-header-timeout", "drop an HTTP client that has not sent its request headers within this time")
	duration(fs, &cfg.HTTP.BodyTimeout, "body-timeout", "drop an HTTP request whose body has not fully arrived within this time after its headers")
	fs.IntVar(&cfg.HTTP.PerAddr, "http-per-addr", cfg.HTTP.PerAddr, "most HTTP(S) connections one remote address may hold open")
	fs.IntVar(&cfg.HTTP.MaxConns, "http-max-conns", cfg.HTTP.MaxConns, "most HTTP(S) connections in all (0: what the open-file limit leaves after --fd-reserve and the broker's share)")
	fs.IntVar(&cfg.MQTT.PerAddr, "mqtt-per-addr", cfg.MQTT.PerAddr, "most connections to the embedded broker from one remote address (rooms behind one NAT share one)")
	fs.IntVar(&cfg.MQTT.MaxConns, "mqtt-max-conns", cfg.MQTT.MaxConns, "most connections to the embedded broker in all (at most half of what the open-file limit leaves)")
	duration(fs, &cfg.MQTT.ConnectTimeout, "mqtt-connect-timeout", "drop an MQTT client that has not finished its TLS handshake and CONNECT within this time")
	fs.IntVar(&cfg.FDReserve, "fd-reserve", cfg.FDReserve, "open files kept for the hub's own files, never used for connections (0: a tenth of the limit, at least 128)")
	fs.Int64Var(&cfg.Storage.MinFreeBytes, "min-free-bytes", cfg.Storage.MinFreeBytes, "below this much free space on the data directory's disk the hub reports itself degraded and alerts the operator")
	duration(fs, &cfg.HeartbeatTimeout, "heartbeat-timeout", "a room with no message for this long shows offline")
	fs.Func("webhook", "POST every alert change as JSON to this URL (repeatable)", listFlag(&cfg.Webhooks))
	duration(fs, &cfg.Alerts.RaiseAfter, "alert-raise-after", "a problem must hold this long to open an alert")
	duration(fs, &cfg.Alerts.ClearAfter, "alert-clear-after", "and be gone this long to resolve it")
	duration(fs, &cfg.Alerts.Renotify, "alert-renotify", "notify again while an alert is not acknowledged")
	duration(fs, &cfg.Alerts.Backlog, "alert-backlog", "alert when a box's oldest unsent segment is older")
	fs.Float64Var(&cfg.Alerts.DiskDays, "alert-disk-days", cfg.Alerts.DiskDays, "alert when a box's disk lasts fewer days at its current rate")
	duration(fs, &cfg.Alerts.ClockLimit, "alert-clock-limit", "alert when a box's clock is off by more")
	duration(fs, &cfg.AuditHeads.Every, "audit-head-every", "sign the audit log's head into DATA/audit/heads.jsonl this often while the log moves")
	fs.Int64Var(&cfg.AuditHeads.Entries, "audit-head-entries", cfg.AuditHeads.Entries, "and as soon as this many audit entries are not under a signed head")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	return fs, file
}

// duration binds a duration flag to d, defaulting to d's value.
func duration(fs *flag.FlagSet, d *protocol.Duration, name, usage string) {
	fs.DurationVar((*time.Duration)(d), name, time.Duration(*d), usage)
}

// listFlag fills a list from a repeatable flag: the first use replaces
// what the configuration file gave, later ones add.
func listFlag(list *[]string) func(string) error {
	given := false
	return func(v string) error {
		if !given {
			*list, given = nil, true
		}
		*list = append(*list, v)
		return nil
	}
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
