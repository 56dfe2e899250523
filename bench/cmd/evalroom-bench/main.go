// Command evalroom-bench measures the spool, the upload path, the hub's
// status ingest and the live path (delay, hub cost per watched stream)
// against baselines in one run and prints the ratios.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/evalroom/evalroom/bench"
)

func main() {
	os.Exit(run())
}

func run() int {
	quick := flag.Bool("quick", false, "smoke run: a fraction of the work, one round")
	jsonPath := flag.String("json", "", "also write the results as JSON to `FILE`")
	only := flag.String("only", "", "comma-separated measurements to run: spool, upload, status, live, hubcost (default all)")
	rounds := flag.Int("rounds", 0, "runs of each variant; the median is reported (default 3, 1 with -quick)")
	tmp := flag.String("tmp", "", "parent `DIR` of the temp dirs (default $TMPDIR or /tmp)")
	strict := flag.Bool("strict", false, "exit 1 when a target is missed, not only on failures")
	verbose := flag.Bool("v", false, "log each run")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `FILE`")
	uploadStore := flag.String("upload-store", "", "also drain uploads into a hub with --store `URL` (s3://BUCKET?endpoint=…) and compare it with pack files")
	hubBin := flag.String("hub-bin", "", "evalroom-hub `BINARY` for the live measurements (default: go build it)")
	flag.Parse()

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg := bench.Defaults()
	if *quick {
		cfg = bench.Quick()
	}
	if *rounds > 0 {
		cfg.Rounds = *rounds
	}
	cfg.TempDir = *tmp
	cfg.HubBin = *hubBin
	cfg.UploadStore = *uploadStore
	if *only != "" {
		cfg.Only = strings.Split(*only, ",")
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "evalroom-bench:", err)
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "evalroom-bench:", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "evalroom-bench:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, cfg, log)
	if rep != nil {
		bench.Print(os.Stdout, rep)
		if *jsonPath != "" {
			if jerr := bench.WriteJSON(*jsonPath, rep); jerr != nil {
				fmt.Fprintln(os.Stderr, "evalroom-bench:", jerr)
				return 1
			}
		}
	}
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "evalroom-bench:", err)
		return 1
	case rep.Failed(), *strict && rep.Missed():
		return 1
	}
	return 0
}
