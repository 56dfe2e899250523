package workday

import (
	"fmt"
	"strconv"
	"strings"
)

// Span is a statutory time limit: N calendar days, or N working days.
type Span struct {
	N       int
	Working bool // working days (工作日); else calendar days
}

// WD is n working days.
func WD(n int) Span { return Span{N: n, Working: true} }

// Days is n calendar days.
func Days(n int) Span { return Span{N: n} }

// String is "7wd" or "20d".
func (s Span) String() string {
	if s.Working {
		return strconv.Itoa(s.N) + "wd"
	}
	return strconv.Itoa(s.N) + "d"
}

// ParseSpan reads "7wd" (working days) or "20d" (calendar days).
func ParseSpan(s string) (Span, error) {
	num, working := strings.CutSuffix(s, "wd")
	if !working {
		var ok bool
		if num, ok = strings.CutSuffix(s, "d"); !ok {
			return Span{}, fmt.Errorf("limit %q: write Nwd for working days or Nd for calendar days, e.g. 7wd or 20d", s)
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || n > 3660 {
		return Span{}, fmt.Errorf("limit %q: the number of days must be a whole number from 1 to 3660", s)
	}
	return Span{N: n, Working: working}, nil
}

// Add is the end of the limit s from start (AddWorkingDays or AddDays).
func (c *Calendars) Add(start Date, s Span) (Date, error) {
	if s.Working {
		return c.AddWorkingDays(start, s.N)
	}
	return c.AddDays(start, s.N)
}

// MarshalText writes the span as String does.
func (s Span) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a span as ParseSpan does.
func (s *Span) UnmarshalText(b []byte) error {
	v, err := ParseSpan(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Back is the last day on which something must happen to be a span before
// end: end minus n calendar days, or the n-th working day before end.
func (c *Calendars) Back(end Date, s Span) (Date, error) {
	if !s.Working {
		return end.AddDays(-s.N), nil
	}
	d := end
	for n := s.N; n > 0; {
		d = d.AddDays(-1)
		ok, err := c.IsWorkingDay(d)
		if err != nil {
			return Date{}, err
		}
		if ok {
			n--
		}
	}
	return d, nil
}
