// Package connlimit caps the connections a listener holds open: at most so
// many from one remote address and so many in all. A connection over a cap
// is closed as soon as it is accepted, before a byte is read from it, and
// counted; Accept goes on with the next one, so a flood from one address
// does not stop the listener or keep anybody else out.
//
// Wrap the plain TCP listener, before TLS, so that a refused connection
// costs no handshake:
//
//	ln, _ := net.Listen("tcp", addr)
//	ln = connlimit.New(ln, connlimit.Options{Name: "mqtt", PerAddr: 16, Total: 1024}, reg)
//	ln = tls.NewListener(ln, cfg)
//
// Metrics (labelled listener=Name): evalroom_conn_open (gauge),
// evalroom_conn_accepted_total and evalroom_conn_refused_total{reason}
// (reason per_addr or total).
package connlimit

import (
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options are a listener's caps. A zero cap is no cap.
type Options struct {
	// PerAddr is how many connections one remote IP address may hold open
	// at once.
	PerAddr int
	// Total is how many connections the listener holds open at once.
	Total int
	// Name tells listeners apart in metrics and logs ("mqtt", "https").
	Name string
	// Log, when set, is told of refusals (at most one line a second).
	Log *slog.Logger
}

// Refusal reasons, the reason label of evalroom_conn_refused_total.
const (
	ReasonPerAddr = "per_addr"
	ReasonTotal   = "total"
)

type listener struct {
	net.Listener
	opts Options

	mu     sync.Mutex
	open   int
	byAddr map[string]int
	logged time.Time

	gauge    prometheus.GaugeFunc
	accepted prometheus.Counter
	refused  *prometheus.CounterVec
}

// New wraps inner with the caps in o. reg, when not nil, gets the
// listener's metrics; two listeners on one registry need different Names.
// Closing the returned listener closes inner; connections already
// accepted stay open until their owners close them.
func New(inner net.Listener, o Options, reg prometheus.Registerer) net.Listener {
	l := &listener{Listener: inner, opts: o, byAddr: map[string]int{}}
	labels := prometheus.Labels{"listener": o.Name}
	l.gauge = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "evalroom_conn_open", Help: "Connections the listener holds open.", ConstLabels: labels,
	}, func() float64 { return float64(l.Open()) })
	l.accepted = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "evalroom_conn_accepted_total", Help: "Connections accepted within the caps.", ConstLabels: labels,
	})
	l.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "evalroom_conn_refused_total", Help: "Connections closed at once because a cap was reached, by cap (per_addr, total).", ConstLabels: labels,
	}, []string{"reason"})
	l.refused.WithLabelValues(ReasonPerAddr)
	l.refused.WithLabelValues(ReasonTotal)
	if reg != nil {
		reg.MustRegister(l.gauge, l.accepted, l.refused)
	}
	return l
}

// Open is how many connections are open; for a listener not made by New,
// 0.
func Open(ln net.Listener) int {
	if l, ok := ln.(*listener); ok {
		return l.Open()
	}
	return 0
}

// Open is how many accepted connections are not closed yet.
func (l *listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Accept returns the next connection within the caps; connections over a
// cap are closed and not returned. Errors are inner's.
func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := remoteIP(c.RemoteAddr())
		if reason := l.take(addr); reason != "" {
			c.Close()
			l.refused.WithLabelValues(reason).Inc()
			l.logRefusal(addr, reason)
			continue
		}
		l.accepted.Inc()
		return &conn{Conn: c, l: l, addr: addr}, nil
	}
}

// take counts a new connection from addr in, or says which cap it is over.
func (l *listener) take(addr string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.opts.Total > 0 && l.open >= l.opts.Total {
		return ReasonTotal
	}
	if l.opts.PerAddr > 0 && l.byAddr[addr] >= l.opts.PerAddr {
		return ReasonPerAddr
	}
	l.open++
	l.byAddr[addr]++
	return ""
}

func (l *listener) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
}

func (l *listener) logRefusal(addr, reason string) {
	if l.opts.Log == nil {
		return
	}
	l.mu.Lock()
	now := time.Now()
	quiet := now.Sub(l.logged) < time.Second
	if !quiet {
		l.logged = now
	}
	l.mu.Unlock()
	if !quiet {
		l.opts.Log.Warn("refused a connection over the listener's cap", "listener", l.opts.Name, "remote", addr, "cap", reason,
			"per_addr", l.opts.PerAddr, "total", l.opts.Total)
	}
}

// remoteIP is the address without its port: a client's connections count
// together whatever ports it uses.
func remoteIP(a net.Addr) string {
	if a == nil {
		return ""
	}
	if host, _, err := net.SplitHostPort(a.String()); err == nil {
		return host
	}
	return a.String()
}

// conn gives its place back when closed (once, however often Close is
// called).
type conn struct {
	net.Conn
	l    *listener
	addr string
	once sync.Once
}

// Close implements net.Conn.
func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}

// Unwrap returns the connection as accepted from the inner listener.
func (c *conn) Unwrap() net.Conn { return c.Conn }
