// Command evalroom-edge is the room box agent.
//
//	evalroom-edge enroll --hub URL --token TOKEN --ca-pin sha256:HEX [--data DIR] [--key-alg ed25519|sm2]
//	evalroom-edge run --config FILE
//	evalroom-edge devices [--json]
//	evalroom-edge doctor --config FILE [--json] [--watch 5s]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/devices/alsa"
	"github.com/evalroom/evalroom/devices/v4l2"
	"github.com/evalroom/evalroom/edge/agent"
	"github.com/evalroom/evalroom/edge/config"
	"github.com/evalroom/evalroom/edge/doctor"
	"github.com/evalroom/evalroom/edge/hardware"
	"github.com/evalroom/evalroom/edge/identity"
)

const usage = `usage:
  evalroom-edge enroll --hub URL --token TOKEN --ca-pin sha256:HEX [--data DIR] [--key-alg ed25519|sm2]
  evalroom-edge run --config FILE
  evalroom-edge devices [--json]     cameras and microphones on this machine, with the config lines to record them
  evalroom-edge doctor --config FILE [--json] [--watch 5s]
                                     every check before leaving the room; exit status 1 on any fail
`

var version = "dev"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "enroll":
		err = enroll(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	case "devices":
		err = listDevices(os.Args[2:])
	case "doctor":
		err = runDoctor(os.Args[2:], os.Stdout)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalroom-edge:", err)
		os.Exit(1)
	}
}

func enroll(args []string) error {
	fs := flag.NewFlagSet("enroll", flag.ExitOnError)
	hub := fs.String("hub", "", "hub base URL, e.g. https://hub.example.gov.cn")
	tok := fs.String("token", "", "one-time enrollment token from the hub")
	data := fs.String("data", config.Default().DataDir, "data directory of the agent")
	alg := fs.String("key-alg", "", "algorithm of a new box key: ed25519 or sm2 (SM2 with SM3, where national algorithms are required); the same as key_algorithm in the agent's config. Default: the existing key's, or ed25519")
	var trust identity.Trust
	fs.StringVar(&trust.CAPin, "ca-pin", "", "sha256 pin of the hub's CA, as printed by `evalroom-hub room add`")
	fs.StringVar(&trust.CAFile, "ca", "", "the hub's CA certificate (PEM file), instead of --ca-pin")
	fs.Parse(args)
	if *hub == "" || *tok == "" {
		return errors.New("enroll needs --hub and --token (ask the operator for a token for this room)")
	}
	signer, err := identity.LoadOrCreateKeyAlg(*data, *alg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := identity.Enroll(ctx, &http.Client{}, *hub, *tok, *data, signer, trust)
	if err != nil {
		return err
	}
	fmt.Printf("enrolled as room %s (%s) with %s key %s\n", e.Room, e.Name, signer.PublicKey().Alg, signer.PublicKey().ID())
	return nil
}

func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	path := fs.String("config", "/etc/evalroom/edge.json", "configuration file")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	fs.Parse(args)
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	devs := devices.NewRegistry()
	sources := hardware.Open(ctx, cfg.Devices, devs, log)
	a, err := agent.New(agent.Options{Config: cfg, Sources: sources, Registry: devs, Logger: log, Version: version, Registerer: reg})
	if err != nil {
		return err
	}
	if cfg.Metrics != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		srv := &http.Server{Addr: cfg.Metrics, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go srv.ListenAndServe()
		defer srv.Close()
	}
	return a.Run(ctx)
}

// listDevices prints the cameras and microphones found, each with the
// device line for the box's configuration; --json prints them for tools.
func listDevices(args []string) error {
	fs := flag.NewFlagSet("devices", flag.ExitOnError)
	asJSON := fs.Bool("json", false, "print JSON: {\"cameras\": [...], \"microphones\": [...], \"problems\": [...]}")
	fs.Parse(args)
	cams, err := v4l2.List()
	problems := []string{}
	if err != nil {
		problems = strings.Split(err.Error(), "\n")
	}
	mics, err := alsa.List()
	if err != nil {
		problems = append(problems, err.Error())
	}
	if *asJSON {
		type camera struct {
			v4l2.Found
			Config string `json:"config"`
		}
		type microphone struct {
			alsa.Found
			Config string `json:"config"`
		}
		out := struct {
			Cameras     []camera     `json:"cameras"`
			Microphones []microphone `json:"microphones"`
			Problems    []string     `json:"problems"`
		}{Cameras: []camera{}, Microphones: []microphone{}, Problems: problems}
		for i, c := range cams {
			out.Cameras = append(out.Cameras, camera{c, c.ConfigLine(fmt.Sprintf("cam%d", i+1))})
		}
		for i, m := range mics {
			out.Microphones = append(out.Microphones, microphone{m, m.ConfigLine(fmt.Sprintf("mic%d", i+1))})
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(cams) == 0 {
		fmt.Println("no cameras found (none plugged in, or their driver not loaded: lsusb, dmesg)")
	}
	var lines []string
	for i, c := range cams {
		fmt.Print(c.String())
		if len(c.Formats) > 0 {
			lines = append(lines, "    "+c.ConfigLine(fmt.Sprintf("cam%d", i+1)))
		}
	}
	if len(mics) == 0 {
		fmt.Println("no microphones found (none plugged in, or their driver not loaded: lsusb, dmesg, cat /proc/asound/cards)")
	}
	for i, m := range mics {
		fmt.Print(m.String())
		lines = append(lines, "    "+m.ConfigLine(fmt.Sprintf("mic%d", i+1)))
	}
	if len(lines) > 0 {
		fmt.Printf("\nin \"devices\" of the config (%s):\n%s\n", "/etc/evalroom/edge.json", strings.Join(lines, ",\n"))
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "problem:", p)
	}
	return nil
}

// errDoctorFailed is what doctor returns when a check failed: the exit
// status is 1 and the checks above say what to do.
var errDoctorFailed = errors.New("doctor: a check failed: see FAIL above and do what it says, then run doctor again")

// runDoctor runs every check of the box as the config describes it and
// prints them, as text or (--json) for tools.
func runDoctor(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ExitOnError)
	path := fs.String("config", "/etc/evalroom/edge.json", "configuration file")
	asJSON := fs.Bool("json", false, `print JSON: {"status": "ok|warn|fail", "checks": [{"check", "status", "detail", "fix"}]}`)
	watch := fs.Duration("watch", 5*time.Second, "how long each device is watched")
	fs.Parse(args)
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := doctor.Run(ctx, doctor.Options{
		Config: cfg, Watch: *watch, Logger: log,
		Open: func(d config.Device) (devices.Source, error) { return hardware.New(d, log) },
	})
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, c := range rep.Checks {
			fmt.Fprintf(stdout, "%-5s %-14s %s\n", strings.ToUpper(string(c.Status)), c.Check, c.Detail)
			if c.Fix != "" {
				fmt.Fprintf(stdout, "      %-14s → %s\n", "", c.Fix)
			}
		}
		fmt.Fprintf(stdout, "\n%s\n", strings.ToUpper(string(rep.Status)))
	}
	if rep.Failed() {
		return errDoctorFailed
	}
	return nil
}
