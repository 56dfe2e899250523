package bench

import (
	"slices"
	"time"
)

// Units of the primary figure of an experiment.
const (
	UnitMBps = "MB/s" // 10^6 bytes per second
	UnitMsgs = "msg/s"
	UnitMs   = "ms"      // live delay, median (p50) of a run; lower is better
	UnitCPU  = "CPU s/s" // CPU seconds a process used per second
	UnitKBps = "KB/s"    // 10^3 bytes per second (Sample.Bytes)
)

// Figures a row may compare instead of its experiment's primary one.
const (
	StatP95    = "p95"    // live delay, 95th percentile, ms
	StatRSS    = "rss"    // resident memory, MB
	StatUpload = "upload" // Sample.Upload, KB/s
	StatCPU    = "cpu"    // Sample.CPU, CPU seconds per second
)

// Sample is one run of one variant.
type Sample struct {
	Elapsed time.Duration `json:"elapsed_ns"`
	Count   int64         `json:"count"`           // segments or messages done
	Bytes   int64         `json:"bytes,omitempty"` // encoded segment bytes done
	// DiskWrite is what the whole process sent to storage while timed:
	// real and baseline both, edge and hub both in the upload runs.
	DiskWrite int64 `json:"disk_write_bytes,omitempty"`
	// P50 and P95 are the live delay, capture to decoded frame, over
	// every frame measured (Count).
	P50 time.Duration `json:"p50_ns,omitempty"`
	P95 time.Duration `json:"p95_ns,omitempty"`
	// CPU is what the measured process used while timed (user + system),
	// RSS its mean resident memory then.
	CPU time.Duration `json:"cpu_ns,omitempty"`
	RSS int64         `json:"rss_bytes,omitempty"`
	// Upload is what the boxes published while timed (live frames, bytes).
	Upload int64 `json:"upload_bytes,omitempty"`
}

// PerSec is segments or messages per second.
func (s Sample) PerSec() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Count) / s.Elapsed.Seconds()
}

// MBps is 10^6 bytes per second.
func (s Sample) MBps() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Bytes) / 1e6 / s.Elapsed.Seconds()
}

// Variant is one side of a comparison: the real component or a baseline.
type Variant struct {
	Name   string   `json:"name"`
	About  string   `json:"about"`
	Rounds []Sample `json:"rounds"`
	Err    string   `json:"error,omitempty"`

	unit string
}

// Rate is the variant's primary figure of one sample.
func (v *Variant) Rate(s Sample) float64 {
	switch v.unit {
	case UnitMBps:
		return s.MBps()
	case UnitMs:
		return ms(s.P50)
	case UnitKBps:
		return perSec(s.Bytes, s)
	case UnitCPU:
		if s.Elapsed <= 0 {
			return 0
		}
		return s.CPU.Seconds() / s.Elapsed.Seconds()
	}
	return s.PerSec()
}

// Value is one figure of a sample: the primary one (stat "") or StatP95
// or StatRSS.
func (v *Variant) Value(s Sample, stat string) float64 {
	switch stat {
	case StatP95:
		return ms(s.P95)
	case StatRSS:
		return float64(s.RSS) / 1e6
	case StatUpload:
		return perSec(s.Upload, s)
	case StatCPU:
		if s.Elapsed <= 0 {
			return 0
		}
		return s.CPU.Seconds() / s.Elapsed.Seconds()
	}
	return v.Rate(s)
}

