// Command evalroom-sim runs N complete simulated rooms: real edge agents,
// each with its own key, spool and enrollment, fed by simulated cameras and
// microphones.
//
//	evalroom-sim --hub URL --mqtt ADDR --rooms N --data DIR [--control ADDR] [--metrics ADDR] [--key-alg ed25519|sm2]
//	evalroom-sim workflow --hub URL --cast FILE [--ca FILE]   (one open tender part-way through, by the cast's people)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/evalroom/evalroom/simulators/room"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "evalroom-sim:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) > 1 && os.Args[1] == "workflow" {
		return seedWorkflow(os.Args[2:])
	}
	hub := flag.String("hub", "http://127.0.0.1:8080", "hub base URL")
	mqtt := flag.String("mqtt", "127.0.0.1:1883", "MQTT broker host:port")
	n := flag.Int("rooms", 3, "number of rooms")
	data := flag.String("data", "./var/sim", "data directory; one folder per room")
	control := flag.String("control", "", "listen address of the control endpoint (faults, network)")
	metrics := flag.String("metrics", "", "listen address for /metrics")
	cams := flag.Int("cameras", 2, "cameras per room")
	mics := flag.Int("mics", 1, "microphones per room")
	width := flag.Int("width", 640, "camera picture width")
	height := flag.Int("height", 360, "camera picture height")
	fps := flag.Int("fps", 10, "camera frames per second")
	segment := flag.Duration("segment", 2*time.Second, "segment length")
	keyAlg := flag.String("key-alg", "ed25519", "box key algorithm of new rooms: ed25519, or sm2 (SM2 with SM3)")
	token := flag.String("token", os.Getenv("EVALROOM_TOKEN"), "an operator's API token for creating the rooms at the hub (evalroom-hub token create --role operator); default $EVALROOM_TOKEN")
	caFile := flag.String("ca", "", "the hub's CA certificate (PEM; the hub keeps it in DATA/tls/ca.pem) when the hub serves HTTPS")
	budget := flag.Int64("spool-budget", 0, "spool budget per room in bytes (0 = agent default)")
	report := flag.Duration("report", 5*time.Second, "health and telemetry interval")
	level := flag.String("log-level", "info", "debug, info, warn or error (debug logs every recorded segment)")
	owners := flag.Bool("owners", true, "give the rooms jurisdictions and agencies at the hub (two of each, spread over the rooms)")
	flag.Parse()
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	if *n < 1 || *n > 1000 {
		return errors.New("--rooms must be 1 to 1000")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	reg := prometheus.NewRegistry()
	rooms := map[string]*room.Room{}
	for i := 1; i <= *n; i++ {
		id := fmt.Sprintf("room-%d", i)
		cfg := room.Config{
			ID: id, Name: fmt.Sprintf("第%d评标室", i), Hub: *hub, MQTT: *mqtt, DataDir: room.Dir(*data, id),
			Cameras: *cams, Mics: *mics, Width: *width, Height: *height, FPS: *fps, Segment: *segment, Budget: *budget, Report: *report,
			KeyAlg: *keyAlg,
			CAFile: *caFile, Token: *token,
		}
		if *owners {
			cfg.Owner = ownerOf(i)
		}
		r, err := room.New(ctx, cfg, log, reg, nil)
		if err != nil {
			return fmt.Errorf("room %s: %w (is the hub running at %s?)", id, err, *hub)
		}
		rooms[id] = r
	}
	var servers []*http.Server
	if *control != "" {
		servers = append(servers, listen(*control, room.Control(rooms), log))
	}
	if *metrics != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		servers = append(servers, listen(*metrics, mux, log))
	}
	log.Info("simulated rooms running", "rooms", *n, "hub", *hub, "mqtt", *mqtt, "control", *control)
	var wg sync.WaitGroup
	for _, r := range rooms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Agent.Run(ctx); err != nil {
				log.Error("room stopped with an error", "room", r.ID, "err", err)
			}
		}()
	}
	<-ctx.Done()
	for _, s := range servers {
		s.Close()
	}
	wg.Wait()
	return nil
}

func listen(addr string, h http.Handler, log *slog.Logger) *http.Server {
	s := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := s.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("listener stopped", "addr", addr, "err", err)
		}
	}()
	return s
}
