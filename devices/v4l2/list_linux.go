//go:build linux && cgo

package v4l2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	vl "github.com/vladimirvivien/go4vl/v4l2"
	"golang.org/x/sys/unix"
)

// List returns the camera capture nodes under /dev (metadata and output
// nodes left out), with what each offers. A node it may not open is named
// in the error, with what to do; the others are still listed.
func List() ([]Found, error) {
	nodes, _ := filepath.Glob("/dev/video*")
	sort.Slice(nodes, func(i, j int) bool {
		return len(nodes[i]) < len(nodes[j]) || len(nodes[i]) == len(nodes[j]) && nodes[i] < nodes[j]
	})
	stable := stableNames("/dev/v4l")
	var out []Found
	var errs []error
	for _, n := range nodes {
		f, ok, err := probe(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			f.Stable = stable[n]
			out = append(out, f)
		}
	}
	return out, errors.Join(errs...)
}

// probe reads what one node offers; ok is false for a node that is not a
// streaming capture node.
func probe(path string) (Found, bool, error) {
	fd, err := vl.OpenDevice(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrPermission) {
		return Found{}, false, fmt.Errorf("need more access to %s: add the user to group video or a udev rule: %w", path, err)
	}
	if err != nil {
		return Found{}, false, fmt.Errorf("open %s: %w", path, err)
	}
	defer vl.CloseDevice(fd)
	capab, err := vl.GetCapability(fd)
	if err != nil {
		return Found{}, false, nil
	}
	if caps := capab.GetCapabilities(); caps&vl.CapVideoCapture == 0 || caps&vl.CapStreaming == 0 {
		return Found{}, false, nil
	}
	f := Found{Path: path, Card: capab.Card, Driver: capab.Driver, Bus: capab.BusInfo}
	descs, _ := vl.GetAllFormatDescriptions(fd)
	for _, d := range descs {
		if d.PixelFormat != fourccMJPEG && d.PixelFormat != fourccJPEG && d.PixelFormat != fourccYUYV {
			f.Others = append(f.Others, fourccString(d.PixelFormat))
			continue
		}
		fm := Format{Name: fourccString(d.PixelFormat)}
		sizes, _ := vl.GetFormatFrameSizes(fd, d.PixelFormat)
		for _, s := range sizes {
			if s.Type != vl.FrameSizeTypeDiscrete { // stepwise: the largest
				fm.Sizes = append(fm.Sizes, Size{Width: int(s.Size.MaxWidth), Height: int(s.Size.MaxHeight)})
				continue
			}
			sz := Size{Width: int(s.Size.MinWidth), Height: int(s.Size.MinHeight)}
			for i := uint32(0); i < 32; i++ {
				iv, err := vl.GetFormatFrameInterval(fd, i, d.PixelFormat, s.Size.MinWidth, s.Size.MinHeight)
				if err != nil {
					break
				}
				if r := iv.Interval.Min; r.Numerator > 0 {
					sz.MaxFPS = max(sz.MaxFPS, int(r.Denominator/r.Numerator))
				}
				if iv.Type != vl.FrameIntervalTypeDiscrete {
					break
				}
			}
			fm.Sizes = append(fm.Sizes, sz)
		}
		sortSizes(fm.Sizes)
		f.Formats = append(f.Formats, fm)
	}
	// The format the driver would take first leads.
	sort.SliceStable(f.Formats, func(i, j int) bool { return rank(f.Formats[i].Name) < rank(f.Formats[j].Name) })
	return f, true, nil
}

func rank(name string) int {
	switch name {
	case "MJPG":
		return 0
	case "JPEG":
		return 1
	}
	return 2
}
