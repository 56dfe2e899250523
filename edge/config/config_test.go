package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalroom/evalroom/edge/config"
)

func TestSampleConfigLoads(t *testing.T) {
	c, err := config.Load("../../deploy/edge/config.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Devices) != 3 || c.Upload.Workers != 2 || c.KeyAlgorithm != "ed25519" {
		t.Fatalf("sample config = %+v", c)
	}
}

func TestBadConfigs(t *testing.T) {
	cases := map[string]string{
		"unknown field": `{"data_dir":"/x","colour":"red"}`,
		"short segment": `{"data_dir":"/x","segment":"10ms"}`,
		"dup stream":    `{"data_dir":"/x","devices":[{"stream":"cam1","kind":"video","driver":"v4l2","path":"/dev/video0"},{"stream":"cam1","kind":"video","driver":"v4l2","path":"/dev/video2"}]}`,
		"bad kind":      `{"data_dir":"/x","devices":[{"stream":"cam1","kind":"smell","driver":"v4l2","path":"/dev/video0"}]}`,
		"no workers":    `{"data_dir":"/x","upload":{"workers":0}}`,
		"video driver":  `{"data_dir":"/x","devices":[{"stream":"cam1","kind":"video","driver":"alsa","path":"/dev/video0"}]}`,
		"half a size":   `{"data_dir":"/x","devices":[{"stream":"cam1","kind":"video","driver":"v4l2","path":"/dev/video0","width":640}]}`,
		"jpeg quality":  `{"data_dir":"/x","devices":[{"stream":"cam1","kind":"video","driver":"v4l2","path":"/dev/video0","jpeg_quality":101}]}`,
		"key algorithm": `{"data_dir":"/x","key_algorithm":"rsa"}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.json")
			os.WriteFile(p, []byte(body), 0o600)
			if _, err := config.Load(p); err == nil || !strings.Contains(err.Error(), p) {
				t.Fatalf("Load = %v, want an error naming the file", err)
			}
		})
	}
}
