// Package doctor checks a room box the way a technician must before
// leaving the room: each configured device opens and delivers at its rate,
// pictures are neither black nor frozen, the microphone hears something,
// the disk holds the spool budget for some days, the clock agrees with the
// hub's and is synchronised, the hub and its broker answer, the box's
// certificate is valid for a while yet, and the spool is not backed up.
// Each check says ok, warn or fail, and what to do.
package doctor

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/evalroom/evalroom/devices"
	"github.com/evalroom/evalroom/edge/config"
)

// Status is a check's outcome.
type Status string

// Outcomes, from best to worst.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
)

func (s Status) rank() int {
	switch s {
	case Fail:
		return 2
	case Warn:
		return 1
	}
	return 0
}

// Result is one check.
type Result struct {
	Check  string `json:"check"`         // e.g. "device cam1", "disk", "clock"
	Status Status `json:"status"`        // ok, warn or fail
	Detail string `json:"detail"`        // what was found
	Fix    string `json:"fix,omitempty"` // what to do, unless ok
}

// Report is every check, in order, and the worst outcome.
type Report struct {
	Status Status   `json:"status"`
	Checks []Result `json:"checks"`
}

// Failed reports whether any check failed; the command exits non-zero.
func (r Report) Failed() bool { return r.Status == Fail }

// Find returns the check named name.
func (r Report) Find(name string) (Result, bool) {
	for _, c := range r.Checks {
		if c.Check == name {
			return c, true
		}
	}
	return Result{}, false
}

// Options say what to check and with what.
type Options struct {
	Config config.Config
	// Open returns the driver of a configured device (edge/hardware.New in
	// the binary); the doctor opens it and watches it for Watch.
	Open func(config.Device) (devices.Source, error)
	// Watch is how long each device is watched (side by side); default 5 s,
	// enough for a frozen picture (3 s of identical ones) to show.
	Watch time.Duration
	// Now is the box's clock; default time.Now.
	Now func() time.Time
	// Sync reads whether the system clock is synchronised; default the
	// kernel's (adjtimex).
	Sync func() (ClockSync, error)
	// DiskStat returns free and total bytes of the file system holding a
	// path; default statfs.
	DiskStat func(path string) (free, total int64, err error)
	// Timeout bounds each network check; default 5 s.
	Timeout time.Duration
	Logger  *slog.Logger
}

func (o *Options) defaults() {
	if o.Watch <= 0 {
		o.Watch = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sync == nil {
		o.Sync = kernelSync
	}
	if o.DiskStat == nil {
		o.DiskStat = statFS
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Run runs every check and returns the report.
func Run(ctx context.Context, opts Options) Report {
	opts.defaults()
	var rep Report
	// Devices side by side: each is watched for the same time.
	devs := make([]deviceResult, len(opts.Config.Devices))
	var wg sync.WaitGroup
	for i, d := range opts.Config.Devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			devs[i] = checkDevice(ctx, opts, d)
		}()
	}
	wg.Wait()
	var bytesPerSec float64
	for _, d := range devs {
		rep.Checks = append(rep.Checks, d.results...)
		bytesPerSec += d.bytesPerSec
	}
	rep.Checks = append(rep.Checks, checkDisk(opts, bytesPerSec))
	id := loadIdentity(opts)
	rep.Checks = append(rep.Checks, id.certResult(opts))
	hub := checkHub(ctx, opts, id)
	rep.Checks = append(rep.Checks, hub.results...)
	rep.Checks = append(rep.Checks, checkSync(opts), checkBroker(ctx, opts, id.tls), checkSpool(opts))
	for _, c := range rep.Checks {
		if c.Status.rank() > rep.Status.rank() {
			rep.Status = c.Status
		}
	}
	if rep.Status == "" {
		rep.Status = OK
	}
	return rep
}

// identity is what the box knows of itself and its hub.
type identity struct {
	enrolled bool
	hub      string      // the hub's base URL
	tls      *tls.Config // nil for a hub without certificates
	problem  *Result     // why the certificate check cannot pass
}

func httpClient(id identity, timeout time.Duration) *http.Client {
	tr := &http.Transport{TLSClientConfig: id.tls, DisableKeepAlives: true}
	return &http.Client{Transport: tr, Timeout: timeout}
}

func fail(check, fix, format string, args ...any) Result {
	return Result{Check: check, Status: Fail, Detail: fmt.Sprintf(format, args...), Fix: fix}
}

func warn(check, fix, format string, args ...any) Result {
	return Result{Check: check, Status: Warn, Detail: fmt.Sprintf(format, args...), Fix: fix}
}

func ok(check, format string, args ...any) Result {
	return Result{Check: check, Status: OK, Detail: fmt.Sprintf(format, args...)}
}

// bytes says a size for a person.
func bytes(n float64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", n/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", n/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", n/(1<<10))
	}
	return fmt.Sprintf("%.0f B", n)
}
