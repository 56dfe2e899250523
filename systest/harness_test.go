package systest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/pki"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
	"github.com/evalroom/evalroom/hub/store"
	"github.com/evalroom/evalroom/internal/bearer"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/room"
)

func logger(t *testing.T) *slog.Logger {
	if os.Getenv("EVALROOM_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// anyPort lets the hub pick free loopback ports itself; start records the
// ones it got, so that a restarted hub comes back on the same ports.
const anyPort = "127.0.0.1:0"

// freeAddr returns a loopback address nobody listens on right now (for
// servers that need a port named in advance, such as mosquitto).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type hubEnv struct {
	t *testing.T
	// Tokens made at the first start: an operator's (rooms, metrics) and a
	// regulator's for every jurisdiction (recordings, live, alerts, audit).
	opToken, regToken string
	cfg               server.Config
	hub               *server.Hub
	log               *slog.Logger
	ctx               context.Context
	stop              context.CancelFunc
	// transport is shared by every client of the test, as a browser or a
	// script keeps its connections: a new transport per request would
	// leave idle connections behind until the hub's per-address cap
	// refused the next.
	trMu      sync.Mutex
	transport *http.Transport
}

func startHub(t *testing.T) *hubEnv {
	t.Helper()
	return startHubWith(t, nil)
}

// startHubWith starts a hub as startHub does, with its configuration
// changed by opts first.
func startHubWith(t *testing.T, opts func(*server.Config)) *hubEnv {
	t.Helper()
	e := &hubEnv{t: t, log: logger(t), cfg: server.Config{
		DataDir: t.TempDir(), HTTP: anyPort, MQTT: anyPort, HeartbeatTimeout: 6 * time.Second,
	}}
	if opts != nil {
		opts(&e.cfg)
	}
	e.start()
	t.Cleanup(e.shutdown)
	return e
}

func (e *hubEnv) start() {
	e.t.Helper()
	e.ctx, e.stop = context.WithCancel(context.Background())
	if e.cfg.Database == "" {
		e.cfg.Database = sqldbtest.For(e.t, e.cfg.DataDir) // PostgreSQL when the run names one
	}
	h, err := server.Start(e.ctx, e.cfg, e.log)
	if err != nil {
		e.t.Fatal(err)
	}
	e.hub = h
	e.cfg.HTTP = h.HTTPAddr()
	if e.cfg.Broker == "" {
		e.cfg.MQTT = h.MQTTAddr()
	}
	if e.opToken == "" {
		st := h.Store()
		if e.opToken, err = st.CreateAPIToken(e.ctx, store.APIToken{Name: "systest-operator", Role: string(auth.Operator)}, 0); err != nil {
			e.t.Fatal(err)
		}
		if e.regToken, err = st.CreateAPIToken(e.ctx, store.APIToken{Name: "systest-regulator", Role: string(auth.Regulator), Scope: auth.AllJurisdictions}, 0); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *hubEnv) shutdown() {
	if e.hub == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.hub.Shutdown(ctx)
	e.stop()
	e.hub = nil
}

func (e *hubEnv) url() string {
	if e.cfg.Insecure {
		return "http://" + e.cfg.HTTP
	}
	return "https://" + e.cfg.HTTP
}

// caFile is the hub's CA certificate, which boxes and clients trust; ""
// for a hub run insecure.
func (e *hubEnv) caFile() string {
	if e.cfg.Insecure {
		return ""
	}
	return filepath.Join(e.cfg.DataDir, "tls", pki.CAFile)
}

// client is an HTTP client that trusts the hub's CA and acts as a
// regulator of every jurisdiction.
func (e *hubEnv) client() *http.Client { return e.clientAs(e.regToken) }

// clientAs is an HTTP client that trusts the hub's CA and sends token.
func (e *hubEnv) clientAs(token string) *http.Client {
	e.t.Helper()
	e.trMu.Lock()
	defer e.trMu.Unlock()
	if e.transport == nil {
		tr := &http.Transport{MaxIdleConnsPerHost: 16}
		if !e.cfg.Insecure {
			pem, err := os.ReadFile(e.caFile())
			if err != nil {
				e.t.Fatal(err)
			}
			roots := x509.NewCertPool()
			roots.AppendCertsFromPEM(pem)
			tr.TLSClientConfig = &tls.Config{RootCAs: roots}
		}
		e.transport = tr
		e.t.Cleanup(tr.CloseIdleConnections)
	}
	return &http.Client{Transport: bearer.Transport(token, e.transport)}
}

// ledger remembers every record the agents reported durable in their spools.
type ledger struct {
	mu   sync.Mutex
	segs map[string]map[uint64]string // room/stream -> seq -> hash
}

func newLedger() *ledger { return &ledger{segs: map[string]map[uint64]string{}} }

func (l *ledger) add(seg *protocol.Segment) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := seg.Header.Room + "/" + seg.Header.Stream
	if l.segs[k] == nil {
		l.segs[k] = map[uint64]string{}
	}
	l.segs[k][seg.Header.Seq] = seg.Hash()
}

func (l *ledger) snapshot() map[string]map[uint64]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]map[uint64]string{}
	for k, m := range l.segs {
		out[k] = map[uint64]string{}
		for s, h := range m {
			out[k][s] = h
		}
	}
	return out
}

