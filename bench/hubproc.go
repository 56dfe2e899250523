package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// hubStartTimeout bounds the wait for a hub process to answer /healthz;
// hubStopTimeout its shutdown after SIGTERM (it gives itself 10 s).
const (
	hubStartTimeout = 30 * time.Second
	hubStopTimeout  = 15 * time.Second
)

// hubPackage is the hub's command, built when no binary is given.
const hubPackage = "github.com/evalroom/evalroom/hub/cmd/evalroom-hub"

// hubBinary is the real evalroom-hub binary: the one given (-hub-bin), or
// built once per bench run into the run's temp dir.
type hubBinary struct {
	path string
	dir  string
	once sync.Once
	err  error
}

func (b *hubBinary) get(ctx context.Context) (string, error) {
	b.once.Do(func() {
		if b.path != "" {
			_, b.err = os.Stat(b.path)
			return
		}
		out := filepath.Join(b.dir, "evalroom-hub")
		msg, err := exec.CommandContext(ctx, "go", "build", "-o", out, hubPackage).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build %s (or give a built one with -hub-bin): %w: %s", hubPackage, err, strings.TrimSpace(string(msg)))
			return
		}
		b.path = out
	})
	return b.path, b.err
}

// hubProc is a running evalroom-hub process on loopback.
type hubProc struct {
	cmd     *exec.Cmd
	url     string // http://host:port
	mqtt    string // host:port of its embedded broker
	logPath string
	// opToken is an operator's API token (rooms, metrics), viewToken a
	// regulator's of every jurisdiction (live pictures).
	opToken, viewToken string
	done               chan struct{} // closed once it has exited
	waitErr            error
}

// startHubProc runs `evalroom-hub serve` with its data under dir and waits
// until it answers /healthz. A port found free can be taken by another
// process before the hub binds it: then it tries again with other ports.
func startHubProc(ctx context.Context, bin, dir string) (*hubProc, error) {
	var err error
	for range 3 {
		var h *hubProc
		if h, err = startHubOnce(ctx, bin, dir); err == nil || !strings.Contains(err.Error(), "address already in use") {
			return h, err
		}
	}
	return nil, err
}

func startHubOnce(ctx context.Context, bin, dir string) (*hubProc, error) {
	httpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	mqttAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	h := &hubProc{url: "http://" + httpAddr, mqtt: mqttAddr, logPath: filepath.Join(dir, "hub.log"), done: make(chan struct{})}
	logf, err := os.Create(h.logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child holds its own copy
	h.cmd = exec.Command(bin, "serve", "--data", filepath.Join(dir, "hub"), "--http", httpAddr, "--mqtt", mqttAddr, "--log-level", "warn", "--insecure-dev")
	h.cmd.Stdout, h.cmd.Stderr = logf, logf
	if err := h.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		h.waitErr = h.cmd.Wait()
		close(h.done)
	}()
	if err := h.waitHealthy(ctx); err != nil {
		h.stop()
		return nil, err
	}
	data := filepath.Join(dir, "hub")
	if h.opToken, err = hubToken(ctx, bin, data, "operator", ""); err == nil {
		h.viewToken, err = hubToken(ctx, bin, data, "regulator", "*")
	}
	if err != nil {
		h.stop()
		return nil, err
	}
	return h, nil
}

func (h *hubProc) pid() int { return h.cmd.Process.Pid }

func (h *hubProc) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, hubStartTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"/healthz", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-h.done:
			return fmt.Errorf("hub exited at start (%v): %s", h.waitErr, h.logTail())
		case <-ctx.Done():
			return fmt.Errorf("hub did not answer %s/healthz: %w", h.url, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop asks the hub to shut down (SIGTERM) and kills it if it has not
// exited within hubStopTimeout.
func (h *hubProc) stop() error {
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.done:
	case <-time.After(hubStopTimeout):
		h.cmd.Process.Kill()
		<-h.done
		return fmt.Errorf("hub did not stop within %v of SIGTERM; killed: %s", hubStopTimeout, h.logTail())
	}
	var ee *exec.ExitError
	if errors.As(h.waitErr, &ee) {
		return fmt.Errorf("hub exited with %v: %s", h.waitErr, h.logTail())
	}
	return h.waitErr
}

// stopHub stops h and logs what went wrong doing so, and a slow stop.
func stopHub(h *hubProc, log *slog.Logger) {
	start := time.Now()
	if err := h.stop(); err != nil {
		log.Warn("hub process did not stop cleanly", "component", "bench", "err", err)
	} else if d := time.Since(start); d > shutdownTimeout {
		log.Warn("hub process took long to stop", "component", "bench", "took", d.Round(time.Millisecond), "log", h.logTail())
	}
}

// boxLogger is the log of simulated boxes: warnings and errors only, as
// every run connects and stops them.
func boxLogger(log *slog.Logger) *slog.Logger {
	return slog.New(quieter{log.Handler(), slog.LevelWarn})
}

// logTail is the end of the hub's log, for error messages.
func (h *hubProc) logTail() string {
	b, _ := os.ReadFile(h.logPath)
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return strings.TrimSpace(string(b))
}

// freeAddr is a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// hubToken makes an API token with the hub's own command, as an operator
// would.
func hubToken(ctx context.Context, bin, data, role, scope string) (string, error) {
	args := []string{"token", "create", "--data", data, "--role", role, "--name", "bench-" + role}
	if scope != "" {
		args = append(args, "--scope", scope)
	}
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		return "", fmt.Errorf("evalroom-hub token create --role %s: %w", role, err)
	}
	return strings.TrimSpace(string(out)), nil
}
