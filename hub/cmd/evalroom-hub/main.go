// Command evalroom-hub runs the central service.
//
//	evalroom-hub serve --data DIR --http ADDR --mqtt ADDR [--mqtt-broker tcp://HOST:PORT]
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

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/health"
	"github.com/evalroom/evalroom/hub/server"
)

const usage = `usage:
  evalroom-hub serve [--data DIR] [--http ADDR] [--mqtt ADDR] [--mqtt-broker tcp://HOST:PORT]
  evalroom-hub room add [--data DIR] --id ID --name NAME   (prints a one-time enrollment token)
        [--jurisdiction CODE --jurisdiction-name NAME] [--agency ID --agency-name NAME]
  evalroom-hub room set [--data DIR] --id ID [--name NAME] [--jurisdiction CODE|-] [--jurisdiction-name NAME]
        [--agency ID|-] [--agency-name NAME]              (changes a room; - clears)
  evalroom-hub room list [--data DIR] [--jurisdiction CODE|-] [--agency ID|-]
  evalroom-hub audit verify [--data DIR] [--heads FILE] [--key FILE]
        (checks the audit log's hash chain against its signed heads; --heads: a copy kept elsewhere, repeatable)
  evalroom-hub evidence export [--data DIR] --room ROOM --from TIME --to TIME --out FILE [--by NAME]
  evalroom-hub verify-evidence [--faults-only] FILE         (checks an evidence file offline)
  evalroom-hub user add [--data DIR] --username U --role ROLE [--scope S] [--name N] [--password-stdin]
  evalroom-hub user passwd [--data DIR] --username U [--password-stdin]   (new password, unlocks)
  evalroom-hub token create [--data DIR] --role ROLE [--scope S] [--name N] [--ttl D]   (prints a bearer token)
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
	var cfg server.Config
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	fs.StringVar(&cfg.DataDir, "data", "./var/hub", "data directory (database, recordings)")
	fs.StringVar(&cfg.HTTP, "http", "127.0.0.1:8080", "HTTP listen address")
	fs.StringVar(&cfg.MQTT, "mqtt", "127.0.0.1:1883", "listen address of the embedded MQTT broker")
	fs.StringVar(&cfg.Broker, "mqtt-broker", "", "use this external broker (ssl://HOST:PORT; tcp:// with --insecure-dev) instead of the embedded one")
	fs.StringVar(&cfg.BrokerCA, "mqtt-broker-ca", "", "CA of the external broker's certificate, when not the hub's own CA")
	fs.BoolVar(&cfg.Insecure, "insecure-dev", false, "plain HTTP and MQTT, no certificates: only for a demo or test on one closed machine")
	fs.StringVar(&cfg.TLS.Cert, "tls-cert", "", "server certificate (PEM chain) instead of one made from the hub's CA")
	fs.StringVar(&cfg.TLS.Key, "tls-key", "", "key of --tls-cert")
	fs.StringVar(&cfg.TLS.CACert, "ca-cert", "", "an operator's CA certificate (PEM) to sign box certificates with, instead of one made on first start")
	fs.StringVar(&cfg.TLS.CAKey, "ca-key", "", "key of --ca-cert")
	fs.Func("tls-host", "a name or address of the hub for the server certificate it makes (repeatable; default localhost, 127.0.0.1, ::1 and the host name)", func(h string) error {
		cfg.TLS.Hosts = append(cfg.TLS.Hosts, h)
		return nil
	})
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "drop an HTTP client that has not sent its request headers within this time")
	fs.DurationVar(&cfg.BodyTimeout, "body-timeout", 60*time.Second, "drop an HTTP request whose body has not fully arrived within this time after its headers")
	fs.IntVar(&cfg.HTTPPerAddr, "http-per-addr", 128, "most HTTP(S) connections one remote address may hold open")
	fs.IntVar(&cfg.HTTPMaxConns, "http-max-conns", 0, "most HTTP(S) connections in all (0: what the open-file limit leaves after --fd-reserve and the broker's share)")
	fs.IntVar(&cfg.MQTTPerAddr, "mqtt-per-addr", 64, "most connections to the embedded broker from one remote address (rooms behind one NAT share one)")
	fs.IntVar(&cfg.MQTTMaxConns, "mqtt-max-conns", 2048, "most connections to the embedded broker in all (at most half of what the open-file limit leaves)")
	fs.DurationVar(&cfg.MQTTConnectTimeout, "mqtt-connect-timeout", 10*time.Second, "drop an MQTT client that has not finished its TLS handshake and CONNECT within this time")
	fs.IntVar(&cfg.FDReserve, "fd-reserve", 0, "open files kept for the hub's own files, never used for connections (0: a tenth of the limit, at least 128)")
	fs.Int64Var(&cfg.MinFreeBytes, "min-free-bytes", health.DefaultMinFree, "below this much free space on the data directory's disk the hub reports itself degraded and alerts the operator")
	fs.DurationVar(&cfg.HeartbeatTimeout, "heartbeat-timeout", 20*time.Second, "a room with no message for this long shows offline")
	fs.Func("webhook", "POST every alert change as JSON to this URL (repeatable)", func(u string) error {
		cfg.Webhooks = append(cfg.Webhooks, u)
		return nil
	})
	fs.DurationVar(&cfg.Alerts.RaiseAfter, "alert-raise-after", 2*time.Second, "a problem must hold this long to open an alert")
	fs.DurationVar(&cfg.Alerts.ClearAfter, "alert-clear-after", 10*time.Second, "and be gone this long to resolve it")
	fs.DurationVar(&cfg.Alerts.Renotify, "alert-renotify", 15*time.Minute, "notify again while an alert is not acknowledged")
	fs.DurationVar(&cfg.Alerts.Backlog, "alert-backlog", 5*time.Minute, "alert when a box's oldest unsent segment is older")
	fs.Float64Var(&cfg.Alerts.DiskDays, "alert-disk-days", 2, "alert when a box's disk lasts fewer days at its current rate")
	fs.DurationVar(&cfg.Alerts.ClockLimit, "alert-clock-limit", 2*time.Second, "alert when a box's clock is off by more")
	fs.DurationVar(&cfg.AuditHeads.Every, "audit-head-every", audit.DefaultHeadEvery, "sign the audit log's head into DATA/audit/heads.jsonl this often while the log moves")
	fs.Int64Var(&cfg.AuditHeads.Entries, "audit-head-entries", audit.DefaultHeadEntries, "and as soon as this many audit entries are not under a signed head")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	fs.Parse(args)
	log := newLogger(*level)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Insecure {
		log.Warn("plain HTTP and MQTT without certificates (--insecure-dev): anyone on the network can read and send; use it only on one closed machine")
	}
	h, err := server.Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return h.Shutdown(sctx)
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
