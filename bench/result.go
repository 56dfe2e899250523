package bench

import (
	"slices"
	"time"
)

// Units of the primary figure of an experiment.
const (
	UnitMBps = "MB/s" // 10^6 bytes per second
	UnitMsgs = "msg/s"
)

// Sample is one run of one variant.
type Sample struct {
	Elapsed time.Duration `json:"elapsed_ns"`
	Count   int64         `json:"count"`           // segments or messages done
	Bytes   int64         `json:"bytes,omitempty"` // encoded segment bytes done
	// DiskWrite is what the whole process sent to storage while timed:
	// real and baseline both, edge and hub both in the upload runs.
	DiskWrite int64 `json:"disk_write_bytes,omitempty"`
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
	if v.unit == UnitMBps {
		return s.MBps()
	}
	return s.PerSec()
}

// Median is the sample with the median primary figure (the lower middle
// one for an even count).
func (v *Variant) Median() (Sample, bool) {
	if len(v.Rounds) == 0 || v.Err != "" {
		return Sample{}, false
	}
	s := slices.Clone(v.Rounds)
	slices.SortFunc(s, func(a, b Sample) int {
		ra, rb := v.Rate(a), v.Rate(b)
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
	Ratio    float64 `json:"ratio"`
	// RealRate and BaselineRate are the medians, in the experiment's unit.
	RealRate     float64 `json:"real_rate"`
	BaselineRate float64 `json:"baseline_rate"`
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
		rs, ok1 := rv.Median()
		bs, ok2 := bv.Median()
		if !ok1 || !ok2 || bv.Rate(bs) == 0 {
			r.Failed = true
			continue
		}
		r.RealRate, r.BaselineRate = rv.Rate(rs), bv.Rate(bs)
		r.Ratio = r.RealRate / r.BaselineRate
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
