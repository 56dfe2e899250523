package bench

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/evalroom/evalroom/simulators/camera"
)

// liveThroughRelay is the delay baseline: a bare HTTP server whose handler
// reads the simulated camera and writes each frame as a multipart part the
// moment it is captured.
func liveThroughRelay(ctx context.Context, cfg Config) (Sample, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /live/{stream}", func(w http.ResponseWriter, r *http.Request) {
		cam := camera.New(liveCamera(cfg, r.PathValue("stream")), nil)
		defer cam.Close()
		rc := startMJPEG(w)
		for seq := uint64(0); ; seq++ {
			f, err := cam.Read(r.Context())
			if err != nil {
				return
			}
			if writePart(w, f.Time.UnixNano(), seq, f.Data) != nil || rc.Flush() != nil {
				return
			}
		}
	})
	base, stop, err := serveLoopback(mux)
	if err != nil {
		return Sample{}, err
	}
	defer stop()
	return watchAll(ctx, cfg, "", func(stream string) string { return base + "/live/" + stream })
}

// liveCamera is the simulated camera of stream in the live measurements.
func liveCamera(cfg Config, stream string) camera.Config {
	return camera.Config{Room: liveRoom, Stream: stream, Width: cfg.LiveWidth, Height: cfg.LiveHeight, FPS: cfg.LiveFPS}
}

// startMJPEG sends the headers of a multipart/x-mixed-replace response, as
// the hub does.
func startMJPEG(w http.ResponseWriter) *http.ResponseController {
	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+relayBoundary)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	rc.Flush()
	return rc
}

// serveLoopback serves h on a free loopback port until stop.
func serveLoopback(h http.Handler) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("bench relay stopped", "component", "bench", "err", err)
		}
	}()
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
