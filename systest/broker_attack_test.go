package systest

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/hub/alerts"
	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/protocol"
)

// An outside attacker's probe of a secure hub's MQTT side: a box with a
// valid certificate of one room attacks another room and the hub itself.

// enrollBox creates room (if new) and enrolls a box for it the way a
// technician does, without running it; it returns the box's TLS config.
func enrollBox(t *testing.T, e *hubEnv, room string) *tls.Config {
	t.Helper()
	ctx := context.Background()
	st := e.hub.Store()
	if err := st.CreateRoom(ctx, room, room); err != nil && !strings.Contains(err.Error(), "exists") {
		t.Fatal(err)
	}
	tok, _, err := st.IssueToken(ctx, room, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	key, err := identity.LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.Enroll(ctx, &http.Client{}, e.url(), tok, dir, key, identity.Trust{CAFile: e.caFile()}); err != nil {
		t.Fatal(err)
	}
	return boxTLS(t, dir, e.caFile())
}

// dialMQTT connects once, without reconnecting, as clientID.
func dialMQTT(addr string, tc *tls.Config, clientID string) (mqtt.Client, error) {
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("ssl://" + addr).SetClientID(clientID).SetTLSConfig(tc).
		SetAutoReconnect(false).SetConnectTimeout(5 * time.Second).SetWriteTimeout(30 * time.Second))
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, fmt.Errorf("connect %s: no answer", clientID)
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	return c, nil
}

// watchVictim records whether room's box ever lost its broker session or
// the hub ever saw the room offline, until stop is called.
func watchVictim(e *hubEnv, rs *rooms, room string) (stop func() (dropped, offline int)) {
	var drops, offs atomic.Int32
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if !rs.list[0].Agent.Connected() {
				drops.Add(1)
			}
			if !e.hub.Fleet.State(room).Online {
				offs.Add(1)
			}
		}
	}()
	return func() (int, int) {
		close(done)
		wg.Wait()
		return int(drops.Load()), int(offs.Load())
	}
}

// hasAlert reports whether room has an alert of kind in any state.
func hasAlert(t *testing.T, e *hubEnv, room, kind string) bool {
	t.Helper()
	list, err := e.hub.Store().Alerts(context.Background(), "", room, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Kind == kind {
			return true
		}
	}
	return false
}

