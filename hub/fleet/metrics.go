package fleet

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/evalroom/evalroom/protocol"
)

// collector exposes every room's state as metrics, so that Prometheus and
// Grafana see what the hub's alert engine sees.
type collector struct {
	f                                                  *Fleet
	online, lastSeen, device, signal, fps, level       *prometheus.Desc
	spoolBytes, oldestUnsent, diskFree, upload, offset *prometheus.Desc
	record                                             *prometheus.Desc
	inSession                                          *prometheus.Desc
}

func newCollector(f *Fleet) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("evalroom_room_"+name, help, append([]string{"room"}, labels...), nil)
	}
	return &collector{
		f:            f,
		online:       d("online", "1 while the room's box is online."),
		lastSeen:     d("last_seen_timestamp_seconds", "When the box last sent anything."),
		device:       d("device_ok", "1 while a device is ok, 0 when absent or failed.", "stream", "kind", "state"),
		signal:       d("signal", "1 while a signal condition holds (black, frozen, silent, clipping).", "stream", "signal"),
		fps:          d("stream_fps", "Frames per second the box measured.", "stream"),
		level:        d("stream_rms_dbfs", "Audio RMS level the box measured, dBFS.", "stream"),
		spoolBytes:   d("spool_bytes", "Bytes waiting in the box's spool."),
		oldestUnsent: d("oldest_unsent_seconds", "Age of the oldest segment the hub does not have yet."),
		diskFree:     d("disk_free_bytes", "Free disk on the box."),
		upload:       d("upload_bytes_per_second", "Acknowledged upload rate of the box."),
		record:       d("record_bytes_per_second", "Rate at which recording fills the box's spool."),
		offset:       d("clock_offset_seconds", "Box clock minus hub clock, measured by ping."),
		inSession:    d("in_session", "1 while a procurement session is in progress in the room."),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.online, c.lastSeen, c.device, c.signal, c.fps, c.level, c.spoolBytes, c.oldestUnsent, c.diskFree, c.upload, c.record, c.offset, c.inSession} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	g := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	for room, st := range c.f.All() {
		g(c.online, b(st.Online), room)
		if !st.LastSeen.IsZero() {
			g(c.lastSeen, float64(st.LastSeen.UnixNano())/1e9, room)
		}
		tm := st.Telemetry
		g(c.spoolBytes, float64(tm.SpoolBytes), room)
		g(c.oldestUnsent, tm.OldestUnsentSeconds, room)
		g(c.diskFree, float64(tm.DiskFreeBytes), room)
		g(c.upload, tm.UploadBytesPerSec, room)
		g(c.record, tm.RecordBytesPerSec, room)
		g(c.inSession, b(tm.Session != ""), room)
		if !st.OffsetAt.IsZero() {
			g(c.offset, st.ClockOffset.Seconds(), room)
		}
		for _, d := range st.Devices {
			g(c.device, b(d.State == protocol.StateOK), room, d.Stream, d.Kind, d.State)
			q := d.Quality
			if q == nil {
				continue
			}
			for _, s := range []string{protocol.SignalBlack, protocol.SignalFrozen, protocol.SignalSilent, protocol.SignalClipping} {
				if (s == protocol.SignalBlack || s == protocol.SignalFrozen) != (d.Kind == protocol.KindVideo) {
					continue
				}
				on := false
				for _, x := range q.Signals {
					on = on || x == s
				}
				g(c.signal, b(on), room, d.Stream, s)
			}
			if d.Kind == protocol.KindVideo {
				g(c.fps, q.FPS, room, d.Stream)
			} else {
				g(c.level, q.RMSdBFS, room, d.Stream)
			}
		}
	}
}
