package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/hub/config"
)

// The documented sample and the demo's configuration load and validate.
func TestSampleConfigsLoad(t *testing.T) {
	c, err := config.Load("../../deploy/hub/hub.json")
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/var/lib/evalroom-hub" || c.InsecureDev || c.HTTP.Listen != "0.0.0.0:8443" || len(c.TLS.Hosts) != 1 {
		t.Fatalf("sample: %+v", c)
	}
	// The sample spells out every default but the deployment's own.
	d := config.Default()
	c.DataDir, c.HTTP.Listen, c.MQTT.Listen, c.TLS.Hosts = d.DataDir, d.HTTP.Listen, d.MQTT.Listen, nil
	c.Webhooks = nil
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("the sample's values differ from the defaults:\n%+v\n%+v", c, d)
	}
	s3, err := config.Load("../../deploy/hub/s3.json")
	if err != nil {
		t.Fatal(err)
	}
	if s3.Server().Store != "s3://evalroom-recordings?endpoint=http://10.0.0.20:8333&region=us-east-1" {
		t.Fatalf("s3 sample: %q", s3.Store)
	}
	demo, err := config.Load("../../deploy/hub/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	if !demo.InsecureDev || demo.DataDir != "var/hub" || demo.Server().HeartbeatTimeout != 20*time.Second {
		t.Fatalf("demo: %+v", demo)
	}
}

func TestDefaultsAreValid(t *testing.T) {
	if err := config.Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

// Every field of the server's configuration is set from the file: a new
// server.Config field must get a key.
func TestServerGetsEveryField(t *testing.T) {
	s := reflect.ValueOf(config.Default().Server())
	for i := range s.NumField() {
		name := s.Type().Field(i).Name
		switch name {
		case "Store", "Broker", "BrokerCA", "Database", "Insecure", "Webhooks", "HTTPMaxConns", "FDReserve", "MQTTLimits", "TLS":
			continue // empty or zero by default: the default is the server's own
		}
		if s.Field(i).IsZero() {
			t.Errorf("server.Config.%s is not set from the configuration", name)
		}
	}
}

// Unknown keys and bad values are refused with a message naming them.
func TestBadConfigsAreRefused(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"data_dir": "x", "htp": {}}`, `unknown field "htp"`},
		{`{"http": {"listen": "8080"}}`, `http.listen: "8080" is not host:port`},
		{`{"http": {"body_timeout": "10"}}`, `duration`},
		{`{"heartbeat_timeout": "-1s"}`, `heartbeat_timeout: -1s: must be more than 0`},
		{`{"mqtt": {"broker": "tcp://b:1883"}}`, `mqtt.broker: "tcp://b:1883" is plain MQTT`},
		{`{"tls": {"cert": "c.pem"}}`, `tls.cert and tls.key: give both or neither`},
		{`{"webhooks": ["ftp://x"]}`, `webhooks[0]: "ftp://x"`},
		{`{"log_level": "loud"}`, `log_level: "loud"`},
		{`{"alerts": {"disk_days": 0}}`, `alerts.disk_days`},
		{`{"mqtt": {"limits": {"live_size": -1}}}`, `mqtt.limits.live_size: -1`},
		{`{"store": "s3://Bad_Bucket?endpoint=http://h:9000"}`, `store: store "s3://Bad_Bucket?endpoint=http://h:9000": bucket`},
		{`{"store": "s3://recordings"}`, `store: store "s3://recordings": endpoint "" is not http://HOST:PORT`},
		{`{"store": "/srv/recordings"}`, `is not an s3:// URL`},
		{`{"store": "s3://recordings?endpoint=http://h:9000&regoin=x"}`, `unknown parameter "regoin"`},
		{`{"retention": {"outside_sessions": "1h"}}`, `retention.outside_sessions: 1h0m0s: keep footage outside sessions at least a day`},
		{`{} {}`, `more than one JSON object`},
		{`{"database": "mysql://u@h:3306/hub"}`, `database: mysql://u@h:3306/hub: give postgres://USER@HOST:PORT/DB`},
		{`{"database": "postgres://u:secret@h:5432"}`, `database: postgres://u:xxxxx@h:5432: give postgres://`},
	} {
		path := filepath.Join(t.TempDir(), "hub.json")
		if err := os.WriteFile(path, []byte(c.body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.body, err, c.want)
		}
	}
}
