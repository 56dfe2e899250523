package people

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Cast are the people the demo's tender needs, and whom they belong to.
type Cast struct {
	Maker    Login `json:"maker"`    // a purchaser of the unit: makes the entrustments
	Checker  Login `json:"checker"`  // another purchaser of the unit: reviews them
	Agency   Login `json:"agency"`   // the agency's staff
	Supplier Login `json:"supplier"` // a supplier that challenges the documents
	// AgencyID and Jurisdiction are where the entrustments go.
	AgencyID     string `json:"agency_id"`
	Jurisdiction string `json:"jurisdiction"`
	// Onboarding, when given, qualifies the agency first (Onboard): the hub
	// gives entrustments only to a qualified agency.
	Onboarding *Onboarding `json:"onboarding,omitempty"`
}

// Seeded says how far the seed went.
type Seeded struct {
	Project     int64  // the open tender
	State       string // its state at the end: tendering, or planning when it could not be published
	BidDeadline string
	Challenge   int64  // the supplier's challenge of the documents, waiting for the agency's reply
	Waiting     int64  // a second entrustment, waiting for the agency's intake
	Note        string // why a step was left out
}

// china is where the hub counts days.
var china = time.FixedZone("CST", 8*3600)

// Seed puts one open tender part-way through at the hub at base, as the
// cast would through the page: an entrustment made, reviewed, accepted and
// made a project of two lots; the documents issued today with a bid
// deadline 25 days on (Law art. 35 asks at least 20); a supplier's
// challenge of the documents waiting for the agency's reply; and a second
// entrustment waiting for the agency's intake. When the hub cannot compute
// a deadline (no working-day calendar for the year), the project stays in
// planning, or the challenge is left out, and Note says why. now is the
// day to count from.
func Seed(ctx context.Context, base string, tr http.RoundTripper, c Cast, now time.Time) (Seeded, error) {
	var out Seeded
	if c.Onboarding != nil {
		if err := Onboard(ctx, base, tr, c.AgencyID, *c.Onboarding); err != nil {
			return out, fmt.Errorf("qualifying agency %s: %w", c.AgencyID, err)
		}
	}
	maker, err := SignIn(ctx, base, tr, c.Maker)
	if err != nil {
		return out, err
	}
	checker, err := SignIn(ctx, base, tr, c.Checker)
	if err != nil {
		return out, err
	}
	agency, err := SignIn(ctx, base, tr, c.Agency)
	if err != nil {
		return out, err
	}
	supplier, err := SignIn(ctx, base, tr, c.Supplier)
	if err != nil {
		return out, err
	}
	year := now.In(china).Year()
	first, err := entrust(ctx, maker, checker, c, fmt.Sprintf("柳江区实验学校课桌椅采购（%d）", year), 1200000, fmt.Sprintf("LJ-%d-0042", year))
	if err != nil {
		return out, err
	}
	if err := agency.Do(ctx, "POST", fmt.Sprintf("/api/v1/entrustments/%d/accept", first), struct{}{}, nil); err != nil {
		return out, err
	}
	var p struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	lots := map[string]any{"lots": []map[string]any{{"title": "学生课桌椅", "budget": 900000}, {"title": "教师讲台", "budget": 300000}}}
	if err := agency.Do(ctx, "POST", fmt.Sprintf("/api/v1/entrustments/%d/project", first), lots, &p); err != nil {
		return out, err
	}
	out.Project, out.State = p.ID, p.State
	deadline := now.In(china).AddDate(0, 0, 25).Format(time.DateOnly)
	err = agency.Do(ctx, "POST", fmt.Sprintf("/api/v1/projects/%d/publish", p.ID), map[string]string{"bid_deadline": deadline}, &p)
	if r, ok := IsRefused(err); ok && r.Status == http.StatusUnprocessableEntity {
		out.Note = "the project stays in planning: " + r.Msg
	} else if err != nil {
		return out, err
	} else {
		out.State, out.BidDeadline = p.State, deadline
		var ch struct {
			ID int64 `json:"id"`
		}
		grounds := map[string]string{"step": "documents", "grounds": "技术参数中课桌尺寸指向单一品牌，请予澄清"}
		err := supplier.Do(ctx, "POST", fmt.Sprintf("/api/v1/projects/%d/challenges", p.ID), grounds, &ch)
		if r, ok := IsRefused(err); ok && r.Status == http.StatusUnprocessableEntity {
			out.Note = "no challenge: " + r.Msg
		} else if err != nil {
			return out, err
		}
		out.Challenge = ch.ID
	}
	second, err := entrust(ctx, maker, checker, c, fmt.Sprintf("柳江区实验学校食堂设备采购（%d）", year), 450000, fmt.Sprintf("LJ-%d-0057", year))
	if err != nil {
		return out, err
	}
	out.Waiting = second
	return out, nil
}

// entrust makes an open-tender entrustment of goods, submits it and has
// the checker approve it, so that it reaches the agency.
func entrust(ctx context.Context, maker, checker *Person, c Cast, title string, budget int64, plan string) (int64, error) {
	var e struct {
		ID int64 `json:"id"`
	}
	body := map[string]any{"title": title, "category": "goods", "budget": budget, "agency": c.AgencyID,
		"jurisdiction": c.Jurisdiction, "plan_line": plan, "method": "open_tender"}
	if err := maker.Do(ctx, "POST", "/api/v1/entrustments", body, &e); err != nil {
		return 0, err
	}
	path := fmt.Sprintf("/api/v1/entrustments/%d", e.ID)
	if err := maker.Do(ctx, "POST", path+"/submit", struct{}{}, nil); err != nil {
		return 0, err
	}
	return e.ID, checker.Do(ctx, "POST", path+"/review", map[string]bool{"approve": true}, nil)
}
