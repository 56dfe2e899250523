package alerts

import "github.com/prometheus/client_golang/prometheus"

var openDesc = prometheus.NewDesc("evalroom_alerts_unresolved", "Alerts not yet resolved, by kind, severity and state.", []string{"kind", "severity", "state"}, nil)

// Describe implements prometheus.Collector.
func (e *Engine) Describe(ch chan<- *prometheus.Desc) { ch <- openDesc }

// Collect implements prometheus.Collector.
func (e *Engine) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	counts := map[[3]string]int{}
	for _, t := range e.active {
		counts[[3]string{t.alert.Kind, t.alert.Severity, t.alert.State}]++
	}
	e.mu.Unlock()
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(n), k[0], k[1], k[2])
	}
}
