// Package rules holds the procurement rules as data: purchase thresholds
// by jurisdiction, category and effective date, and the procurement
// methods as configurations of steps and statutory clocks, each clock
// saying whether it counts calendar or working days and citing its legal
// basis. The shipped data is embedded; Load reads another set.
package rules

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
)

// Category is what is bought.
type Category string

// The categories of the Government Procurement Law (art. 2).
const (
	Goods    Category = "goods"
	Services Category = "services"
	Works    Category = "works"
)

// Categories lists the categories.
var Categories = []Category{Goods, Services, Works}

// Errors callers test with errors.Is; each comes wrapped in a Violation
// naming the rule.
var (
	ErrOutsideSystem = errors.New("outside the procurement system")
	ErrNeedsApproval = errors.New("needs a recorded approval")
	ErrForbidden     = errors.New("forbidden by law")
	ErrNoRule        = errors.New("no rule")
)

// Violation is a refusal by a rule, with the article that makes it.
type Violation struct {
	Kind  error  // ErrOutsideSystem, ErrNeedsApproval, ErrForbidden
	Basis string // the law and article
	Msg   string // what is wrong and what to do
}

func (v *Violation) Error() string { return v.Msg + " (" + v.Basis + ")" }

// Unwrap makes errors.Is see the kind.
func (v *Violation) Unwrap() error { return v.Kind }

// Rules is one set of thresholds and methods.
type Rules struct {
	Thresholds []Threshold
	Methods    map[string]Method
}

//go:embed thresholds.json
var shippedThresholds []byte

//go:embed methods.json
var shippedMethods []byte

// Shipped returns the rules that come with the hub.
func Shipped() *Rules {
	r, err := Load(shippedThresholds, shippedMethods)
	if err != nil {
		panic("rules: the shipped rules are broken: " + err.Error())
	}
	return r
}

// Load reads thresholds and methods from their JSON, strictly.
func Load(thresholds, methods []byte) (*Rules, error) {
	r := &Rules{}
	if err := strict(thresholds, &r.Thresholds); err != nil {
		return nil, fmt.Errorf("thresholds: %w", err)
	}
	var list []Method
	if err := strict(methods, &list); err != nil {
		return nil, fmt.Errorf("methods: %w", err)
	}
	r.Methods = map[string]Method{}
	for _, m := range list {
		if err := m.check(); err != nil {
			return nil, err
		}
		r.Methods[m.ID] = m
	}
	for _, t := range r.Thresholds {
		if err := t.check(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func strict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
