// Package onboarding is the hub's agency onboarding domain: an agency
// admin's application for a room's device acceptance, the platform
// operator's assignment of technicians (within 3 working days of the
// application), the acceptance run whose items the hub checks from what it
// holds (box, devices, recordings, live view) or the technician records
// with evidence, the decision, and the "可视化" mark published within 5
// working days of passing; and the staff exam (exam.go). It owns its tables
// (Open), its state machine and its HTTP handlers; every transition goes to
// the audit log before it is made.
package onboarding

import (
	"errors"
	"fmt"
)

// ErrState means a transition does not apply to the application's state.
var ErrState = errors.New("not allowed in this state")

// The application's states (README, "Agency onboarding").
const (
	Applied   = "applied"   // waiting for the operator to assign technicians
	Assigned  = "assigned"  // technicians named; the acceptance has not started
	Checking  = "checking"  // an acceptance run is under way
	Passed    = "passed"    // accepted: the mark is due to be published
	Failed    = "failed"    // the run failed, with reasons; a new run may start
	Published = "published" // the "可视化" mark is public
	Withdrawn = "withdrawn" // the mark was withdrawn (box replaced); a new run may start
)

// machine is, for each state, the events it takes and where each leads.
var machine = map[string]map[string]string{
	Applied:   {"assign": Assigned},
	Assigned:  {"assign": Assigned, "start": Checking},
	Checking:  {"pass": Passed, "fail": Failed},
	Failed:    {"assign": Failed, "start": Checking},
	Passed:    {"publish": Published, "withdraw": Withdrawn},
	Published: {"withdraw": Withdrawn},
	Withdrawn: {"assign": Withdrawn, "start": Checking},
}

// next is the state after event in state from, or ErrState.
func next(from, event string) (string, error) {
	to, ok := machine[from][event]
	if !ok {
		return "", fmt.Errorf("%w: cannot %s an application that is %s", ErrState, event, from)
	}
	return to, nil
}

// Marked reports whether a room with an application in state carries the
// "可视化" mark (passed and waiting for publication, or published).
func Marked(state string) bool { return state == Passed || state == Published }
