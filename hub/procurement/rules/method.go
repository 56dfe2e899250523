package rules

import (
	"fmt"
	"slices"

	"github.com/evalroom/evalroom/hub/workday"
)

// The methods of the Government Procurement Law (art. 26) and Order 110.
const (
	OpenTender              = "open_tender"
	InvitedTender           = "invited_tender"
	CompetitiveNegotiation  = "competitive_negotiation"
	CompetitiveConsultation = "competitive_consultation"
	Inquiry                 = "inquiry"
	SingleSource            = "single_source"
	FrameworkAgreement      = "framework_agreement"
)

// Method is a procurement method as configuration, in the manner of
// ProZorro's procedure configurations: who takes part, whether bids are
// opened, and its statutory clocks.
type Method struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	NameEn         string     `json:"name_en"`
	Categories     []Category `json:"categories"`
	MinSuppliers   int        `json:"min_suppliers"` // invited at least (0: open to all)
	MinBids        int        `json:"min_bids"`      // fewer: no opening or evaluation
	HasOpening     bool       `json:"has_opening"`
	ElectronicOnly bool       `json:"electronic_only,omitempty"`
	Clocks         []Clock    `json:"clocks"`
}

// Clock is one statutory limit of a method: Limit counted From an event.
type Clock struct {
	Step   string       `json:"step"`
	From   string       `json:"from"` // the event it counts from (or, for "before", back from)
	Limit  workday.Span `json:"limit"`
	Kind   string       `json:"kind"` // min: not before; max: not after; before: not after From minus Limit
	Basis  string       `json:"basis"`
	Verify string       `json:"verify,omitempty"` // what is not yet confirmed
}

// The kinds of clock.
const (
	AtLeast = "min"
	Within  = "max"
	Before  = "before"
)

func (m Method) check() error {
	if m.ID == "" || m.Name == "" || len(m.Categories) == 0 {
		return fmt.Errorf("method %q: needs id, name and categories", m.ID)
	}
	for _, c := range m.Clocks {
		if c.Step == "" || c.From == "" || c.Basis == "" || !slices.Contains([]string{AtLeast, Within, Before}, c.Kind) {
			return fmt.Errorf("method %s, clock %q: needs step, from, limit, basis and kind min, max or before", m.ID, c.Step)
		}
	}
	return nil
}

// Clock returns the method's clock for a step.
func (m Method) Clock(step string) (Clock, bool) {
	for _, c := range m.Clocks {
		if c.Step == step {
			return c, true
		}
	}
	return Clock{}, false
}

// Method returns a method by id.
func (r *Rules) Method(id string) (Method, error) {
	m, ok := r.Methods[id]
	if !ok {
		return Method{}, fmt.Errorf("%w: unknown method %q: use open_tender, invited_tender, competitive_negotiation, competitive_consultation, inquiry, single_source or framework_agreement", ErrNoRule, id)
	}
	return m, nil
}

// Fits refuses a method for a category it does not serve (inquiry buys
// goods only: Law art. 32).
func (m Method) Fits(c Category) error {
	if slices.Contains(m.Categories, c) {
		return nil
	}
	return &Violation{Kind: ErrForbidden, Basis: "政府采购法 第二十六至三十二条 (Law art. 26–32)",
		Msg: fmt.Sprintf("%s is not a method for %s", m.Name, c)}
}

// After are the clocks every method shares after evaluation (Reg art. 43,
// 50; Law art. 46, 47).
var After = []Clock{
	{Step: "report_to_purchaser", From: "evaluation_done", Limit: workday.WD(2), Kind: Within, Basis: "实施条例 第四十三条 (Reg art. 43)"},
	{Step: "purchaser_confirms", From: "report_to_purchaser", Limit: workday.WD(5), Kind: Within, Basis: "实施条例 第四十三条 (Reg art. 43)"},
	{Step: "result_announced", From: "purchaser_confirms", Limit: workday.WD(2), Kind: Within, Basis: "实施条例 第四十三条 (Reg art. 43)"},
	{Step: "announcement_period", From: "result_announced", Limit: workday.WD(1), Kind: AtLeast, Basis: "财政部令第87号 (Order 87)", Verify: "article number"},
	{Step: "contract_signed", From: "award_notice", Limit: workday.Days(30), Kind: Within, Basis: "政府采购法 第四十六条 (Law art. 46)"},
	{Step: "contract_published", From: "contract_signed", Limit: workday.WD(2), Kind: Within, Basis: "实施条例 第五十条 (Reg art. 50)"},
	{Step: "contract_filed", From: "contract_signed", Limit: workday.WD(7), Kind: Within, Basis: "政府采购法 第四十七条 (Law art. 47)"},
}
