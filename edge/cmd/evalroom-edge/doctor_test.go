package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// doctor on a box that is not enrolled and reaches no hub: every failing
// check named with what to do, and the error that makes the exit status 1;
// --json says the same for tools.
func TestDoctorCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "edge.json")
	os.WriteFile(cfg, []byte(`{"data_dir": "`+filepath.Join(dir, "data")+`", "mqtt": "127.0.0.1:1"}`), 0o600)
	var out bytes.Buffer
	if err := runDoctor([]string{"--config", cfg, "--watch", "100ms"}, &out); !errors.Is(err, errDoctorFailed) {
		t.Fatalf("doctor = %v, want errDoctorFailed", err)
	}
	for _, want := range []string{"FAIL  certificate", "enroll", "FAIL  hub", "FAIL  broker", "→ ", "\nFAIL\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runDoctor([]string{"--config", cfg, "--json"}, &out); !errors.Is(err, errDoctorFailed) {
		t.Fatalf("doctor --json = %v", err)
	}
	var rep struct {
		Status string
		Checks []struct{ Check, Status, Detail, Fix string }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Status != "fail" || len(rep.Checks) == 0 {
		t.Fatalf("JSON %s: %v", out.String(), err)
	}
}