type rooms struct {
	dir    string // the rooms' data directories are room.Dir(dir, id)
	list   []*room.Room
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// keyAlg is the box key algorithm of the simulated rooms:
// $EVALROOM_KEY_ALG (ed25519 or sm2), so the same tests run with either;
// ed25519 when unset.
func keyAlg() string {
	if v := os.Getenv("EVALROOM_KEY_ALG"); v != "" {
		return v
	}
	return protocol.AlgEd25519
}

// startRooms runs n small simulated rooms against the hub.
func startRooms(t *testing.T, e *hubEnv, n int, l *ledger) *rooms {
	t.Helper()
	return startRoomsBudget(t, e, n, l, 0)
}

// startRoomsBudget runs rooms whose spools hold at most budget bytes.
func startRoomsBudget(t *testing.T, e *hubEnv, n int, l *ledger, budget int64) *rooms {
	t.Helper()
	return startRoomsWith(t, e, n, l, func(c *room.Config) { c.Budget = budget })
}

// startRoomsWith runs n small simulated rooms, their configuration changed
// by opts first.
func startRoomsWith(t *testing.T, e *hubEnv, n int, l *ledger, opts func(*room.Config)) *rooms {
	t.Helper()
	rs := &rooms{}
	dir := t.TempDir()
	rs.dir = dir
	ctx, cancel := context.WithCancel(context.Background())
	rs.cancel = cancel
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("room-%d", i)
		cfg := room.Config{
			ID: id, Name: id, Hub: e.url(), MQTT: e.cfg.MQTT, DataDir: room.Dir(dir, id), CAFile: e.caFile(), Token: e.opToken,
			Cameras: 2, Mics: 1, Width: 160, Height: 90, FPS: 5, Segment: time.Second, Report: time.Second,
			KeyAlg: keyAlg(),
		}
		if opts != nil {
			opts(&cfg)
		}
		r, err := room.New(ctx, cfg, e.log, nil, l.add)
		if err != nil {
			t.Fatal(err)
		}
		rs.list = append(rs.list, r)
		rs.wg.Add(1)
		go func() {
			defer rs.wg.Done()
			r.Agent.Run(ctx)
		}()
	}
	t.Cleanup(rs.stop)
	return rs
}

func (rs *rooms) stop() {
	rs.cancel()
	rs.wg.Wait()
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hubHas reports the records the hub holds for room/stream, by seq.
func hubHas(t *testing.T, st *store.Store, key string) map[uint64]store.Segment {
	t.Helper()
	roomID, stream, _ := strings.Cut(key, "/")
	rows, err := st.Segments(context.Background(), roomID, stream, time.Unix(0, 0), time.Now().Add(time.Hour), 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint64]store.Segment{}
	for _, r := range rows {
		if _, dup := out[r.Seq]; dup {
			t.Fatalf("%s seq %d stored twice", key, r.Seq)
		}
		out[r.Seq] = r
	}
	return out
}

// allArrived reports whether every record in want is at the hub with the
// same hash.
func allArrived(t *testing.T, st *store.Store, want map[string]map[uint64]string) (bool, string) {
	for key, segs := range want {
		have := hubHas(t, st, key)
		for seq, hash := range segs {
			got, ok := have[seq]
			if !ok {
				return false, fmt.Sprintf("%s seq %d not at the hub", key, seq)
			}
			if got.Hash != hash {
				return false, fmt.Sprintf("%s seq %d has another hash at the hub", key, seq)
			}
		}
	}
	return true, ""
}

// waitArrived waits until every record in want is at the hub with the same
// hash, failing after within with the first one that is not.
func waitArrived(t *testing.T, st *store.Store, want map[string]map[uint64]string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, why := allArrived(t, st, want)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, why)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
