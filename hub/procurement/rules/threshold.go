package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/evalroom/evalroom/hub/workday"
)

// Threshold is where a jurisdiction's purchases of a category must run
// through the system via an agency (System), and where open tender is
// the default method (OpenTender), from a date on. Amounts in yuan.
type Threshold struct {
	Jurisdiction string       `json:"jurisdiction"` // division code; it covers the codes it is a prefix of once its trailing 00 pairs are cut
	Category     Category     `json:"category"`
	From         workday.Date `json:"from"`
	System       int64        `json:"system"`
	OpenTender   int64        `json:"open_tender"`
	Basis        string       `json:"basis"`
	Verify       string       `json:"verify,omitempty"` // what is not yet confirmed
}

var divisionCode = regexp.MustCompile(`^[1-9][0-9]{5}$`)

func (t Threshold) check() error {
	switch {
	case !divisionCode.MatchString(t.Jurisdiction):
		return fmt.Errorf("threshold: jurisdiction %q is not a 6-digit division code", t.Jurisdiction)
	case !slices.Contains(Categories, t.Category):
		return fmt.Errorf("threshold %s: category %q is not goods, services or works", t.Jurisdiction, t.Category)
	case t.From.IsZero() || t.System <= 0 || t.OpenTender < t.System:
		return fmt.Errorf("threshold %s/%s: needs from, system > 0 and open_tender ≥ system", t.Jurisdiction, t.Category)
	case t.Basis == "":
		return fmt.Errorf("threshold %s/%s: cite its basis", t.Jurisdiction, t.Category)
	}
	return nil
}

// prefix is the part of a division code its subdivisions share.
func prefix(code string) string {
	for len(code) > 2 && strings.HasSuffix(code, "00") {
		code = code[:len(code)-2]
	}
	return code
}

// Threshold finds the rule for a jurisdiction's category on a date: the
// most specific jurisdiction, then the latest in force.
func (r *Rules) Threshold(jurisdiction string, c Category, on workday.Date) (Threshold, error) {
	var best Threshold
	found := false
	for _, t := range r.Thresholds {
		p := prefix(t.Jurisdiction)
		if t.Category != c || !strings.HasPrefix(jurisdiction, p) || on.Before(t.From) {
			continue
		}
		if !found || len(p) > len(prefix(best.Jurisdiction)) || (len(p) == len(prefix(best.Jurisdiction)) && best.From.Before(t.From)) {
			best, found = t, true
		}
	}
	if !found {
		return Threshold{}, fmt.Errorf("%w: no %s threshold in force on %s for jurisdiction %s: add it to the rules' thresholds", ErrNoRule, c, on, jurisdiction)
	}
	return best, nil
}

// InSystem refuses a budget below the threshold: such a purchase is made
// by the unit itself, outside this system.
func (t Threshold) InSystem(budget int64) error {
	if budget >= t.System {
		return nil
	}
	return &Violation{Kind: ErrOutsideSystem, Basis: t.Basis,
		Msg: fmt.Sprintf("a %s purchase of %d yuan is below the %d yuan from which it must go through the system via an agency: buy it outside the system under the unit's own rules", t.Category, budget, t.System)}
}

// MethodAllowed checks the method against the open-tender threshold:
// above it another method needs a prior approval of a finance department
// at city level or higher, recorded with its reference.
func (t Threshold) MethodAllowed(m Method, budget int64, approval string) error {
	if m.ID == OpenTender || budget < t.OpenTender || approval != "" {
		return nil
	}
	return &Violation{Kind: ErrNeedsApproval, Basis: "政府采购法 第二十七条; 实施条例 第二十三条 (Law art. 27, Reg art. 23)",
		Msg: fmt.Sprintf("%d yuan is at or above the open-tender threshold of %d yuan: %s needs the finance department's prior approval; give its reference in \"approval\" or use open tender", budget, t.OpenTender, m.Name)}
}

// Splitting reports whether a unit's non-tender purchases of one category
// in one fiscal year add up, with this one, to the open-tender threshold
// although each is below it: splitting to avoid open tender (Reg art.
// 28). earlier are the budgets of the year's earlier purchases.
func (t Threshold) Splitting(earlier []int64, budget int64) (bool, string) {
	if budget >= t.OpenTender {
		return false, ""
	}
	sum := budget
	for _, b := range earlier {
		if b >= t.OpenTender {
			continue
		}
		sum += b
	}
	if sum < t.OpenTender || len(earlier) == 0 {
		return false, ""
	}
	return true, fmt.Sprintf("this and %d earlier %s purchases of the unit this fiscal year add up to %d yuan, past the open-tender threshold of %d: a split purchase must be tendered as one (实施条例 第二十八条, Reg art. 28)", len(earlier), t.Category, sum, t.OpenTender)
}
