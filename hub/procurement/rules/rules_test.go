package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/hub/workday"
)

func day(s string) workday.Date {
	d, err := workday.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestShippedMethods(t *testing.T) {
	r := Shipped()
	for _, id := range []string{OpenTender, InvitedTender, CompetitiveNegotiation, CompetitiveConsultation, Inquiry, SingleSource, FrameworkAgreement} {
		m, err := r.Method(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range m.Clocks {
			if !strings.Contains(c.Basis, "(") {
				t.Errorf("%s/%s: basis %q names no article in English", id, c.Step, c.Basis)
			}
		}
	}
	c, ok := r.Methods[OpenTender].Clock("bid_deadline")
	if !ok || c.Limit != workday.Days(20) || !strings.Contains(c.Basis, "Law art. 35") {
		t.Fatalf("open tender's bid deadline: %+v", c)
	}
	if err := r.Methods[Inquiry].Fits(Services); !errors.Is(err, ErrForbidden) {
		t.Fatalf("inquiry for services: %v", err)
	}
}

func TestThresholds(t *testing.T) {
	r := Shipped()
	cases := []struct {
		juris  string
		cat    Category
		budget int64
		in     bool
	}{
		{"450206", Goods, 300000, true}, // 以上 includes the number
		{"450206", Goods, 299999, false},
		{"450206", Services, 500000, true},
		{"450206", Works, 3999999, false},
		{"450206", Works, 4000000, true},
		{"100000", Goods, 999999, false},
		{"100000", Works, 1200000, true},
	}
	for _, tc := range cases {
		th, err := r.Threshold(tc.juris, tc.cat, day("2026-05-01"))
		if err != nil {
			t.Fatal(err)
		}
		err = th.InSystem(tc.budget)
		if (err == nil) != tc.in || (err != nil && !errors.Is(err, ErrOutsideSystem)) {
			t.Errorf("%s %s %d: %v, in system %v", tc.juris, tc.cat, tc.budget, err, tc.in)
		}
	}
	if _, err := r.Threshold("450206", Goods, day("2025-12-31")); !errors.Is(err, ErrNoRule) {
		t.Errorf("before the rule's date: %v", err)
	}
	if _, err := r.Threshold("530102", Goods, day("2026-05-01")); !errors.Is(err, ErrNoRule) {
		t.Errorf("a jurisdiction without rules: %v", err)
	}
}

func TestLaterAndNarrowerThresholdsWin(t *testing.T) {
	r, err := Load([]byte(`[
		{"jurisdiction": "450000", "category": "goods", "from": "2026-01-01", "system": 500000, "open_tender": 4000000, "basis": "province"},
		{"jurisdiction": "450000", "category": "goods", "from": "2026-07-01", "system": 600000, "open_tender": 4000000, "basis": "province, later"},
		{"jurisdiction": "450206", "category": "goods", "from": "2026-01-01", "system": 300000, "open_tender": 2000000, "basis": "district"}
	]`), shippedMethods)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ juris, on, want string }{
		{"450206", "2026-08-01", "district"},
		{"450202", "2026-03-01", "province"},
		{"450202", "2026-08-01", "province, later"},
	} {
		th, err := r.Threshold(tc.juris, Goods, day(tc.on))
		if err != nil || th.Basis != tc.want {
			t.Errorf("%s on %s: %q, %v; want %q", tc.juris, tc.on, th.Basis, err, tc.want)
		}
	}
}

func TestMethodAboveOpenTenderNeedsApproval(t *testing.T) {
	r := Shipped()
	th, _ := r.Threshold("450206", Goods, day("2026-05-01"))
	neg := r.Methods[CompetitiveNegotiation]
	err := th.MethodAllowed(neg, 2000000, "")
	var v *Violation
	if !errors.Is(err, ErrNeedsApproval) || !errors.As(err, &v) || !strings.Contains(v.Basis, "Law art. 27") {
		t.Fatalf("negotiation at the open-tender threshold without approval: %v", err)
	}
	if err := th.MethodAllowed(neg, 2000000, "柳财采〔2026〕12号"); err != nil {
		t.Fatalf("with an approval: %v", err)
	}
	if err := th.MethodAllowed(neg, 1999999, ""); err != nil {
		t.Fatalf("below the threshold: %v", err)
	}
	if err := th.MethodAllowed(r.Methods[OpenTender], 9000000, ""); err != nil {
		t.Fatalf("open tender: %v", err)
	}
}

func TestSplitting(t *testing.T) {
	th, _ := Shipped().Threshold("450206", Goods, day("2026-05-01"))
	if split, why := th.Splitting([]int64{900000, 800000}, 400000); !split || !strings.Contains(why, "Reg art. 28") {
		t.Fatalf("2.1M in three: %v %q", split, why)
	}
	if split, _ := th.Splitting([]int64{900000}, 400000); split {
		t.Fatal("1.3M flagged")
	}
	if split, _ := th.Splitting(nil, 1999999); split {
		t.Fatal("a single purchase flagged")
	}
	if split, _ := th.Splitting([]int64{5000000}, 400000); split {
		t.Fatal("a tendered purchase counted")
	}
}

func TestLoadRefusesBadRules(t *testing.T) {
	for name, th := range map[string]string{
		"bad code":     `[{"jurisdiction": "45", "category": "goods", "from": "2026-01-01", "system": 1, "open_tender": 2, "basis": "x"}]`,
		"bad category": `[{"jurisdiction": "450206", "category": "food", "from": "2026-01-01", "system": 1, "open_tender": 2, "basis": "x"}]`,
		"no basis":     `[{"jurisdiction": "450206", "category": "goods", "from": "2026-01-01", "system": 1, "open_tender": 2, "basis": ""}]`,
		"unknown":      `[{"jurisdiction": "450206", "level": "district"}]`,
	} {
		if _, err := Load([]byte(th), shippedMethods); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
