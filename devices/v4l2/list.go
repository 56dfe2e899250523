package v4l2

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Found is one camera capture node on this machine, as List sees it.
type Found struct {
	Path   string   `json:"path"`             // /dev/videoN
	Stable []string `json:"stable,omitempty"` // /dev/v4l/by-id and by-path names of the same node
	Card   string   `json:"card"`             // the camera's name, e.g. "HD Pro Webcam C920"
	Driver string   `json:"driver"`           // kernel driver, e.g. uvcvideo
	Bus    string   `json:"bus"`              // bus position, e.g. usb-0000:00:14.0-2
	// Formats are the pixel formats this driver takes (MJPEG, YUYV), with
	// their sizes; Others are the ones it does not.
	Formats []Format `json:"formats"`
	Others  []string `json:"others,omitempty"`
}

// Format is one pixel format and the sizes a camera gives in it.
type Format struct {
	Name  string `json:"name"`  // MJPG, JPEG, YUYV
	Sizes []Size `json:"sizes"` // largest first
}

// Size is one picture size and the fastest rate a camera gives at it
// (0 when the camera does not say).
type Size struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	MaxFPS int `json:"max_fps"`
}

// ConfigLine is the device entry for the box's configuration that records
// this camera as stream: the stable name if there is one, the largest
// size up to 1280x720, its rate up to 25 fps.
func (f Found) ConfigLine(stream string) string {
	path := f.Path
	if len(f.Stable) > 0 {
		path = f.Stable[0]
	}
	w, h, fps := 1280, 720, 25
	if len(f.Formats) > 0 {
		var best Size
		for _, s := range f.Formats[0].Sizes {
			if s.Width*s.Height <= 1280*720 && s.Width*s.Height > best.Width*best.Height {
				best = s
			}
		}
		if best.Width > 0 {
			w, h = best.Width, best.Height
			if best.MaxFPS > 0 && best.MaxFPS < fps {
				fps = best.MaxFPS
			}
		}
	}
	return fmt.Sprintf(`{"stream": %q, "kind": "video", "driver": "v4l2", "path": %q, "width": %d, "height": %d, "fps": %d}`, stream, path, w, h, fps)
}

// stableNames maps each /dev/videoN to its /dev/v4l/by-id and by-path
// names, by-id first (it names the camera, by-path the port).
func stableNames(v4lDir string) map[string][]string {
	out := map[string][]string{}
	for _, sub := range []string{"by-id", "by-path"} {
		links, _ := filepath.Glob(filepath.Join(v4lDir, sub, "*"))
		sort.Strings(links)
		for _, l := range links {
			target, err := filepath.EvalSymlinks(l)
			if err == nil {
				out[target] = append(out[target], l)
			}
		}
	}
	return out
}

// sortSizes orders sizes largest first.
func sortSizes(s []Size) {
	sort.Slice(s, func(i, j int) bool {
		if a, b := s[i].Width*s[i].Height, s[j].Width*s[j].Height; a != b {
			return a > b
		}
		return s[i].MaxFPS > s[j].MaxFPS
	})
}

// String is a few lines for a person.
func (f Found) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s (driver %s, bus %s)\n", f.Path, f.Card, f.Driver, f.Bus)
	for _, s := range f.Stable {
		fmt.Fprintf(&b, "    also %s\n", s)
	}
	for _, fm := range f.Formats {
		var sizes []string
		for _, s := range fm.Sizes {
			if s.MaxFPS > 0 {
				sizes = append(sizes, fmt.Sprintf("%dx%d@%d", s.Width, s.Height, s.MaxFPS))
			} else {
				sizes = append(sizes, fmt.Sprintf("%dx%d", s.Width, s.Height))
			}
		}
		fmt.Fprintf(&b, "    %s: %s\n", fm.Name, strings.Join(sizes, " "))
	}
	if len(f.Formats) == 0 {
		fmt.Fprintf(&b, "    no MJPEG or YUYV (offers %s): this driver cannot record it\n", strings.Join(f.Others, " "))
	}
	return b.String()
}
