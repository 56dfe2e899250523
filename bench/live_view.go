package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/evalroom/evalroom/internal/bearer"
	"github.com/evalroom/evalroom/simulators/camera"
)

// liveWarmFrames are skipped by each viewer before it measures: the first
// frames come while the stream starts (live command, connections).
const liveWarmFrames = 3

// watchAll watches the cameras cam1..camN (cfg.LiveStreams) at once, each
// at urlOf(stream) until it has measured cfg.LiveFrames frames, and returns
// the delays' p50 and p95 over all.
func watchAll(ctx context.Context, cfg Config, token string, urlOf func(stream string) string) (Sample, error) {
	streams := streamNames("cam", cfg.LiveStreams)
	frames := liveWarmFrames + cfg.LiveFrames
	ctx, cancel := context.WithTimeout(ctx, 3*time.Duration(frames)*time.Second/time.Duration(cfg.LiveFPS)+20*time.Second)
	defer cancel()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: bearer.Transport(token, tr)}
	type result struct {
		delays []time.Duration
		lost   uint64
		err    error
	}
	res := make([]result, len(streams))
	start := time.Now()
	var wg sync.WaitGroup
	for i, s := range streams {
		wg.Go(func() { res[i].delays, res[i].lost, res[i].err = watchDelays(ctx, client, urlOf(s), s, cfg.LiveFrames) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	var lost uint64
	var errs []error
	for i, r := range res {
		if r.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", streams[i], r.err))
		}
		all = append(all, r.delays...)
		lost += r.lost
	}
	if err := errors.Join(errs...); err != nil {
		return Sample{}, err
	}
	if lost > 0 {
		return Sample{}, fmt.Errorf("%d frames lost on the way (gaps in X-Frame) while %d arrived", lost, len(all))
	}
	slices.Sort(all)
	return Sample{Elapsed: elapsed, Count: int64(len(all)), P50: percentile(all, 0.50), P95: percentile(all, 0.95)}, nil
}

// watchDelays watches one stream: for each frame it decodes the JPEG,
// reads the camera's stamp and then takes the time. It skips
// liveWarmFrames, measures n, and counts the frames missing between the
// first and the last it saw.
func watchDelays(ctx context.Context, client *http.Client, url, stream string, n int) ([]time.Duration, uint64, error) {
	s, err := openMJPEG(ctx, client, url)
	if err != nil {
		return nil, 0, err
	}
	defer s.close()
	delays := make([]time.Duration, 0, n)
	var lost, last uint64
	for seen := 0; len(delays) < n; seen++ {
		p, err := s.next()
		if err != nil {
			return delays, lost, fmt.Errorf("after %d frames: %w", seen, err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(p.data)); err != nil {
			return delays, lost, fmt.Errorf("frame %d: decode: %w", p.seq, err)
		}
		st, err := camera.ReadStamp(p.data)
		now := time.Now()
		switch {
		case err != nil:
			return delays, lost, fmt.Errorf("frame %d: %w", p.seq, err)
		case st.Stream != stream:
			return delays, lost, fmt.Errorf("frame %d: stamp of stream %q, watching %q", p.seq, st.Stream, stream)
		case st.Time.UnixNano() != p.capture:
			return delays, lost, fmt.Errorf("frame %d: X-Capture-Time %d, stamp %d", p.seq, p.capture, st.Time.UnixNano())
		case seen > 0 && p.seq <= last:
			return delays, lost, fmt.Errorf("frame %d after frame %d", p.seq, last)
		case seen > 0:
			lost += p.seq - last - 1
		}
		last = p.seq
		if seen >= liveWarmFrames {
			delays = append(delays, now.Sub(st.Time))
		}
	}
	return delays, lost, nil
}

// percentile is the nearest-rank percentile p (0 to 1) of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
