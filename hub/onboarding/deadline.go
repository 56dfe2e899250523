package onboarding

import (
	"time"

	"github.com/evalroom/evalroom/hub/workday"
)

// The statutory clocks of an application (DOMAIN.md, "Agency onboarding",
// the Kunming seed): technicians arranged within 3 working days of the
// application, the mark published within 5 working days of passing.
var (
	AssignLimit  = workday.WD(3)
	PublishLimit = workday.WD(5)
)

const (
	assignBasis  = "平台在收到评标室申请后3个工作日内安排技术人员上门安装调试 (seed 2, Kunming: technicians within 3 WD of the room application)"
	publishBasis = "验收通过后5个工作日内标注“可视化”并公示 (seed 2, Kunming: the mark published within 5 WD of passing)"
)

// deadlines are the application's clocks seen on today; a clock whose year
// has no calendar is an error (never guessed).
func deadlines(cal *workday.Calendars, a Application, today workday.Date) ([]Deadline, error) {
	out := []Deadline{}
	d, err := clock(cal, "assign_technicians", a.AppliedAt, AssignLimit, assignBasis, a.AssignedAt, today)
	if err != nil {
		return nil, err
	}
	out = append(out, d)
	if a.DecidedAt != nil && (Marked(a.State) || a.PublishedAt != nil) {
		d, err := clock(cal, "publish_mark", *a.DecidedAt, PublishLimit, publishBasis, a.PublishedAt, today)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func clock(cal *workday.Calendars, step string, from time.Time, limit workday.Span, basis string, done *time.Time, today workday.Date) (Deadline, error) {
	start := workday.DateOf(from)
	due, err := cal.Add(start, limit)
	if err != nil {
		return Deadline{}, err
	}
	d := Deadline{Step: step, From: start, Limit: limit, Due: due, Basis: basis}
	if done != nil {
		day := workday.DateOf(*done)
		d.Done, d.Status = &day, "met"
		if due.Before(day) {
			d.Status = "late"
		}
		return d, nil
	}
	d.Status, err = status(cal, due, today)
	return d, err
}

// status is ok, approaching (the due day is today or the next working day:
// amber) or overdue (red).
func status(cal *workday.Calendars, due, today workday.Date) (string, error) {
	if due.Before(today) {
		return "overdue", nil
	}
	nextDay, err := cal.NextWorkingDay(today.AddDays(1))
	if err != nil {
		return "", err
	}
	if !nextDay.Before(due) {
		return "approaching", nil
	}
	return "ok", nil
}
