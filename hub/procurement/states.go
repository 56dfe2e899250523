// Package procurement is the hub's procurement workflow domain: a
// purchaser's entrustment (委托单), made by one person of the unit and
// reviewed by another, taken in or returned by the agency, and turned into
// a project with lots, a method and a timetable whose deadlines the
// working-day engine computes from the rules' clocks, each shown with its
// legal basis. It owns its tables and queries, its state machines and its
// HTTP handlers; every transition goes to the audit log.
package procurement

import (
	"errors"
	"fmt"
)

// ErrState means a transition does not apply to the record's state.
var ErrState = errors.New("not allowed in this state")

// Machine is a state machine: for each state, the events it takes and the
// state each leads to.
type Machine map[string]map[string]string

// Next is the state after event in state from, or ErrState.
func (m Machine) Next(from, event string) (string, error) {
	to, ok := m[from][event]
	if !ok {
		return "", fmt.Errorf("%w: cannot %s what is %s", ErrState, event, from)
	}
	return to, nil
}

// The entrustment's states (README, "Procurement workflow").
const (
	EntDraft     = "draft"      // being written by the purchaser's maker
	EntReview    = "review"     // waiting for the unit's checker
	EntSubmitted = "submitted"  // with the agency
	EntReturned  = "returned"   // the agency sent it back, with a reason
	EntAccepted  = "accepted"   // the agency took it in
	EntInProject = "in_project" // the agency made it a project
)

// Entrustments is the entrustment's state machine.
var Entrustments = Machine{
	EntDraft:     {"submit": EntReview},
	EntReview:    {"approve": EntSubmitted, "reject": EntDraft},
	EntSubmitted: {"accept": EntAccepted, "return": EntReturned},
	EntReturned:  {"submit": EntReview},
	EntAccepted:  {"project": EntInProject},
}

// The project's states, after OCDS's tender statuses (planning, active,
// complete, cancelled, unsuccessful); evaluation, award and contract come
// with later steps of the workflow.
const (
	ProjPlanning  = "planning"  // method, lots and budget set; no documents out
	ProjTendering = "tendering" // documents issued, bids come in until the deadline
	ProjEvaluated = "evaluated" // bids evaluated: the result is being awarded and contracted
	ProjCancelled = "cancelled"
)

// Projects is the project's state machine.
var Projects = Machine{
	ProjPlanning:  {"publish": ProjTendering, "cancel": ProjCancelled},
	ProjTendering: {"extend": ProjTendering, "cancel": ProjCancelled, "award": ProjEvaluated},
	ProjEvaluated: {"award": ProjEvaluated, "cancel": ProjCancelled},
}

// The lot's states; a lot follows its project until lots are decided on
// one by one (award per lot comes later).
const (
	LotActive    = "active"
	LotCancelled = "cancelled"
)

// The award's states, after OCDS's award statuses: the evaluation's
// result is pending until the purchaser confirms it (the award notice goes
// out that day) or it is cancelled.
const (
	AwardPending   = "pending"
	AwardActive    = "active"
	AwardCancelled = "cancelled"
)

// Awards is the award's state machine.
var Awards = Machine{
	AwardPending: {"confirm": AwardActive, "cancel": AwardCancelled},
	AwardActive:  {"cancel": AwardCancelled, "contract": AwardActive},
}

// The contract's states: drafted from an active award, signed by the
// purchaser, filed (合同备案) with the finance department.
const (
	ContractPending = "pending"
	ContractSigned  = "signed"
	ContractFiled   = "filed"
)

// Contracts is the contract's state machine.
var Contracts = Machine{
	ContractPending: {"sign": ContractSigned},
	ContractSigned:  {"file": ContractFiled},
}
