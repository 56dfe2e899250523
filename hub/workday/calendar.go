package workday

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrNoCalendar means a limit crosses a year whose calendar is not loaded.
var ErrNoCalendar = errors.New("no working-day calendar for the year")

//go:embed calendars/*.json
var shipped embed.FS

// Year is one year's calendar as published by the State Council: the
// weekdays that are days off and the weekend days that are make-up
// working days.
type Year struct {
	Year   int      `json:"year"`
	Source string   `json:"source"` // the notice it comes from
	Off    []string `json:"off"`    // YYYY-MM-DD, days off
	Work   []string `json:"work"`   // YYYY-MM-DD, make-up working days
}

// Calendars holds the loaded years. Safe for concurrent use.
type Calendars struct {
	mu    sync.RWMutex
	years map[int]year
}

type year struct {
	off, work map[Date]bool
	source    string
}

// New returns the calendars shipped with the hub (2026).
func New() *Calendars {
	c := &Calendars{years: map[int]year{}}
	err := fs.WalkDir(shipped, "calendars", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := shipped.ReadFile(path)
		if err != nil {
			return err
		}
		return c.Load(b)
	})
	if err != nil {
		panic("workday: a shipped calendar is broken: " + err.Error())
	}
	return c
}

// Load adds (or replaces) one year from its JSON (see Year).
func (c *Calendars) Load(b []byte) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var y Year
	if err := dec.Decode(&y); err != nil {
		return fmt.Errorf("calendar: %w: write it as {\"year\", \"source\", \"off\": [dates], \"work\": [dates]}", err)
	}
	parsed, err := y.parse()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.years[y.Year] = parsed
	return nil
}

// LoadDir loads every *.json in dir (e.g. DATA/calendars) over the shipped
// years; a missing dir loads nothing.
func (c *Calendars) LoadDir(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("read calendar: %w", err)
		}
		if err := c.Load(b); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// Years lists the loaded years in order.
func (c *Calendars) Years() []int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

// parse checks a year: every date in it, days off on weekdays' side and
// make-up days on weekends, no date both.
func (y Year) parse() (year, error) {
	if y.Year < 2000 || y.Year > 2200 {
		return year{}, fmt.Errorf("calendar: year %d is not a plausible year", y.Year)
	}
	out := year{off: map[Date]bool{}, work: map[Date]bool{}, source: y.Source}
	for _, set := range []struct {
		list []string
		into map[Date]bool
		what string
	}{{y.Off, out.off, "day off"}, {y.Work, out.work, "make-up working day"}} {
		for _, s := range set.list {
			d, err := ParseDate(s)
			if err != nil {
				return year{}, fmt.Errorf("calendar %d: %w", y.Year, err)
			}
			if d.Year != y.Year {
				return year{}, fmt.Errorf("calendar %d: %s %s is in another year: put it in that year's file", y.Year, set.what, s)
			}
			set.into[d] = true
		}
	}
	for d := range out.work {
		if out.off[d] {
			return year{}, fmt.Errorf("calendar %d: %s is both a day off and a working day: keep one", y.Year, d)
		}
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return year{}, fmt.Errorf("calendar %d: make-up working day %s is a weekday already: list only weekend days", y.Year, d)
		}
	}
	return out, nil
}
