package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid is what an *InvalidError is: a value a person gave that the
// hub cannot take.
var ErrInvalid = errors.New("invalid value")

// InvalidError names the field that is wrong and says how to put it right.
// errors.Is(err, ErrInvalid) holds for it.
type InvalidError struct {
	Field string // e.g. "jurisdiction.code"
	Msg   string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Msg }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Jurisdiction is the finance department that regulates a room, named by
// its administrative division (行政区划): the six-digit code of GB/T 2260,
// e.g. 450206, and the division's name, e.g. 柳州市柳江区. A code has one
// name in the hub, kept in its own table; rooms refer to the code. The
// zero value means none is set.
type Jurisdiction struct {
	Code string
	Name string
}

// Agency is the procurement agency (采购代理机构) that runs a room: an id
// (its unified social credit code or a short id of letters, digits and
// dashes) and the name people read. Like a jurisdiction, an id has one
// name in the hub. The zero value means none is set.
type Agency struct {
	ID   string
	Name string
}

// None, as a RoomFilter's jurisdiction or agency, selects the rooms that
// have none set.
const None = "-"

// maxOwnerName bounds a jurisdiction's or agency's name, in characters.
const maxOwnerName = 100

var (
	divisionCode = regexp.MustCompile(`^[1-9][0-9]{5}$`)
	agencyID     = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z-]{0,62}$`)
)

// ValidJurisdictionCode reports whether s is a six-digit administrative
// division code.
func ValidJurisdictionCode(s string) bool { return divisionCode.MatchString(s) }

// ValidAgencyID reports whether s is usable as an agency id: 1-63 letters,
// digits or dashes, not starting with a dash (a unified social credit code
// fits).
func ValidAgencyID(s string) bool { return agencyID.MatchString(s) }

// IsZero reports whether no jurisdiction is set.
func (j Jurisdiction) IsZero() bool { return j == Jurisdiction{} }

// IsZero reports whether no agency is set.
func (a Agency) IsZero() bool { return a == Agency{} }

// String is the code and the name, for people and the audit log.
func (j Jurisdiction) String() string { return ownerString(j.Code, j.Name) }

// String is the id and the name, for people and the audit log.
func (a Agency) String() string { return ownerString(a.ID, a.Name) }

func ownerString(code, name string) string {
	switch {
	case code == "":
		return "(none)"
	case name == "":
		return code
	}
	return code + " " + name
}

// Validate checks the code and, if given, the name; an empty name is
// allowed where the code is already known to the hub.
func (j Jurisdiction) Validate() error {
	if !ValidJurisdictionCode(j.Code) {
		return invalid("jurisdiction.code", "%q is not an administrative division code: give the 6-digit code (行政区划代码) of the finance department that regulates the room, e.g. 450206", j.Code)
	}
	return validName("jurisdiction.name", j.Name)
}

// Validate checks the id and, if given, the name.
func (a Agency) Validate() error {
	if !ValidAgencyID(a.ID) {
		return invalid("agency.id", "%q is not an agency id: use 1-63 letters, digits or dashes, e.g. the agency's unified social credit code or a short id like lz-shifan", a.ID)
	}
	return validName("agency.name", a.Name)
}

func validName(field, s string) error {
	switch {
	case !utf8.ValidString(s):
		return invalid(field, "is not valid UTF-8 text")
	case utf8.RuneCountInString(s) > maxOwnerName:
		return invalid(field, "is longer than %d characters", maxOwnerName)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return invalid(field, "contains control characters: give the name on one line")
	}
	return nil
}

// normalized trims the spaces people leave around names.
func (j Jurisdiction) normalized() Jurisdiction {
	return Jurisdiction{Code: strings.TrimSpace(j.Code), Name: strings.TrimSpace(j.Name)}
}

func (a Agency) normalized() Agency {
	return Agency{ID: strings.TrimSpace(a.ID), Name: strings.TrimSpace(a.Name)}
}

type ownerTable struct{ kind, table, key, keyExample, nameExample string }

var (
	jurisdictionTable = ownerTable{"jurisdiction", "jurisdictions", "code", "450206", "柳州市柳江区"}
	agencyTable       = ownerTable{"agency", "agencies", "id", "lz-shifan", "柳州示范招标代理有限公司"}
)

// putOwner makes sure code is in t with the given name (a new code needs
// one; another name renames it) and returns the value for the room's
// column: nil for no code.
func putOwner(ctx context.Context, tx *sql.Tx, t ownerTable, code, name string, renames *[]Rename) (any, error) {
	if code == "" {
		if name != "" {
			return nil, invalid(t.kind+"."+t.key, "is missing: a name alone does not say which %s; give the %s too, e.g. %s", t.kind, t.key, t.keyExample)
		}
		return nil, nil
	}
	var old string
	err := tx.QueryRowContext(ctx, `SELECT name FROM `+t.table+` WHERE `+t.key+` = ?`, code).Scan(&old)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if name == "" {
			return nil, invalid(t.kind+".name", "%s %s is new to this hub: give its name too, e.g. %s", t.kind, code, t.nameExample)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+t.table+`(`+t.key+`, name) VALUES(?, ?)`, code, name); err != nil {
			return nil, fmt.Errorf("add %s %s: %w", t.kind, code, err)
		}
	case err != nil:
		return nil, fmt.Errorf("read %s %s: %w", t.kind, code, err)
	case name != "" && name != old:
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET name = ? WHERE `+t.key+` = ?`, name, code); err != nil {
			return nil, fmt.Errorf("rename %s %s: %w", t.kind, code, err)
		}
		*renames = append(*renames, Rename{Kind: t.kind, Code: code, From: old, To: name})
	}
	return code, nil
}

// countRenamed fills in how many rooms each rename shows on.
func countRenamed(ctx context.Context, tx *sql.Tx, renames []Rename) error {
	for i, r := range renames {
		// The rooms column is named after the kind.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM rooms WHERE `+r.Kind+` = ?`, r.Code).Scan(&renames[i].Rooms); err != nil {
			return fmt.Errorf("count rooms of %s %s: %w", r.Kind, r.Code, err)
		}
	}
	return nil
}
