package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Print writes the report as aligned text.
func Print(w io.Writer, rep *Report) {
	m := rep.Machine
	fmt.Fprintf(w, "evalroom-bench  %s  (took %s)\n", rep.Started.Format(time.RFC3339), rep.Duration.Round(time.Second))
	fmt.Fprintf(w, "machine   %s, %d cores (GOMAXPROCS %d), kernel %s, %s\n", m.CPU, m.Cores, m.GOMAXPROCS, m.Kernel, m.Go)
	fmt.Fprintf(w, "temp dir  %s on %s (%s mounted at %s)\n", m.TempDir, m.FS, m.Device, m.MountAt)
	fmt.Fprintf(w, "load avg  %s at start (the machine may be shared)\n", m.LoadAvg)
	fmt.Fprintf(w, "method    each variant runs %d time(s), variants interleaved; the median run is shown; MB = 10^6 bytes\n\n", rep.Config.Rounds)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MEASUREMENT\tREAL\tBASELINE\tRATIO\tTARGET\tMET")
	for _, e := range rep.Experiments {
		if len(e.Rows) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\tFAIL\n", e.Name)
		}
		for _, r := range e.Rows {
			rv, bv := e.Variant(r.Real), e.Variant(r.Baseline)
			ratio, target, met := compare(e.Unit, r), "-", "-"
			if !r.Informative() {
				target = fmt.Sprintf(">= %.2f", r.Target)
				met = map[bool]string{true: "yes", false: "NO"}[r.Met]
			}
			if r.Failed {
				ratio, met = "-", "FAIL"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Label, figure(rv, r.Stat), figure(bv, r.Stat), ratio, target, met)
		}
	}
	tw.Flush()
	var took []string
	for _, e := range rep.Experiments {
		took = append(took, fmt.Sprintf("%s %s", e.Name, e.Duration.Round(100*time.Millisecond)))
	}
	fmt.Fprintf(w, "took      %s\n", strings.Join(took, ", "))

	fmt.Fprintln(w, "\nruns (median marked *):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range rep.Experiments {
		for _, v := range e.Variants {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.Name, v.Name, v.About, rounds(v))
		}
	}
	tw.Flush()

	fmt.Fprintln(w, "\nwhat is compared:")
	for _, e := range rep.Experiments {
		for _, n := range e.Notes {
			wrap(w, e.Name+": "+n, "  ", 100)
		}
	}
	if rep.Failed() {
		fmt.Fprintln(w, "\nFAILURES:")
		for _, e := range rep.Experiments {
			for _, f := range e.Failures {
				wrap(w, e.Name+": "+f, "  ", 100)
			}
		}
	}
}

// figure is a variant's median of one figure (see Row.Stat) as a table
// cell.
func figure(v *Variant, stat string) string {
	s, ok := v.medianBy(stat)
	if !ok {
		return "error"
	}
	switch {
	case stat == StatP95:
		return fmt.Sprintf("p95 %6.1f ms", v.Value(s, stat))
	case stat == StatRSS:
		return fmt.Sprintf("RSS %6.1f MB", v.Value(s, stat))
	case stat == StatUpload:
		return fmt.Sprintf("up %7.1f KB/s", v.Value(s, stat))
	case stat == StatCPU:
		return fmt.Sprintf("CPU %5.2f%% of a core", 100*v.Value(s, stat))
	case v.unit == UnitKBps:
		return fmt.Sprintf("%7.1f KB/s", v.Rate(s))
	case v.unit == UnitMs:
		return fmt.Sprintf("p50 %6.1f ms", v.Rate(s))
	case v.unit == UnitCPU:
		return fmt.Sprintf("CPU %5.2f%% of a core", 100*v.Rate(s))
	case v.unit == UnitMBps:
		return fmt.Sprintf("%7.1f MB/s %6.0f seg/s", s.MBps(), s.PerSec())
	}
	return fmt.Sprintf("%7.0f %s", s.PerSec(), v.unit)
}

// compare is a row's result as a table cell: the ratio, with the
// difference for delays, or the difference per watched stream.
func compare(unit string, r Row) string {
	switch {
	case r.Per > 0 && r.Stat == StatRSS:
		return fmt.Sprintf("%+.0f KB per stream", r.PerUnit*1e3)
	case r.Per > 0:
		return fmt.Sprintf("%+.3f%% core per stream", 100*r.PerUnit)
	case unit == UnitMs:
		return fmt.Sprintf("%.2f (%+.1f ms)", r.Ratio, r.Diff)
	}
	return fmt.Sprintf("%.2f", r.Ratio)
}

func rounds(v *Variant) string {
	if v.Err != "" {
		return "error: " + v.Err
	}
	med, _ := v.Median()
	var parts []string
	for _, s := range v.Rounds {
		format := "%.1f"
		if v.unit == UnitCPU {
			format = "%.4f"
		}
		p := fmt.Sprintf(format, v.Rate(s))
		if s == med {
			p += "*"
			med = Sample{} // mark one only
		}
		parts = append(parts, p)
	}
	if len(v.Rounds) == 0 {
		return "not run"
	}
	s := v.Rounds[0]
	switch v.unit {
	case UnitMs:
		return fmt.Sprintf("p50 %s ms, p95 %s ms  (%d frames per run)", strings.Join(parts, "  "), perRun(v, StatP95, "%.1f"), s.Count)
	case UnitCPU:
		return fmt.Sprintf("%s CPU s/s, RSS %s MB  (%d frames to viewers in %.1f s)", strings.Join(parts, "  "), perRun(v, StatRSS, "%.1f"), s.Count, s.Elapsed.Seconds())
	case UnitKBps:
		return fmt.Sprintf("%s KB/s per tile out of the hub, %s KB/s per tile up from the boxes, hub CPU %s s/s  (%d frames to viewers in %.1f s)",
			strings.Join(parts, "  "), perRun(v, StatUpload, "%.1f"), perRun(v, StatCPU, "%.4f"), s.Count, s.Elapsed.Seconds())
	}
	if v.unit == UnitMBps {
		amp := ""
		if m, _ := v.Median(); m.Bytes > 0 && m.DiskWrite > 0 {
			amp = fmt.Sprintf(", process wrote %.2fx that to disk", float64(m.DiskWrite)/float64(m.Bytes))
		}
		return fmt.Sprintf("%s %s  (%d segments, %.1f MB per run%s)", strings.Join(parts, "  "), v.unit, s.Count, float64(s.Bytes)/1e6, amp)
	}
	return fmt.Sprintf("%s %s  (%d messages per run)", strings.Join(parts, "  "), v.unit, s.Count)
}

// perRun lists one figure of every run.
func perRun(v *Variant, stat, format string) string {
	var parts []string
	for _, s := range v.Rounds {
		parts = append(parts, fmt.Sprintf(format, v.Value(s, stat)))
	}
	return strings.Join(parts, "  ")
}

// wrap writes text with a hanging indent, at most width columns.
func wrap(w io.Writer, text, indent string, width int) {
	line := indent
	for i, word := range strings.Fields(text) {
		if i > 0 && len(line)+1+len(word) > width {
			fmt.Fprintln(w, line)
			line = indent + "    "
		} else if i > 0 {
			line += " "
		}
		line += word
	}
	fmt.Fprintln(w, line)
}

// WriteJSON writes the report to path.
func WriteJSON(path string, rep *Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