// audited returns the audit entries of action on target, through the API.
func audited(t *testing.T, e *hubEnv, action, target string) []audit.Entry {
	t.Helper()
	resp, err := e.clientAs(e.opToken).Get(e.url() + "/api/v1/audit?action=" + action + "&target=" + target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []audit.Entry
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audit: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// metric sums the hub's samples of name whose labels include every one of
// labels (`room="room-3"`), from /metrics; -1 when there is none.
func metric(t *testing.T, e *hubEnv, name string, labels ...string) float64 {
	t.Helper()
	resp, err := e.clientAs(e.opToken).Get(e.url() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sum, found := 0.0, false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line, l)
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum, found = sum+v, true
	}
	if !found {
		return -1
	}
	return sum
}

// TestStolenClientIDRefused: a box with room-3's certificate connects again
// and again with room-1's client id. The embedded broker refuses it before
// it touches room-1's session, audits and alerts it, and room-1's box
// never loses its session.
func TestStolenClientIDRefused(t *testing.T) {
	e := startHubWith(t, func(c *server.Config) {
		c.Alerts.StartupGrace = time.Second // an offline room would be alerted during the attack
	})
	rs := startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room-1 online", func() bool {
		return e.hub.Fleet.State("room-1").Online && rs.list[0].Agent.Connected()
	})
	box3 := enrollBox(t, e, "room-3")
	// Its own client id is fine.
	own, err := dialMQTT(e.cfg.MQTT, box3, protocol.BoxClientID("room-3"))
	if err != nil {
		t.Fatalf("room-3's box cannot connect with its own client id: %v", err)
	}
	own.Disconnect(0)

	stop := watchVictim(e, rs, "room-1")
	attempts, accepted := 0, 0
	for end := time.Now().Add(8 * time.Second); time.Now().Before(end); {
		attempts++
		if c, err := dialMQTT(e.cfg.MQTT, box3, protocol.BoxClientID("room-1")); err == nil {
			accepted++
			time.Sleep(100 * time.Millisecond) // hold the stolen session a moment, as an attacker would
			c.Disconnect(0)
		}
	}
	dropped, offline := stop()
	t.Logf("%d attempts with room-1's client id, %d accepted; room-1's box without a session in %d samples, offline in %d", attempts, accepted, dropped, offline)
	if accepted > 0 {
		t.Errorf("the broker accepted room-3's certificate with room-1's client id %d times out of %d", accepted, attempts)
	}
	if dropped > 0 {
		t.Errorf("room-1's box lost its broker session during the attack (%d samples)", dropped)
	}
	if offline > 0 || !e.hub.Fleet.State("room-1").Online {
		t.Errorf("the hub saw room-1 offline during the attack (%d samples)", offline)
	}
	if hasAlert(t, e, "room-1", alerts.RoomOffline) {
		t.Error("room-1 has a room_offline alert")
	}
	eventually(t, 20*time.Second, "a box_impersonation alert on room-3", func() bool { return hasAlert(t, e, "room-3", alerts.BoxImpersonation) })
	eventually(t, 10*time.Second, "the refusal in the audit log", func() bool {
		for _, a := range audited(t, e, audit.BrokerRefused, "room-3") {
			if strings.Contains(a.Detail, protocol.BoxClientID("room-1")) && strings.HasPrefix(a.Actor, "box:room-3@") {
				return true
			}
		}
		return false
	})
	if n := metric(t, e, "evalroom_broker_refused_total", `room="room-3"`, `reason="client_id"`); n < float64(attempts) {
		t.Errorf("evalroom_broker_refused_total{room-3, client_id} = %v after %d attempts", n, attempts)
	}
	if hasAlert(t, e, "room-1", alerts.RoomOffline) || !rs.list[0].Agent.Connected() {
		t.Error("room-1 went offline after the attack")
	}
}

