package agent

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics registers the agent's figures, labelled with its room.
func (a *Agent) metrics(reg prometheus.Registerer) *prometheus.CounterVec {
	reg = prometheus.WrapRegistererWith(prometheus.Labels{"room": a.room}, reg)
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "evalroom_edge", Name: name, Help: help}, f))
	}
	gauge("spool_bytes", "Bytes waiting in the spool.", func() float64 { return float64(a.spool.Stats().Bytes) })
	gauge("spool_records", "Records waiting in the spool.", func() float64 { return float64(a.spool.Stats().Records) })
	gauge("spool_oldest_unsent_seconds", "Age of the oldest record not yet stored by the hub.", func() float64 { return a.spool.Stats().OldestUnsent.Seconds() })
	gauge("spool_evicted_records", "Records dropped unsent to keep within the spool budget, since start.", func() float64 { return float64(a.spool.Stats().Evicted) })
	gauge("upload_bytes", "Bytes the hub has acknowledged, since start.", func() float64 { return float64(a.up.BytesSent()) })
	gauge("upload_failures", "Failed upload attempts, since start.", func() float64 { return float64(a.up.Failures()) })
	gauge("upload_rate_bytes_per_second", "Acknowledged upload rate over the last seconds.", a.up.Rate)
	gauge("mqtt_connected", "1 while the broker session is up.", func() float64 {
		if a.rep.Connected() {
			return 1
		}
		return 0
	})
	for _, src := range a.opts.Sources {
		if o, counts := src.(interface{ Overruns() int64 }); counts {
			reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Namespace: "evalroom_edge", Name: "device_overruns_total",
				Help:        "Times a device captured more than the agent read in time and data was lost (each an overrun gap in the chain), since start.",
				ConstLabels: prometheus.Labels{"stream": src.Info().Stream},
			}, func() float64 { return float64(o.Overruns()) }))
		}
	}
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "evalroom_edge", Name: "records_total", Help: "Records written durably to the spool."}, []string{"stream", "record"})
	reg.MustRegister(c)
	return c
}
