package systest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"github.com/evalroom/evalroom/edge/identity"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/evalroom/evalroom/hub/pki"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/room"
)

// startMosquitto runs Debian's mosquitto with the configuration and ACL
// shipped in deploy/mosquitto, on addr, with the hub's CA, server
// certificate and revocation list from tlsDir. It returns a stop.
func startMosquitto(t *testing.T, addr, tlsDir string) (stop func()) {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mosquitto is not installed; .ci/run installs it")
		}
		t.Skip("mosquitto not installed (apt-get install mosquitto)")
	}
	conf, err := os.ReadFile("../deploy/mosquitto/evalroom.conf")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, port, _ := strings.Cut(addr, ":")
	c := strings.ReplaceAll(string(conf), "/etc/mosquitto/evalroom/evalroom.acl", "../deploy/mosquitto/evalroom.acl")
	c = strings.ReplaceAll(c, "/etc/mosquitto/evalroom/server.pem", filepath.Join(tlsDir, pki.CertFile))
	c = strings.ReplaceAll(c, "/etc/mosquitto/evalroom/server.key", filepath.Join(tlsDir, pki.KeyFile))
	c = strings.ReplaceAll(c, "/etc/mosquitto/evalroom/ca.pem", filepath.Join(tlsDir, pki.CAFile))
	c = strings.ReplaceAll(c, "/etc/mosquitto/evalroom/crl.pem", filepath.Join(tlsDir, pki.CRLFile))
	c = strings.Replace(c, "listener 8883", "listener "+port+" 127.0.0.1", 1)
	acl, _ := filepath.Abs("../deploy/mosquitto/evalroom.acl")
	c = strings.ReplaceAll(c, "../deploy/mosquitto/evalroom.acl", acl)
	// Started as root, mosquitto would switch to its own user, which cannot
	// read the test's private temp dirs.
	c = "user " + currentUser() + "\n" + c
	path := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(path, []byte(c), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-c", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("mosquitto said:\n%s", out.String())
			}
		})
	}
	t.Cleanup(stop)
	eventually(t, 10*time.Second, "mosquitto listening", func() bool {
		c, err := (&netDialer).Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return stop
}

// TestExternalMosquitto runs the hub and its boxes against Debian's
// mosquitto with deploy/mosquitto's configuration: everyone over TLS with a
// certificate of the hub's CA, and a box's certificate cannot publish to
// another room's topics.
func TestExternalMosquitto(t *testing.T) {
	data := t.TempDir()
	tlsDir := filepath.Join(data, "tls")
	// The hub's CA and server certificate, made as the hub makes them on
	// first start; mosquitto serves the same server certificate.
	ca, _, err := pki.LoadOrCreate(pki.Options{Dir: tlsDir, Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.WriteCRL(tlsDir, nil); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	stopMosquitto := startMosquitto(t, addr, tlsDir)
	e := &hubEnv{t: t, log: logger(t), cfg: server.Config{
		DataDir: data, HTTP: anyPort, Broker: "ssl://" + addr, HeartbeatTimeout: 6 * time.Second,
	}}
	e.start()
	t.Cleanup(e.shutdown)
	e.cfg.MQTT = addr // the rooms connect to mosquitto
	l := newLedger()
	rs := startRooms(t, e, 2, l)
	eventually(t, 30*time.Second, "rooms online through mosquitto", func() bool {
		return e.hub.Fleet.State("room-1").Online && e.hub.Fleet.State("room-2").Online
	})
	stamps := watchMJPEG(t, e, "room-2", "cam1", 3)
	if stamps[0].Room != "room-2" {
		t.Fatalf("live picture from %s", stamps[0].Room)
	}

	// room-1's certificate, used by another client: its own events pass,
	// room-2's do not.
	box1 := boxTLS(t, room.Dir(rs.dir, "room-1"), e.caFile())
	hub, got := listen(t, addr, tlsDir)
	defer hub.Disconnect(0)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("ssl://" + addr).SetClientID("intruder").
		SetTLSConfig(box1).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("room-1's certificate cannot connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	for _, target := range []string{"room-2", "room-1"} {
		c.Publish(protocol.RoomTopic(target, protocol.TopicEvents), 1, false, []byte("marker-from-room-1-to-"+target)).WaitTimeout(5 * time.Second)
	}
	eventually(t, 10*time.Second, "room-1's own marker arrives", func() bool { return got("marker-from-room-1-to-room-1") })
	if got("marker-from-room-1-to-room-2") {
		t.Fatal("room-1's certificate published to room-2's topic through mosquitto")
	}
	// No certificate, no session.
	anon := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("ssl://" + addr).SetClientID("anon").
		SetTLSConfig(&tls.Config{RootCAs: box1.RootCAs}).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second))
	if tok := anon.Connect(); tok.WaitTimeout(10*time.Second) && tok.Error() == nil {
		anon.Disconnect(0)
		t.Fatal("a client without a certificate connected to mosquitto")
	}

	// Replace room-1's box: the hub lists the old certificate in its CRL,
	// and mosquitto, restarted with it, refuses the old box.
	tok, _, err := e.hub.Store().IssueToken(context.Background(), "room-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	newDir := t.TempDir()
	newKey, err := identity.LoadOrCreateKey(newDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.Enroll(context.Background(), &http.Client{}, e.url(), tok, newDir, newKey, identity.Trust{CAFile: e.caFile()}); err != nil {
		t.Fatal(err)
	}
	stopMosquitto()
	startMosquitto(t, addr, tlsDir)
	old := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("ssl://" + addr).SetClientID("old-box").
		SetTLSConfig(box1).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second))
	if tok := old.Connect(); tok.WaitTimeout(10*time.Second) && tok.Error() == nil {
		old.Disconnect(0)
		t.Fatal("the replaced box's certificate still connects to mosquitto")
	}
	eventually(t, 30*time.Second, "room-2 back on mosquitto after its restart", func() bool { return e.hub.Fleet.State("room-2").Online })

	rs.list[1].Net.SetDown(true)
	eventually(t, 30*time.Second, "room-2 offline by its last will", func() bool { return !e.hub.Fleet.State("room-2").Online })
	rs.list[1].Net.SetDown(false)
	want := l.snapshot()
	eventually(t, 60*time.Second, "segments stored", func() bool {
		ok, _ := allArrived(t, e.hub.Store(), map[string]map[uint64]string{"room-2/cam1": want["room-2/cam1"]})
		return ok
	})
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}

// boxTLS loads a simulated box's certificate and key.
func boxTLS(t *testing.T, dir, caFile string) *tls.Config {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "box.crt"), filepath.Join(dir, "box.key"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	return &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: roots, ServerName: "127.0.0.1"}
}

// listen subscribes to every room's events with the hub's client
// certificate and reports whether a payload has arrived.
func listen(t *testing.T, addr, tlsDir string) (mqtt.Client, func(string) bool) {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(tlsDir, pki.ClientFile), filepath.Join(tlsDir, pki.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := os.ReadFile(filepath.Join(tlsDir, pki.CAFile))
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	var mu sync.Mutex
	seen := map[string]bool{}
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("ssl://" + addr).SetClientID(fmt.Sprintf("listener-%d", time.Now().UnixNano())).
		SetTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: roots, ServerName: "127.0.0.1"}))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("the hub's certificate cannot connect: %v", tok.Error())
	}
	tok := c.Subscribe(protocol.RoomFilter(protocol.TopicEvents), 1, func(_ mqtt.Client, m mqtt.Message) {
		mu.Lock()
		seen[string(m.Payload())] = true
		mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return c, func(p string) bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[p]
	}
}
