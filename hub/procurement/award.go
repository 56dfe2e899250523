package procurement

import (
	"time"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/workday"
)

// Award is the evaluation's result for one lot of a project: the supplier
// the committee recommends, confirmed by the purchaser (the award notice,
// 中标/成交通知书, goes out that day) or cancelled.
type Award struct {
	ID           int64         `json:"id"`
	Project      int64         `json:"project"`
	Lot          int           `json:"lot"` // the lot's number
	Purchaser    string        `json:"purchaser"`
	Agency       string        `json:"agency"`
	Jurisdiction string        `json:"jurisdiction"`
	Supplier     string        `json:"supplier"` // the company's id, a supplier account's scope
	SupplierName string        `json:"supplier_name"`
	Amount       int64         `json:"amount"` // yuan
	State        string        `json:"state"`
	Evaluated    workday.Date  `json:"evaluation_done"`
	Notice       workday.Date  `json:"award_notice,omitzero"` // the day the purchaser confirmed it
	SignBy       *workday.Date `json:"sign_by"`               // the contract's last day (Law art. 46), null before the notice
	ConfirmedBy  string        `json:"confirmed_by,omitempty"`
	Reason       string        `json:"reason,omitempty"` // why it was cancelled
	Contract     int64         `json:"contract,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

// Parties are whom the award belongs to.
func (a Award) Parties() auth.Parties {
	return auth.Parties{Purchaser: a.Purchaser, Agency: a.Agency, Jurisdiction: a.Jurisdiction}
}

// Contract is the contract made of an active award.
type Contract struct {
	ID           int64         `json:"id"`
	Award        int64         `json:"award"`
	Project      int64         `json:"project"`
	Lot          int           `json:"lot"`
	Purchaser    string        `json:"purchaser"`
	Agency       string        `json:"agency"`
	Jurisdiction string        `json:"jurisdiction"`
	Supplier     string        `json:"supplier"`
	Amount       int64         `json:"amount"`
	State        string        `json:"state"`
	Signed       workday.Date  `json:"signed,omitzero"`
	LateReason   string        `json:"late_reason,omitempty"` // why it was signed more than 30 days after the notice
	Filed        workday.Date  `json:"filed,omitzero"`
	FileBy       *workday.Date `json:"file_by"` // 7 working days after signing (Law art. 47), null before
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

// Parties are whom the contract belongs to.
func (c Contract) Parties() auth.Parties {
	return auth.Parties{Purchaser: c.Purchaser, Agency: c.Agency, Jurisdiction: c.Jurisdiction}
}