// vmRSS is this process's resident memory (the hub runs in it), after
// collecting garbage and handing free memory back.
func vmRSS(t *testing.T) int64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestBoxLimits: a box with a valid certificate publishes retained
// messages outside its status, oversized messages, live frames of streams
// its room does not have, and more than its budget. All are refused and
// counted, the hub's memory stays bounded, and a real box is served
// throughout.
func TestBoxLimits(t *testing.T) {
	const rate, burst = 256 << 10, 1 << 20
	e := startHubWith(t, func(c *server.Config) {
		c.MQTTLimits.BytesPerSec, c.MQTTLimits.BurstBytes = rate, burst
	})
	rs := startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room-1 online", func() bool { return e.hub.Fleet.State("room-1").Online })
	box3 := enrollBox(t, e, "room-3")
	c, err := dialMQTT(e.cfg.MQTT, box3, protocol.BoxClientID("room-3"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(0)
	pub := func(topic string, qos byte, retained bool, payload []byte) {
		t.Helper()
		if tok := c.Publish(topic, qos, retained, payload); !tok.WaitTimeout(60*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %s: %v", topic, tok.Error())
		}
	}
	// marker waits until the broker has handled everything before it: a
	// client's packets are handled in order.
	marker := func() { pub(protocol.RoomTopic("room-3", protocol.TopicEvents), 1, false, []byte(`{}`)) }
	// room-3 says it has one camera.
	health, _ := protocol.Encode(&protocol.Health{V: protocol.Version, Room: "room-3", Time: time.Now().UTC(),
		Devices: []protocol.DeviceState{{Stream: "cam1", Kind: protocol.KindVideo, State: protocol.StateOK}}})
	pub(protocol.RoomTopic("room-3", protocol.TopicHealth), 1, false, health)
	eventually(t, 10*time.Second, "the hub knows room-3's camera", func() bool { return len(e.hub.Fleet.State("room-3").Devices) == 1 })

	before := vmRSS(t)
	frame := make([]byte, 3<<20)
	const kept = 80
	for i := range kept { // each on a topic of its own, as the attacker did
		pub(protocol.LiveTopic("room-3", fmt.Sprintf("x%d", i)), 0, true, frame)
	}
	pub(protocol.LiveTopic("room-3", "cam1"), 0, true, frame)                                   // a real stream, but retained
	pub(protocol.RoomTopic("room-3", protocol.TopicEvents), 1, true, []byte(`{}`))              // retained outside status
	pub(protocol.RoomTopic("room-3", protocol.TopicTelemetry), 1, false, make([]byte, 100<<10)) // over 64 KiB
	for i := range 20 {
		pub(protocol.LiveTopic("room-3", fmt.Sprintf("cam%d", 100+i)), 0, false, make([]byte, 32<<10)) // no such stream
	}
	marker()
	after := vmRSS(t)
	t.Logf("hub and test process RSS %d MiB before, %d MiB after %d retained frames of 3 MiB", before>>20, after>>20, kept+1)
	if grown := after - before; grown > 100<<20 {
		t.Errorf("RSS grew by %d MiB; the broker kept what it should have refused", grown>>20)
	}
	for reason, least := range map[string]float64{"retained": kept + 2, "size": 1, "stream": 20} {
		if n := metric(t, e, "evalroom_broker_refused_total", `room="room-3"`, `reason="`+reason+`"`); n < least {
			t.Errorf("evalroom_broker_refused_total{room-3, %s} = %v, want at least %v", reason, n, least)
		}
	}
	// The budget: far more than it allows, as fast as the box can send.
	sentBefore := metric(t, e, "evalroom_broker_box_bytes_total", `room="room-3"`)
	start := time.Now()
	chunk := make([]byte, 64<<10)
	const chunks = 512 // 32 MiB
	for range chunks {
		c.Publish(protocol.LiveTopic("room-3", "cam1"), 0, false, chunk)
	}
	marker()
	elapsed := time.Since(start)
	took := metric(t, e, "evalroom_broker_box_bytes_total", `room="room-3"`) - sentBefore
	allowed := float64(burst) + elapsed.Seconds()*rate + 64<<10
	t.Logf("sent %d MiB of live frames in %v; the broker took %.0f KiB (budget allows %.0f KiB)", chunks*len(chunk)>>20, elapsed, took/1024, allowed/1024)
	if took > allowed {
		t.Errorf("the broker took %.0f bytes in %v; the budget allows %.0f", took, elapsed, allowed)
	}
	if n := metric(t, e, "evalroom_broker_refused_total", `room="room-3"`, `reason="budget"`); n <= 0 {
		t.Errorf("no refusal over budget counted (%v)", n)
	}
	eventually(t, 20*time.Second, "a box_limits alert on room-3", func() bool { return hasAlert(t, e, "room-3", alerts.BoxLimits) })
	eventually(t, 10*time.Second, "room-3's refusals in the audit log", func() bool { return len(audited(t, e, audit.BrokerRefused, "room-3")) > 0 })

	// An MQTT packet over the broker's maximum ends the session.
	c.Publish(protocol.LiveTopic("room-3", "cam1"), 0, false, make([]byte, protocol.MaxLiveFrameSize+8192))
	eventually(t, 20*time.Second, "the session that sent an oversized packet ended", func() bool { return !c.IsConnectionOpen() })

	// room-1's real box was served all along.
	if !e.hub.Fleet.State("room-1").Online || !rs.list[0].Agent.Connected() {
		t.Error("room-1 is not online")
	}
	if hasAlert(t, e, "room-1", alerts.BoxLimits) {
		t.Error("room-1's real box was taken for a faulty one")
	}
	stamps := watchMJPEG(t, e, "room-1", "cam1", 2)
	if stamps[0].Room != "room-1" {
		t.Fatalf("live picture from %s", stamps[0].Room)
	}
}

// closedByHub reads from c until the hub closes it (true) or a minute
// passes (false).
func closedByHub(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(time.Minute))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

// TestBrokerConnectDeadlineAndCaps: connections that never send a TLS
// handshake, or finish it and never send their CONNECT, or send half of
// it, are closed after the connect deadline; one address cannot hold more
// than its cap; a real box still connects and is served meanwhile.
func TestBrokerConnectDeadlineAndCaps(t *testing.T) {
	const perAddr = 4
	e := startHubWith(t, func(c *server.Config) {
		c.MQTTConnectTimeout = 2 * time.Second
		c.MQTTPerAddr = perAddr
	})
	rs := startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room-1 online", func() bool { return e.hub.Fleet.State("room-1").Online })
	box3 := enrollBox(t, e, "room-3")
	// The attacker comes from another address than the real box.
	dial := attackerDial(t, e.cfg.MQTT)

	idle := dial()
	handshake := tls.Client(dial(), box3.Clone())
	if err := handshake.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	slow := tls.Client(dial(), box3.Clone())
	if err := slow.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	if _, err := slow.Write([]byte{0x10, 0x30, 0x00, 0x04, 'M'}); err != nil { // the start of a CONNECT
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	closed := make([]bool, 3)
	for i, c := range []net.Conn{idle, handshake, slow} {
		wg.Go(func() { closed[i] = closedByHub(c) })
	}
	wg.Wait()
	for i, what := range []string{"without a TLS handshake", "with a handshake but no CONNECT", "with half a CONNECT"} {
		if !closed[i] {
			t.Errorf("a connection %s was still open after a minute (connect deadline 2 s)", what)
		}
	}
	if n := metric(t, e, "evalroom_broker_connect_timeouts_total"); n < 3 {
		t.Errorf("evalroom_broker_connect_timeouts_total = %v, want at least 3", n)
	}

	// Hold the attacker's address at its cap, over and over, while room-1's
	// box loses its network and connects again.
	refusedBefore := metric(t, e, "evalroom_conn_refused_total", `listener="mqtt"`, `reason="per_addr"`)
	ctx, cancel := context.WithCancel(context.Background())
	var flood sync.WaitGroup
	for range perAddr + 4 {
		flood.Go(func() {
			for ctx.Err() == nil {
				c, err := from("127.0.0.2").DialContext(ctx, "tcp", e.cfg.MQTT)
				if err != nil {
					continue
				}
				go func() { <-ctx.Done(); c.Close() }()
				closedByHub(c)
				c.Close()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	eventually(t, 20*time.Second, "connections over the per-address cap refused", func() bool {
		return metric(t, e, "evalroom_conn_refused_total", `listener="mqtt"`, `reason="per_addr"`) > refusedBefore
	})
	if open := metric(t, e, "evalroom_conn_open", `listener="mqtt"`); open > perAddr+1 {
		t.Errorf("%v MQTT connections open; the attacker's cap is %d and room-1 has one", open, perAddr)
	}
	rs.list[0].Net.SetDown(true)
	eventually(t, 30*time.Second, "room-1's box noticed the cut", func() bool { return !rs.list[0].Agent.Connected() })
	rs.list[0].Net.SetDown(false)
	eventually(t, 60*time.Second, "room-1's box connected again during the flood", func() bool { return rs.list[0].Agent.Connected() })
	// Another client from the box's address connects and is served.
	c, err := dialMQTT(e.cfg.MQTT, box3, protocol.BoxClientID("room-3"))
	if err != nil {
		t.Fatalf("room-3's box cannot connect during the flood from another address: %v", err)
	}
	if tok := c.Publish(protocol.RoomTopic("room-3", protocol.TopicEvents), 1, false, []byte(`{}`)); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("room-3's box is not served: %v", tok.Error())
	}
	c.Disconnect(0)
	cancel()
	flood.Wait()
	eventually(t, 30*time.Second, "room-1 online after the flood", func() bool { return e.hub.Fleet.State("room-1").Online })
}
