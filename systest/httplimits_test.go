package systest

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
)

// from dials the hub from another loopback address than the tests' own
// clients and boxes (127.0.0.1), as an attacker elsewhere would.
func from(ip string) *net.Dialer {
	return &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
}

// attackerDial returns a dial to addr from 127.0.0.2; the connections it
// makes close when the test ends.
func attackerDial(t *testing.T, addr string) func() net.Conn {
	d := from("127.0.0.2")
	return func() net.Conn {
		t.Helper()
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
}

// TestHTTPDeadlinesAndCaps: on the hub's HTTPS listener a connection that
// never starts its TLS handshake, one that never finishes its headers and
// one whose body never finishes are all closed after their deadlines; one
// address cannot hold more than its cap, while a box and a regulator from
// another address are served all along. (Before, a slow body held its
// connection for as long as the client liked and no address had a cap.)
func TestHTTPDeadlinesAndCaps(t *testing.T) {
	const perAddr = 8
	e := startHubWith(t, func(c *server.Config) {
		c.ReadHeaderTimeout = 2 * time.Second
		c.BodyTimeout = 2 * time.Second
		c.HTTPPerAddr = perAddr
	})
	l := newLedger()
	startRooms(t, e, 1, l)
	eventually(t, 30*time.Second, "room-1 online", func() bool { return e.hub.Fleet.State("room-1").Online })
	roots := x509.NewCertPool()
	pem, _ := os.ReadFile(e.caFile())
	roots.AppendCertsFromPEM(pem)
	dial := attackerDial(t, e.cfg.HTTP)
	tlsDial := func() *tls.Conn {
		t.Helper()
		c := tls.Client(dial(), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
		if err := c.Handshake(); err != nil {
			t.Fatalf("TLS handshake: %v", err)
		}
		return c
	}

	idle := dial()
	headers := tlsDial()
	fmt.Fprintf(headers, "GET /healthz HTTP/1.1\r\nHost: hub\r\n") // and never the blank line
	body := tlsDial()
	fmt.Fprintf(body, "POST /api/v1/login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"username\":")
	var wg sync.WaitGroup
	closed := make([]bool, 3)
	answers := make([]string, 3)
	for i, c := range []net.Conn{idle, headers, body} {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(time.Minute))
			b, err := io.ReadAll(c)
			answers[i] = strings.SplitN(string(b), "\r\n", 2)[0]
			var ne net.Error
			closed[i] = !(err != nil && asNetErr(err, &ne) && ne.Timeout())
		})
	}
	wg.Wait()
	for i, what := range []string{"without a TLS handshake", "without the end of its headers", "with a body that never ends"} {
		if !closed[i] {
			t.Errorf("a connection %s was still open after a minute (deadlines 2 s)", what)
		}
	}
	if !strings.Contains(answers[2], "408") {
		t.Errorf("the slow body was answered %q, want 408 Request Timeout", answers[2])
	}

	// The cap: the attacker's first perAddr connections are held, the
	// rest closed at once, before any TLS.
	var held []net.Conn
	for i := 0; i < perAddr+8; i++ {
		held = append(held, dial())
	}
	refused := 0
	for _, c := range held {
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err == io.EOF {
			refused++
		}
	}
	if refused < 8 {
		t.Errorf("%d of %d connections over the cap of %d were closed, want at least 8", refused, perAddr+8, perAddr)
	}
	// Meanwhile the box uploads and a regulator reads, from 127.0.0.1.
	before := len(hubHas(t, e.hub.Store(), "room-1/cam1"))
	eventually(t, 30*time.Second, "uploads go on during the flood", func() bool {
		return len(hubHas(t, e.hub.Store(), "room-1/cam1")) > before
	})
	if code, h := getHealthz(t, e); code != http.StatusOK {
		t.Fatalf("/healthz from another address during the flood: %d %+v", code, h)
	}
	if n := metric(t, e, "evalroom_conn_refused_total", `listener="https"`, `reason="per_addr"`); n < 8 {
		t.Errorf("evalroom_conn_refused_total{listener=https,reason=per_addr} = %v, want at least 8", n)
	}
	m := getText(t, e, e.opToken, "/metrics")
	for _, want := range []string{`evalroom_hub_fd_limits{limit="open_files"}`, `evalroom_hub_fd_limits{limit="reserve"}`, `evalroom_conn_open{listener="https"}`, "process_open_fds"} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func asNetErr(err error, target *net.Error) bool {
	ne, ok := err.(net.Error)
	if ok {
		*target = ne
	}
	return ok
}

