package procurement

import (
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/workday"
)

// The challenge's states, after ProZorro's claims: filed (claim), the
// agency's written reply (answered), the supplier content (resolved) or
// going on to a complaint.
const (
	ChalClaim    = "claim"
	ChalAnswered = "answered"
	ChalResolved = "resolved"
)

// Challenges is the challenge's state machine.
var Challenges = Machine{
	ChalClaim:    {"answer": ChalAnswered, "complain": ChalClaim},
	ChalAnswered: {"resolve": ChalResolved, "complain": ChalAnswered},
}

// The complaint's states, after ProZorro's: pending the finance
// department's acceptance review, accepted (decision clock running, maybe
// paused), then satisfied or declined; invalid when not accepted; stopped
// when the supplier withdraws it.
const (
	CompPending   = "pending"
	CompAccepted  = "accepted"
	CompSatisfied = "satisfied"
	CompDeclined  = "declined"
	CompInvalid   = "invalid"
	CompStopped   = "stopped"
)

// Complaints is the complaint's state machine.
var Complaints = Machine{
	CompPending:  {"accept": CompAccepted, "reject": CompInvalid, "withdraw": CompStopped, "suspend": CompPending, "lift": CompPending},
	CompAccepted: {"pause": CompAccepted, "resume": CompAccepted, "satisfy": CompSatisfied, "decline": CompDeclined, "withdraw": CompStopped, "suspend": CompAccepted, "lift": CompAccepted},
}

// The steps a challenge is about, each known to the supplier on its day
// (Order 94 art. 10).
const (
	StepDocuments = "documents" // the procurement documents
	StepProcess   = "process"   // the procedure up to the opening
	StepResult    = "result"    // the award
)

// Challenge is a supplier's written challenge (质疑) of a project's step.
type Challenge struct {
	ID            int64        `json:"id"`
	Project       int64        `json:"project"`
	Purchaser     string       `json:"purchaser"`
	Agency        string       `json:"agency"`
	Jurisdiction  string       `json:"jurisdiction"`
	Supplier      string       `json:"supplier"`
	Step          string       `json:"step"`
	Grounds       string       `json:"grounds"`
	State         string       `json:"state"`
	Known         workday.Date `json:"known"`            // the day the step ended, from which the 7 working days count
	FileBy        workday.Date `json:"file_by,omitzero"` // Law art. 52, Order 94 art. 10; absent while its year has no calendar
	Filed         workday.Date `json:"filed"`
	ReplyBy       workday.Date `json:"reply_by,omitzero"` // Law art. 53, Order 94 art. 13
	Reply         string       `json:"reply,omitempty"`
	ChangesResult bool         `json:"changes_result"` // the agency's reply: the result changes
	Answered      workday.Date `json:"answered,omitzero"`
	ComplainBy    workday.Date `json:"complain_by,omitzero"` // 15 working days after the reply period (Law art. 55)
	Documents     []Document   `json:"documents"`
	Complaints    []int64      `json:"complaints"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
}

// Parties are whom the challenge belongs to: the project's and its supplier.
func (c Challenge) Parties() auth.Parties {
	return auth.Parties{Purchaser: c.Purchaser, Agency: c.Agency, Jurisdiction: c.Jurisdiction, Supplier: c.Supplier}
}

// Complaint is a supplier's complaint (投诉) to the finance department of
// the project's jurisdiction about a challenge's reply.
type Complaint struct {
	ID           int64         `json:"id"`
	Challenge    int64         `json:"challenge"`
	Project      int64         `json:"project"`
	Purchaser    string        `json:"purchaser"`
	Agency       string        `json:"agency"`
	Jurisdiction string        `json:"jurisdiction"`
	Supplier     string        `json:"supplier"`
	Grounds      string        `json:"grounds"`
	State        string        `json:"state"`
	Filed        workday.Date  `json:"filed"`
	ReviewBy     workday.Date  `json:"review_by,omitzero"` // 5 working days (Order 94 art. 21); absent while its year has no calendar
	Accepted     workday.Date  `json:"accepted,omitzero"`
	DecideBy     *workday.Date `json:"decide_by"` // 30 working days, paused days not counted (Law art. 56, Reg art. 58); null also while its year has no calendar
	PausedSince  workday.Date  `json:"paused_since,omitzero"`
	PauseReason  string        `json:"pause_reason,omitempty"`
	PausedDays   int           `json:"paused_working_days"`
	Decision     string        `json:"decision,omitempty"`
	Decided      workday.Date  `json:"decided,omitzero"`
	Documents    []Document    `json:"documents"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

// Parties are whom the complaint belongs to.
func (c Complaint) Parties() auth.Parties {
	return auth.Parties{Purchaser: c.Purchaser, Agency: c.Agency, Jurisdiction: c.Jurisdiction, Supplier: c.Supplier}
}

// Document is an evidence file of a challenge or complaint, kept with the
// SHA-256 the hub computed on receipt.
type Document struct {
	ID     int64     `json:"id"`
	Name   string    `json:"name"`
	SHA256 string    `json:"sha256"`
	Size   int64     `json:"size"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Suspension is the legal sub-state "suspended by complaint" of a project
// (Law art. 57): from Since to Until at most 30 days, unless lifted.
type Suspension struct {
	Complaint int64        `json:"complaint"`
	Since     workday.Date `json:"since"`
	Until     workday.Date `json:"until"`
	Reason    string       `json:"reason"`
}
