package bundle

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsOnlyProtocolAndStdlib keeps the verifier linkable on its own:
// a standalone verifier built from this package carries none of the hub.
func TestImportsOnlyProtocolAndStdlib(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "github.com/evalroom/evalroom/hub/evidence/bundle", "github.com/evalroom/evalroom/protocol":
		default:
			t.Errorf("bundle depends on %s: it may import only protocol and the standard library", p)
		}
	}
}
