// Package deptest keeps the binaries' dependencies where
// docs/ARCHITECTURE.md puts them: the edge binary never links hub code or the testing package, and
// the hub never links edge or device code.
package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func TestBinaryDependencies(t *testing.T) {
	const mod = "github.com/evalroom/evalroom/"
	cases := []struct {
		pkg       string
		forbidden []string
	}{
		{"../../edge/cmd/evalroom-edge", []string{mod + "hub/", mod + "simulators/", "testing"}},
		{"../../hub/cmd/evalroom-hub", []string{mod + "edge/", mod + "devices", mod + "simulators/", "testing"}},
	}
	for _, c := range cases {
		for _, d := range deps(t, c.pkg) {
			for _, f := range c.forbidden {
				if d == f || strings.HasPrefix(d, f) {
					t.Errorf("%s links %s", c.pkg, d)
				}
			}
		}
	}
}
