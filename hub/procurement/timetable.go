package procurement

import (
	"fmt"

	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/workday"
)

// Deadline is one statutory clock of a project, computed from the event it
// counts from, with its legal basis.
type Deadline struct {
	Step   string        `json:"step"`
	From   string        `json:"from"`  // the event it counts from
	Limit  workday.Span  `json:"limit"` // "20d" calendar days, "5wd" working days
	Kind   string        `json:"kind"`  // min: not before Due; max: not after Due; before: not after Due
	Due    *workday.Date `json:"due"`   // null until the event it counts from has happened
	Basis  string        `json:"basis"`
	Verify string        `json:"verify,omitempty"`
	Status string        `json:"status,omitempty"` // next deadline only: ok, approaching, overdue
}

// Approaching is how near a deadline shows amber.
const Approaching = 3 // calendar days

// timetable computes a method's clocks and the shared ones after
// evaluation from the events that have happened.
func timetable(cal *workday.Calendars, m rules.Method, events map[string]workday.Date) ([]Deadline, error) {
	clocks := append(append([]rules.Clock{}, m.Clocks...), rules.After...)
	out := make([]Deadline, 0, len(clocks))
	for _, c := range clocks {
		d := Deadline{Step: c.Step, From: c.From, Limit: c.Limit, Kind: c.Kind, Basis: c.Basis, Verify: c.Verify}
		if at, ok := events[c.From]; ok {
			due, err := clockDue(cal, c, at)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Step, err)
			}
			d.Due = &due
		}
		out = append(out, d)
	}
	return out, nil
}

func clockDue(cal *workday.Calendars, c rules.Clock, at workday.Date) (workday.Date, error) {
	if c.Kind == rules.Before {
		return cal.Back(at, c.Limit)
	}
	return cal.Add(at, c.Limit)
}

// events are what has happened to a project, as the clocks name them.
func events(p Project) map[string]workday.Date {
	ev := map[string]workday.Date{}
	if !p.DocumentsIssued.IsZero() {
		// The notice and the documents go out on the same day.
		ev["notice_published"], ev["documents_issued"] = p.DocumentsIssued, p.DocumentsIssued
	}
	if !p.BidDeadline.IsZero() {
		ev["bid_deadline"] = p.BidDeadline
	}
	return ev
}

// next is the project's next deadline seen on today: while tendering, the
// last day for clarifications, then the bid deadline itself (overdue once
// passed without the opening).
func next(p Project, today workday.Date) *Deadline {
	if p.State != ProjTendering {
		return nil
	}
	var cands []Deadline
	for _, d := range p.Timetable {
		if d.Step == "last_clarification" && d.Due != nil && !d.Due.Before(today) {
			cands = append(cands, d)
		}
	}
	bid := p.BidDeadline
	dl := Deadline{Step: "bid_deadline", From: "documents_issued", Kind: rules.Within, Due: &bid, Basis: "招标文件 (the procurement documents)"}
	for _, d := range p.Timetable {
		if d.Step == "bid_deadline" {
			dl.Limit, dl.Basis = d.Limit, d.Basis
		}
	}
	cands = append(cands, dl)
	n := cands[0]
	switch {
	case n.Due.Before(today):
		n.Status = "overdue"
	case n.Due.Before(today.AddDays(Approaching + 1)):
		n.Status = "approaching"
	default:
		n.Status = "ok"
	}
	return &n
}

// checkDeadline refuses a bid deadline earlier than the method's clock
// allows after the documents are issued (for open tender 20 days, Law art.
// 35).
func checkDeadline(cal *workday.Calendars, m rules.Method, issued, deadline workday.Date) error {
	c, ok := m.Clock("bid_deadline")
	if !ok {
		return nil
	}
	earliest, err := clockDue(cal, c, issued)
	if err != nil {
		return err
	}
	if deadline.Before(earliest) {
		return &rules.Violation{Kind: rules.ErrForbidden, Basis: c.Basis,
			Msg: fmt.Sprintf("a bid deadline of %s is under %s after the documents issued on %s: for %s it may be %s at the earliest", deadline, c.Limit, issued, m.Name, earliest)}
	}
	return nil
}
