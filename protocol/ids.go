package protocol

import (
	"fmt"
	"regexp"
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidID reports whether s is usable as a room or stream identifier: lower
// case letters, digits and dashes, 1 to 63 characters, not starting with a
// dash. Identifiers appear in topics, URLs and file paths, so nothing else is
// allowed.
func ValidID(s string) bool { return idPattern.MatchString(s) }

func checkID(what, s string) error {
	if !ValidID(s) {
		return fmt.Errorf("%w: %s %q: use 1-63 lower-case letters, digits or dashes", ErrInvalid, what, s)
	}
	return nil
}
