// Package workday counts statutory time limits: calendar days and working
// days (工作日) over yearly calendars of days off and make-up working days
// (调休), by the rules of Order 87 art. 85: the start day is not counted,
// and a limit that ends on a day off ends on the next working day. A year
// without a loaded calendar is refused, never guessed.
package workday

import (
	"fmt"
	"time"
)

// China is the time zone every procurement date is reckoned in (UTC+8,
// without daylight saving since 1991).
var China = time.FixedZone("CST", 8*3600)

// Date is a civil date, without a time of day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the date in China of the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(China).Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: write it as YYYY-MM-DD", s)
	}
	return DateOf(time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, China)), nil
}

// String is the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// IsZero reports whether d is the zero date.
func (d Date) IsZero() bool { return d == Date{} }

// Time is the date's start in China.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, China) }

// End is the date's end: a day ends at 24:00 (Civil Code art. 203).
func (d Date) End() time.Time { return d.AddDays(1).Time() }

// AddDays is the date n calendar days later (earlier for n < 0).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, China))
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.Time().Weekday() }

// MarshalText writes YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
