package server

import (
	"strings"
	"testing"
)

func TestPlanConns(t *testing.T) {
	for _, c := range []struct {
		cfg              Config
		limit            int
		reserve, h, mqtt int
	}{
		{Config{}, 256, 128, 64, 64},                                  // the reserve is at least 128
		{Config{}, 100000, 10000, 45000, 45000},                       // a tenth
		{Config{MQTTMaxConns: 2048}, 100000, 10000, 87952, 2048},      // the broker's own cap
		{Config{Broker: "ssl://mq:8883"}, 1024, 128, 896, 0},          // an external broker takes none
		{Config{FDReserve: 100, HTTPMaxConns: 50}, 300, 100, 50, 100}, // flags
	} {
		got, err := planConns(c.cfg, c.limit)
		if err != nil || got.reserve != c.reserve || got.http != c.h || got.mqtt != c.mqtt {
			t.Errorf("%+v with %d files: %+v %v, want reserve %d http %d mqtt %d", c.cfg, c.limit, got, err, c.reserve, c.h, c.mqtt)
		}
	}
	if _, err := planConns(Config{}, 150); err == nil || !strings.Contains(err.Error(), "LimitNOFILE") {
		t.Errorf("a limit that leaves almost nothing: %v, want an error saying how to raise it", err)
	}
	if got, err := planConns(Config{}, 0); err != nil || got.limit <= 0 {
		t.Errorf("the process's own limit: %+v %v", got, err)
	}
}
