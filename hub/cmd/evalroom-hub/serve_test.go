package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/config"
)

// The flags given on the command line override the configuration file;
// what they leave out comes from the file, then the defaults.
func TestServeFlagsOverrideTheConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.json")
	body := `{"data_dir": "/srv/hub", "http": {"listen": "127.0.0.1:9000", "per_addr": 7}, "webhooks": ["http://a/x", "http://b/x"], "log_level": "warn"}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := serveConfig([]string{"--config", path, "--http", "127.0.0.1:9001", "--webhook", "http://c/x", "--heartbeat-timeout", "7s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/hub" || c.HTTP.Listen != "127.0.0.1:9001" || c.HTTP.PerAddr != 7 || c.LogLevel != "warn" ||
		!slices.Equal(c.Webhooks, []string{"http://c/x"}) || time.Duration(c.HeartbeatTimeout) != 7*time.Second ||
		c.MQTT.Listen != config.Default().MQTT.Listen {
		t.Fatalf("%+v", c)
	}
	c, err = serveConfig([]string{"--data", "d"})
	if err != nil || c.DataDir != "d" || c.HTTP.Listen != config.Default().HTTP.Listen {
		t.Fatalf("without --config: %+v %v", c, err)
	}
	if _, err := serveConfig([]string{"--config", path, "--http", "nonsense"}); err == nil {
		t.Fatal("a bad flag value over the file was taken")
	}
}

// --store overrides the file's store key, and a URL that is not the
// contract's is refused before anything starts.
func TestServeStoreFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.json")
	if err := os.WriteFile(path, []byte(`{"store": "s3://file-bucket?endpoint=http://10.0.0.1:8333"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := serveConfig([]string{"--config", path, "--store", "s3://flag-bucket?endpoint=http://10.0.0.2:8333&region=cn-south-1"})
	if err != nil || c.Server().Store != "s3://flag-bucket?endpoint=http://10.0.0.2:8333&region=cn-south-1" {
		t.Fatalf("%q %v", c.Store, err)
	}
	if _, err := serveConfig([]string{"--store", "s3://flag-bucket"}); err == nil || !strings.Contains(err.Error(), "endpoint") {
		t.Fatalf("a --store without an endpoint: %v", err)
	}
}
