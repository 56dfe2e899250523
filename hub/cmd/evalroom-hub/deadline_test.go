package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestDeadline(t *testing.T) {
	for _, tc := range []struct{ from, add, want, fails string }{
		{"2026-09-30", "7wd", "2026-10-15\n", ""},
		{"2026-09-11", "20d", "2026-10-08\n", ""},
		{"2027-03-01", "5wd", "", "2027"},
		{"2026-09-30", "7w", "", "--add"},
		{"30/09/2026", "7wd", "", "--from"},
	} {
		var out bytes.Buffer
		err := deadline([]string{"--data", t.TempDir(), "--from", tc.from, "--add", tc.add}, &out)
		if tc.fails != "" {
			if err == nil || !strings.Contains(err.Error(), tc.fails) {
				t.Errorf("%s + %s: %v, want an error naming %s", tc.from, tc.add, err, tc.fails)
			}
			continue
		}
		if err != nil || out.String() != tc.want {
			t.Errorf("%s + %s = %q, %v; want %q", tc.from, tc.add, out.String(), err, tc.want)
		}
	}
}
