package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// firstFrameTimeout bounds the wait for every viewer's first frame.
const firstFrameTimeout = 20 * time.Second

// countingViewer reads one live stream and counts its frames and the gaps
// between them, without decoding.
type countingViewer struct {
	url    string
	skips  bool // a sub-stream: X-Frame numbers skip by design, gaps are not losses
	frames atomic.Int64
	bytes  atomic.Int64 // JPEG bytes read
	width  atomic.Int64 // of the first picture
	lost   atomic.Uint64

	mu  sync.Mutex
	err error
}

func (v *countingViewer) run(ctx context.Context, client *http.Client) {
	err := v.read(ctx, client)
	if ctx.Err() == nil { // ended before it was told to
		v.mu.Lock()
		v.err = fmt.Errorf("%s: %w", v.url, err)
		v.mu.Unlock()
	}
}

func (v *countingViewer) read(ctx context.Context, client *http.Client) error {
	s, err := openMJPEG(ctx, client, v.url)
	if err != nil {
		return err
	}
	defer s.close()
	var last uint64
	for n := 0; ; n++ {
		p, err := s.next()
		if err != nil {
			return err
		}
		if n > 0 {
			if p.seq <= last {
				return fmt.Errorf("frame %d after frame %d", p.seq, last)
			}
			if !v.skips {
				v.lost.Add(p.seq - last - 1)
			}
		} else if cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.data)); err == nil {
			v.width.Store(int64(cfg.Width))
		}
		last = p.seq
		v.bytes.Add(int64(len(p.data)))
		v.frames.Add(1)
	}
}

func (v *countingViewer) failed() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

// frames is how many frames all viewers have read.
func (vs *viewers) frames() int64 {
	var n int64
	for _, v := range vs.list {
		n += v.frames.Load()
	}
	return n
}

// bytes is how many JPEG bytes all viewers have read.
func (vs *viewers) bytes() int64 {
	var n int64
	for _, v := range vs.list {
		n += v.bytes.Load()
	}
	return n
}

// widths lists the first picture's width of each viewer.
func (vs *viewers) widths() []int64 {
	var out []int64
	for _, v := range vs.list {
		out = append(out, v.width.Load())
	}
	return out
}

// waitFrames waits until every viewer has read a frame.
func (vs *viewers) waitFrames(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, firstFrameTimeout)
	defer cancel()
	for {
		waiting := 0
		for _, v := range vs.list {
			if err := v.failed(); err != nil {
				return err
			}
			if v.frames.Load() == 0 {
				waiting++
			}
		}
		if waiting == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d viewers got no frame: %w", waiting, len(vs.list), ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// check fails on a viewer that stopped, lost frames or got none.
func (vs *viewers) check() error {
	var errs []error
	for _, v := range vs.list {
		if err := v.failed(); err != nil {
			errs = append(errs, err)
		}
		if n := v.lost.Load(); n > 0 {
			errs = append(errs, fmt.Errorf("%s: %d frames lost (gaps in X-Frame) while %d arrived", v.url, n, v.frames.Load()))
		}
	}
	return errors.Join(errs...)
}

// hubMetric reads one unlabelled metric from the hub's /metrics.
func hubMetric(ctx context.Context, hubURL, token, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hubURL+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := apiClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("hub metrics have no %s (%v)", name, sc.Err())
}
