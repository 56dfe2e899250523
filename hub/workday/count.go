package workday

import (
	"fmt"
	"time"
)

// IsWorkingDay reports whether d is a working day: Monday to Friday except
// days off, and make-up working days.
func (c *Calendars) IsWorkingDay(d Date) (bool, error) {
	c.mu.RLock()
	y, ok := c.years[d.Year]
	c.mu.RUnlock()
	if !ok {
		return false, fmt.Errorf("%w %d: load it (DATA/calendars/%d.json from the State Council's notice) before counting working days through %s", ErrNoCalendar, d.Year, d.Year, d)
	}
	switch {
	case y.work[d]:
		return true, nil
	case y.off[d]:
		return false, nil
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday, nil
}

// AddWorkingDays is the end of a limit of n working days from start: the
// start day is not counted, the n-th working day after it is the last
// (Order 87 art. 85). n must be positive.
func (c *Calendars) AddWorkingDays(start Date, n int) (Date, error) {
	if n <= 0 {
		return Date{}, fmt.Errorf("a limit of %d working days: give a positive number", n)
	}
	d := start
	for n > 0 {
		d = d.AddDays(1)
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

// AddDays is the end of a limit of n calendar days from start: the start
// day is not counted, and a limit whose last day is a day off ends on the
// next working day (Order 87 art. 85). n must be positive.
func (c *Calendars) AddDays(start Date, n int) (Date, error) {
	if n <= 0 {
		return Date{}, fmt.Errorf("a limit of %d days: give a positive number", n)
	}
	return c.NextWorkingDay(start.AddDays(n))
}

// NextWorkingDay is d when it is a working day, else the first working day
// after it.
func (c *Calendars) NextWorkingDay(d Date) (Date, error) {
	for {
		ok, err := c.IsWorkingDay(d)
		if err != nil || ok {
			return d, err
		}
		d = d.AddDays(1)
	}
}

// Clock tells the time; the hub passes time.Now, tests a fixed instant.
type Clock func() time.Time
