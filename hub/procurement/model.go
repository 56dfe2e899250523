package procurement

import (
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/procurement/rules"
	"github.com/evalroom/evalroom/hub/workday"
)

// Entrustment is a purchaser unit's request to an agency to procure one
// line of its filed procurement plan.
type Entrustment struct {
	ID           int64          `json:"id"`
	Purchaser    string         `json:"purchaser"`    // unit id
	Agency       string         `json:"agency"`       // agency id
	Jurisdiction string         `json:"jurisdiction"` // division code of the regulating finance department
	Title        string         `json:"title"`
	Category     rules.Category `json:"category"`
	Budget       int64          `json:"budget"`    // yuan
	PlanLine     string         `json:"plan_line"` // the filed plan line (计划备案) it spends
	Method       string         `json:"method"`
	Approval     string         `json:"approval,omitempty"` // reference of the approval of a non-open method
	State        string         `json:"state"`
	Maker        string         `json:"maker"`
	Checker      string         `json:"checker,omitempty"`
	Reason       string         `json:"reason,omitempty"`  // why it was last rejected or returned
	Split        string         `json:"split,omitempty"`   // why it looks like a split purchase
	Threshold    string         `json:"threshold"`         // the threshold rule it was checked against
	Project      int64          `json:"project,omitempty"` // the project made of it
	FiscalYear   int            `json:"fiscal_year"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

// Parties are whom the entrustment belongs to.
func (e Entrustment) Parties() auth.Parties {
	return auth.Parties{Purchaser: e.Purchaser, Agency: e.Agency, Jurisdiction: e.Jurisdiction}
}

// Project is an agency's procurement project made of an entrustment.
type Project struct {
	ID              int64          `json:"id"`
	Entrustment     int64          `json:"entrustment"`
	Purchaser       string         `json:"purchaser"`
	Agency          string         `json:"agency"`
	Jurisdiction    string         `json:"jurisdiction"`
	Title           string         `json:"title"`
	Category        rules.Category `json:"category"`
	Method          string         `json:"method"`
	Approval        string         `json:"approval,omitempty"`
	Budget          int64          `json:"budget"`
	State           string         `json:"state"`
	Reason          string         `json:"reason,omitempty"`
	DocumentsIssued workday.Date   `json:"documents_issued,omitzero"`
	BidDeadline     workday.Date   `json:"bid_deadline,omitzero"`
	Lots            []Lot          `json:"lots"`
	Timetable       []Deadline     `json:"timetable"`
	Next            *Deadline      `json:"next_deadline"`
	LegalState      string         `json:"legal_state,omitempty"` // beside State: suspended_by_complaint
	Suspension      *Suspension    `json:"suspension,omitempty"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// Parties are whom the project belongs to.
func (p Project) Parties() auth.Parties {
	return auth.Parties{Purchaser: p.Purchaser, Agency: p.Agency, Jurisdiction: p.Jurisdiction}
}

// Lot is one part of a project, bid on and awarded on its own.
type Lot struct {
	ID     int64  `json:"id"`
	Number int    `json:"number"`
	Title  string `json:"title"`
	Budget int64  `json:"budget"` // yuan
	State  string `json:"state"`
}
