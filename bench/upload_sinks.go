package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/evalroom/evalroom/edge/uploader"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/protocol/prototest"
)

const shutdownTimeout = 5 * time.Second

// hubSink starts a real hub on loopback and enrolls the bench room with
// prototest.Signer's key, the way an operator and a box would.
func hubSink(ctx context.Context, dir, store string, streams []string, log *slog.Logger) (*sink, error) {
	// The hub's background work (alert engine) lives as long as hctx.
	hctx, hcancel := context.WithCancel(ctx)
	h, err := server.Start(hctx, server.Config{DataDir: filepath.Join(dir, "hub"), Store: store, HTTP: "127.0.0.1:0", MQTT: "127.0.0.1:0", Insecure: true}, log)
	if err != nil {
		hcancel()
		return nil, fmt.Errorf("start hub: %w", err)
	}
	stop := func() error {
		defer hcancel()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		return h.Shutdown(sctx)
	}
	st := h.Store()
	err = st.CreateRoom(ctx, benchRoom, "Bench room")
	var tok string
	if err == nil {
		tok, _, err = st.IssueToken(ctx, benchRoom, time.Hour)
	}
	if err == nil {
		_, err = st.Enroll(ctx, tok, prototest.Signer.PublicKey().String())
	}
	if err != nil {
		stop()
		return nil, fmt.Errorf("enroll the bench room: %w", err)
	}
	stored := func(ctx context.Context) (int64, error) {
		var n, verified int64
		from, to := prototest.T0.Add(-time.Hour), prototest.T0.Add(24*365*time.Hour)
		for _, s := range streams {
			segs, err := st.Segments(ctx, benchRoom, s, from, to, 1<<30)
			if err != nil {
				return 0, err
			}
			for _, seg := range segs {
				n++
				if seg.Verified {
					verified++
				}
			}
		}
		if verified != n {
			return n, fmt.Errorf("hub stored %d segments but verified the chain of only %d", n, verified)
		}
		return n, nil
	}
	return &sink{url: "http://" + h.HTTPAddr(), stored: stored, close: stop}, nil
}

// bareSink is a plain net/http PUT server on loopback that answers with the
// ack the uploader expects. With keep it writes each body to a new file and
// fsyncs it first; without, it discards the body.
func bareSink(dir string, keep bool) (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /api/v1/ingest/{room}/{stream}/{seq}", func(w http.ResponseWriter, r *http.Request) {
		var err error
		if keep {
			err = storeBody(dir, r.Body)
		} else {
			_, err = io.Copy(io.Discard, r.Body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(uploader.Ack{Stored: true, Hash: r.Header.Get("X-Evalroom-Hash")})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("bare PUT server stopped", "component", "bench", "err", err)
		}
	}()
	return &sink{
		url:    "http://" + ln.Addr().String(),
		stored: func(context.Context) (int64, error) { return n.Load(), nil },
		close: func() error {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			return srv.Shutdown(ctx)
		},
	}, nil
}

func storeBody(dir string, body io.Reader) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "seg-*")
	if err != nil {
		return err
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
