package bundle

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsOnlyProtocolAndStdlib keeps the verifier linkable on its own:
// a standalone verifier built from this package carries none of the hub,
// only protocol (with the SM2/SM3 code protocol itself needs).
func TestImportsOnlyProtocolAndStdlib(t *testing.T) {
	allowed := map[string]bool{"github.com/evalroom/evalroom/hub/evidence/bundle": true}
	for _, p := range nonStandardDeps(t, "../../../protocol") {
		allowed[p] = true
	}
	for _, p := range nonStandardDeps(t, ".") {
		if !allowed[p] {
			t.Errorf("bundle depends on %s: it may import only protocol and the standard library", p)
		}
	}
}

func nonStandardDeps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}
