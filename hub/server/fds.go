package server

import (
	"fmt"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
)

// connCaps is how many connections each listener may hold open: the
// process's open-file limit less a reserve for the hub's own files
// (database, pack files, certificates, the audit heads), so that a flood of
// connections is refused at the listener instead of starving the hub's
// writes with "too many open files".
type connCaps struct {
	limit, reserve int // the open-file limit, and what stays for files
	http, mqtt     int // total connection caps of the two listeners
}

// minConnBudget is the fewest connections a hub must be able to serve.
const minConnBudget = 32

// planConns divides the open-file limit between the listeners. Go raises
// the soft limit to the hard one at start; a limit of 0 reads it.
func planConns(cfg Config, limit int) (connCaps, error) {
	if limit <= 0 {
		var rl syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return connCaps{}, fmt.Errorf("read the open-file limit: %w", err)
		}
		limit = int(min(rl.Cur, 1<<30))
	}
	c := connCaps{limit: limit, reserve: cfg.FDReserve}
	if c.reserve <= 0 {
		c.reserve = max(128, limit/10)
	}
	budget := limit - c.reserve
	if budget < minConnBudget {
		return c, fmt.Errorf("the open-file limit is %d and %d are kept for the hub's own files, which leaves fewer than %d for connections: "+
			"raise the limit (systemd LimitNOFILE=, ulimit -n) or lower --fd-reserve", limit, c.reserve, minConnBudget)
	}
	c.mqtt = 0
	if cfg.Broker == "" {
		c.mqtt = budget / 2
		if cfg.MQTTMaxConns > 0 {
			c.mqtt = min(cfg.MQTTMaxConns, c.mqtt)
		}
	}
	c.http = budget - c.mqtt
	if cfg.HTTPMaxConns > 0 {
		c.http = min(cfg.HTTPMaxConns, c.http)
	}
	return c, nil
}

// register shows the limits in /metrics; the use is in
// process_open_fds and evalroom_conn_open{listener}.
func (c connCaps) register(reg prometheus.Registerer) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "evalroom_hub_fd_limits",
		Help: "The open-file limit, the descriptors kept for the hub's own files, and each listener's connection cap.",
	}, []string{"limit"})
	g.WithLabelValues("open_files").Set(float64(c.limit))
	g.WithLabelValues("reserve").Set(float64(c.reserve))
	g.WithLabelValues("http_conns").Set(float64(c.http))
	g.WithLabelValues("mqtt_conns").Set(float64(c.mqtt))
	reg.MustRegister(g)
}
