package onboarding

import (
	"time"

	"github.com/evalroom/evalroom/hub/workday"
)

// Application is an agency's application for a room's device acceptance;
// one per room, which goes round again after a failed run or a withdrawn
// mark.
type Application struct {
	ID           int64       `json:"id"`
	Room         string      `json:"room"`
	Agency       string      `json:"agency"`
	Jurisdiction string      `json:"jurisdiction"`
	Address      string      `json:"address"`
	Contact      string      `json:"contact"`
	Specialist   string      `json:"specialist"` // the agency's device specialist (设备专员)
	Equipment    []Equipment `json:"equipment"`
	State        string      `json:"state"`
	Applicant    string      `json:"applicant"`
	Technicians  []string    `json:"technicians"` // user names the operator assigned
	Run          int         `json:"run"`         // the number of the latest acceptance run, 0 before the first
	Reasons      []string    `json:"reasons"`     // why the last run failed, or why the mark was withdrawn
	FormSHA256   string      `json:"form_sha256,omitempty"`
	AppliedAt    time.Time   `json:"applied_at"`
	AssignedAt   *time.Time  `json:"assigned_at"`
	DecidedAt    *time.Time  `json:"decided_at"` // when the last run passed or failed
	PublishedAt  *time.Time  `json:"published_at"`
	Checks       []Check     `json:"checks"`    // the latest run's results
	Deadlines    []Deadline  `json:"deadlines"` // the statutory clocks
	UpdatedAt    time.Time   `json:"updated_at"`
}

// Equipment is one device the application lists.
type Equipment struct {
	Kind   string `json:"kind"` // camera, microphone, signing_pad, e_seal, video_conference, other
	Make   string `json:"make"`
	Model  string `json:"model"`
	Serial string `json:"serial"`
}

// Check is one item's result in an acceptance run.
type Check struct {
	Item     string    `json:"item"` // a Checklist id, or camera:STREAM / microphone:STREAM
	Pass     bool      `json:"pass"`
	Value    string    `json:"value"`              // what was found, in words
	Evidence string    `json:"evidence,omitempty"` // SHA-256 of the technician's evidence file
	By       string    `json:"by"`                 // "hub" or the technician
	At       time.Time `json:"at"`
}

// Deadline is one statutory clock of an application.
type Deadline struct {
	Step   string        `json:"step"` // assign_technicians, publish_mark
	From   workday.Date  `json:"from"`
	Limit  workday.Span  `json:"limit"`
	Due    workday.Date  `json:"due"`
	Basis  string        `json:"basis"`
	Done   *workday.Date `json:"done"`
	Status string        `json:"status"` // ok, approaching (amber), overdue (red), met, late
}

// Mark is a room's "可视化" mark as the rooms API shows it.
type Mark struct {
	Label       string        `json:"label"` // 可视化
	State       string        `json:"state"` // passed (to be published) or published
	Since       time.Time     `json:"since"`
	PublishBy   *workday.Date `json:"publish_by,omitempty"`
	Application int64         `json:"application"`
}

// MarkLabel is the mark's name.
const MarkLabel = "可视化"