// perSec is n bytes in the sample's time, as KB/s.
func perSec(n int64, s Sample) float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(n) / 1e3 / s.Elapsed.Seconds()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Median is the sample with the median primary figure (the lower middle
// one for an even count).
func (v *Variant) Median() (Sample, bool) { return v.medianBy("") }

// medianBy is the sample with the median figure stat.
func (v *Variant) medianBy(stat string) (Sample, bool) {
	if len(v.Rounds) == 0 || v.Err != "" {
		return Sample{}, false
	}
	s := slices.Clone(v.Rounds)
	slices.SortFunc(s, func(a, b Sample) int {
		ra, rb := v.Value(a, stat), v.Value(b, stat)
		switch {
		case ra < rb:
			return -1
		case ra > rb:
			return 1
		}
		return 0
	})
	return s[(len(s)-1)/2], true
}

// Row compares two variants of an experiment.
type Row struct {
	Label    string  `json:"label"`
	Real     string  `json:"real"`     // variant name, the numerator
	Baseline string  `json:"baseline"` // variant name, the denominator
	Target   float64 `json:"target,omitempty"`
	// Stat, when set, compares that figure (StatP95, StatRSS) instead of
	// the experiment's primary one.
	Stat string `json:"stat,omitempty"`
	// Per, when set, makes the row's result the difference per unit of
	// load, (real - baseline) / Per: per watched stream.
	Per   int     `json:"per,omitempty"`
	Ratio float64 `json:"ratio"`
	// RealRate and BaselineRate are the medians, in the experiment's unit
	// (MB for StatRSS, ms for StatP95).
	RealRate     float64 `json:"real_rate"`
	BaselineRate float64 `json:"baseline_rate"`
	Diff         float64 `json:"diff"`               // RealRate - BaselineRate
	PerUnit      float64 `json:"per_unit,omitempty"` // Diff / Per
	Met          bool    `json:"met"`
	Failed       bool    `json:"failed,omitempty"`
}

// Informative rows have no target.
func (r Row) Informative() bool { return r.Target == 0 }

// Experiment is one measurement: its variants, the rows that compare them,
// and what went wrong.
type Experiment struct {
	Name     string     `json:"name"`
	Unit     string     `json:"unit"`
	Variants []*Variant `json:"variants"`
	Rows     []Row      `json:"rows"`
	Notes    []string   `json:"notes"`
	Failures []string   `json:"failures,omitempty"`
	// Duration is how long all its runs took, set-up included.
	Duration time.Duration `json:"duration_ns,omitempty"`
}

// Variant returns the named variant.
func (e *Experiment) Variant(name string) *Variant {
	for _, v := range e.Variants {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// score fills in the ratio of every row from the medians.
func (e *Experiment) score() {
	for i := range e.Rows {
		r := &e.Rows[i]
		rv, bv := e.Variant(r.Real), e.Variant(r.Baseline)
		rs, ok1 := rv.medianBy(r.Stat)
		bs, ok2 := bv.medianBy(r.Stat)
		if !ok1 || !ok2 || (r.Per == 0 && bv.Value(bs, r.Stat) == 0) {
			r.Failed = true
			continue
		}
		r.RealRate, r.BaselineRate = rv.Value(rs, r.Stat), bv.Value(bs, r.Stat)
		r.Diff = r.RealRate - r.BaselineRate
		if r.BaselineRate != 0 {
			r.Ratio = r.RealRate / r.BaselineRate
		}
		if r.Per > 0 {
			r.PerUnit = r.Diff / float64(r.Per)
		}
		r.Met = !r.Informative() && r.Ratio >= r.Target // informative rows meet nothing
	}
}

// Report is the outcome of a whole run.
type Report struct {
	Started     time.Time     `json:"started"`
	Duration    time.Duration `json:"duration_ns"`
	Machine     Machine       `json:"machine"`
	Config      Config        `json:"config"`
	Experiments []*Experiment `json:"experiments"`
}

// Failed reports whether any measurement failed (an error or lost work).
func (r *Report) Failed() bool {
	for _, e := range r.Experiments {
		if len(e.Failures) > 0 {
			return true
		}
	}
	return false
}

// Missed reports whether any target was not met.
func (r *Report) Missed() bool {
	for _, e := range r.Experiments {
		for _, row := range e.Rows {
			if !row.Informative() && !row.Met {
				return true
			}
		}
	}
	return false
}