// TestFloodLeavesFilesForTheHub runs the real hub binary with an open-file
// limit of 300 and floods its HTTPS port from six addresses with more idle
// connections than the limit. The listener refuses what is over its share
// and the hub keeps its reserve: a box that was connected before goes on
// uploading, the hub's files open as before (no "too many open files"),
// and /metrics, read over a connection made before the flood, shows the
// limits and the refusals. (Before, 300 idle connections made uploads fail
// with "too many open files" and /healthz stop answering.)
func TestFloodLeavesFilesForTheHub(t *testing.T) {
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("needs prlimit (util-linux)")
	}
	bin := buildHub(t)
	data := t.TempDir()
	httpAddr, mqttAddr := freeAddr(t), freeAddr(t)
	logPath := filepath.Join(t.TempDir(), "hub.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "prlimit", append(append([]string{"--nofile=300:300", bin, "serve"}, sqldbtest.Args(t, data)...), "--http", httpAddr, "--mqtt", mqttAddr,
		"--read-header-timeout", "5s", "--fd-reserve", "100", "--http-per-addr", "40")...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	e := &hubEnv{t: t, log: logger(t), ctx: ctx, cfg: server.Config{DataDir: data, Database: sqldbtest.For(t, data), HTTP: httpAddr, MQTT: mqttAddr}}
	eventually(t, 60*time.Second, "the hub answers /healthz", func() bool {
		if _, err := os.Stat(e.caFile()); err != nil {
			return false
		}
		resp, err := e.clientAs("").Get(e.url() + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	tok := func(role, scope string) string {
		out, err := exec.Command(bin, append(append([]string{"token", "create"}, sqldbtest.Args(t, data)...), "--role", role, "--scope", scope)...).Output()
		if err != nil {
			t.Fatalf("token create: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	e.opToken, e.regToken = tok("operator", ""), tok("regulator", "*")
	l := newLedger()
	startRooms(t, e, 1, l)
	ops := e.clientAs(e.opToken) // its connection is made now and kept alive
	readMetrics := func() string {
		t.Helper()
		resp, err := ops.Get(e.url() + "/metrics")
		if err != nil {
			t.Fatalf("/metrics over the operator's kept connection: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	metricValue := func(m, series string) string {
		sc := bufio.NewScanner(strings.NewReader(m))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
				return v
			}
		}
		return ""
	}
	m := readMetrics()
	if metricValue(m, `evalroom_hub_fd_limits{limit="open_files"}`) != "300" || metricValue(m, `evalroom_hub_fd_limits{limit="reserve"}`) != "100" {
		t.Fatalf("the hub does not show its open-file limit of 300 and reserve of 100")
	}
	httpCap := metricValue(m, `evalroom_hub_fd_limits{limit="http_conns"}`)
	t.Logf("HTTPS connection cap under a limit of 300 files: %s", httpCap)
	reg := e.clientAs(e.regToken) // kept alive too
	segs := func() int {
		t.Helper()
		resp, err := reg.Get(e.url() + "/api/v1/rooms/room-1/streams/cam1/segments")
		if err != nil {
			t.Fatalf("segments over the regulator's kept connection: %v", err)
		}
		defer resp.Body.Close()
		var list []apiSegment
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	eventually(t, 60*time.Second, "room-1 uploads", func() bool { return segs() > 2 })

	// 6 addresses × 40 idle connections: 240 against a share of 100.
	var conns []net.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	for a := 2; a <= 7; a++ {
		wg.Go(func() {
			d := from(fmt.Sprintf("127.0.0.%d", a))
			for i := 0; i < 40; i++ {
				c, err := d.Dial("tcp", httpAddr)
				if err != nil {
					continue
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// While the flood holds, the box's earlier connection still uploads
	// and the hub still opens its files.
	before := segs()
	eventually(t, 30*time.Second, "uploads during the flood", func() bool { return segs() > before })
	m = readMetrics()
	if v := metricValue(m, `evalroom_conn_refused_total{listener="https",reason="total"}`); v == "" || v == "0" {
		t.Errorf("no connection was refused for the listener's total cap (%s); evalroom_conn_open: %s", v, metricValue(m, `evalroom_conn_open{listener="https"}`))
	}
	if log, _ := os.ReadFile(logPath); strings.Contains(string(log), "too many open files") {
		t.Fatalf("the hub ran out of open files:\n%s", log)
	}
}

// apiSegment is a segment as the API lists it.
type apiSegment struct {
	Seq uint64 `json:"seq"`
}
