// Package auth says who is asking and what they may do: people's roles and
// scopes, password hashes, and the permission each role has.
package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/evalroom/evalroom/protocol"
)

// Role is what a person or script does with the hub.
type Role string

// The roles (README, "People and roles").
const (
	Operator    Role = "operator"     // runs the hub: rooms, boxes, users
	Regulator   Role = "regulator"    // finance department: watches and audits its jurisdiction
	AgencyAdmin Role = "agency-admin" // procurement agency: its own rooms
	AgencyStaff Role = "agency-staff"
	Purchaser   Role = "purchaser"
	Expert      Role = "expert"
	Technician  Role = "technician" // installs and fixes the boxes of assigned rooms
	Supplier    Role = "supplier"   // a bidding company, one account per company: its own challenges and complaints
)

// Roles lists every role.
var Roles = []Role{Operator, Regulator, AgencyAdmin, AgencyStaff, Purchaser, Expert, Technician, Supplier}

// ErrScope means a scope does not fit its role.
var ErrScope = errors.New("scope does not fit the role")

// AllJurisdictions is the scope of a regulator who oversees every room (the
// Ministry of Finance level); it must be given explicitly.
const AllJurisdictions = "*"

var divisionCode = regexp.MustCompile(`^[1-9][0-9]{5}$`)

// CheckScope reports whether scope is valid for role, and says what it
// should look like if not.
func CheckScope(role Role, scope string) error {
	switch role {
	case Purchaser:
		// A purchaser's scope is its unit; one without a unit (accounts made
		// before the workflow) signs in but sees no procurement.
		if scope != "" && !protocol.ValidID(scope) {
			return fmt.Errorf("%w: a purchaser's scope is its purchaser unit id (lower-case letters, digits, dashes)", ErrScope)
		}
	case Operator, Expert:
		if scope != "" {
			return fmt.Errorf("%w: %s takes no scope", ErrScope, role)
		}
	case Regulator:
		if scope != AllJurisdictions && !divisionCode.MatchString(scope) {
			return fmt.Errorf("%w: a regulator's scope is its 6-digit division code (450206 a district, 450200 a city, 450000 a province) or * for all", ErrScope)
		}
	case Supplier:
		if !protocol.ValidID(scope) {
			return fmt.Errorf("%w: a supplier's scope is its company id (lower-case letters, digits, dashes), the one its bids and challenges carry", ErrScope)
		}
	case AgencyAdmin, AgencyStaff:
		if !protocol.ValidID(scope) {
			return fmt.Errorf("%w: an agency's scope is its agency id (lower-case letters, digits, dashes)", ErrScope)
		}
	case Technician:
		rooms := strings.Split(scope, ",")
		for _, r := range rooms {
			if !protocol.ValidID(r) {
				return fmt.Errorf("%w: a technician's scope is the room ids it looks after, comma-separated", ErrScope)
			}
		}
	default:
		return fmt.Errorf("unknown role %q: use one of %s", role, roleNames())
	}
	return nil
}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles, r) {
		return "", fmt.Errorf("unknown role %q: use one of %s", s, roleNames())
	}
	return r, nil
}

func roleNames() string {
	var out []string
	for _, r := range Roles {
		out = append(out, string(r))
	}
	return strings.Join(out, ", ")
}

// Principal is who a request comes from.
type Principal struct {
	User  string // user name, or "token:NAME" for an API token
	Name  string // shown to people
	Role  Role
	Scope string
	CSRF  string // the session's CSRF token; "" for bearer tokens
	Token bool   // authenticated by bearer token (no CSRF check)
}

// Owner is what decides whether a room is in a principal's scope.
type Owner struct {
	Room         string
	Jurisdiction string // division code, "" for none
	Agency       string // agency id, "" for none
}

// SeesRoom reports whether a room is in the principal's scope.
func (p Principal) SeesRoom(o Owner) bool {
	switch p.Role {
	case Operator:
		return true
	case Regulator:
		return p.Scope == AllJurisdictions || (o.Jurisdiction != "" && strings.HasPrefix(o.Jurisdiction, divisionPrefix(p.Scope)))
	case AgencyAdmin, AgencyStaff:
		return o.Agency != "" && o.Agency == p.Scope
	case Technician:
		return slices.Contains(strings.Split(p.Scope, ","), o.Room)
	}
	return false
}

// SeesJurisdiction reports whether a division code (a regulator's own
// scope, say) lies within a regulator's jurisdiction; false for other roles.
func (p Principal) SeesJurisdiction(code string) bool {
	return p.Role == Regulator && (p.Scope == AllJurisdictions || (divisionCode.MatchString(code) && strings.HasPrefix(code, divisionPrefix(p.Scope))))
}

// Parties are whom a procurement record belongs to: the purchaser unit
// that entrusts it, the agency that runs it and the jurisdiction whose
// finance department regulates it.
type Parties struct {
	Purchaser    string // purchaser unit id
	Agency       string // agency id
	Jurisdiction string // division code
	Supplier     string // company id, set on a supplier's own records (challenges, complaints)
}

// SeesParties reports whether a procurement record of these parties is in
// the principal's scope: the operator's always, a regulator's in its
// jurisdiction, an agency's, a purchaser unit's and a supplier's own.
func (p Principal) SeesParties(o Parties) bool {
	switch p.Role {
	case Operator:
		return true
	case Regulator:
		return p.Scope == AllJurisdictions || (o.Jurisdiction != "" && strings.HasPrefix(o.Jurisdiction, divisionPrefix(p.Scope)))
	case AgencyAdmin, AgencyStaff:
		return o.Agency != "" && o.Agency == p.Scope
	case Purchaser:
		return p.Scope != "" && o.Purchaser == p.Scope
	case Supplier:
		return p.Scope != "" && o.Supplier == p.Scope
	}
	return false
}

// divisionPrefix turns a division code into the prefix its subdivisions
// share: 450000 -> 45, 450200 -> 4502, 450206 -> 450206.
func divisionPrefix(code string) string {
	for len(code) > 2 && strings.HasSuffix(code, "00") {
		code = code[:len(code)-2]
	}
	return code
}

type ctxKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal of a request's context.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}
