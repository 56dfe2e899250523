package systest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
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

	"github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/hub/alerts"
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
	// The deployed ACL, and read access for the test's observer (see
	// listen), who must not share the hub's identity: mosquitto makes the
	// certificate's name the client id, and two clients of one id throw
	// each other out.
	aclText, err := os.ReadFile("../deploy/mosquitto/evalroom.acl")
	if err != nil {
		t.Fatal(err)
	}
	acl := filepath.Join(dir, "evalroom.acl")
	if err := os.WriteFile(acl, append(aclText, "\nuser "+observerName+"\ntopic read evalroom/v1/room/#\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
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

// hubOnMosquitto starts Debian's mosquitto with deploy/mosquitto's
// configuration and a hub that uses it, with the hub's CA; it returns the
// hub (whose cfg.MQTT is mosquitto's address, for the rooms), mosquitto's
// address, the TLS directory and mosquitto's stop.
func hubOnMosquitto(t *testing.T, change func(*server.Config)) (e *hubEnv, addr, tlsDir string, stop func()) {
	t.Helper()
	data := t.TempDir()
	tlsDir = filepath.Join(data, "tls")
	// The hub's CA and server certificate, made as the hub makes them on
	// first start; mosquitto serves the same server certificate.
	ca, _, err := pki.LoadOrCreate(pki.Options{Dir: tlsDir, Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.WriteCRL(tlsDir, nil); err != nil {
		t.Fatal(err)
	}
	addr = freeAddr(t)
	stop = startMosquitto(t, addr, tlsDir)
	e = &hubEnv{t: t, log: logger(t), cfg: server.Config{
		DataDir: data, HTTP: anyPort, Broker: "ssl://" + addr, HeartbeatTimeout: 6 * time.Second,
	}}
	if change != nil {
		change(&e.cfg)
	}
	e.start()
	t.Cleanup(e.shutdown)
	e.cfg.MQTT = addr // the rooms connect to mosquitto
	return e, addr, tlsDir, stop
}

// TestExternalMosquitto runs the hub and its boxes against Debian's
// mosquitto with deploy/mosquitto's configuration: everyone over TLS with a
// certificate of the hub's CA, and a box's certificate cannot publish to
// another room's topics.
func TestExternalMosquitto(t *testing.T) {
	e, addr, tlsDir, stopMosquitto := hubOnMosquitto(t, nil)
	l := newLedger()
	rs := startRooms(t, e, 2, l)
	eventually(t, 30*time.Second, "rooms online through mosquitto", func() bool {
		return e.hub.Fleet.State("room-1").Online && e.hub.Fleet.State("room-2").Online
	})
	stamps := watchMJPEG(t, e, "room-2", "cam1", 3)
	if stamps[0].Room != "room-2" {
		t.Fatalf("live picture from %s", stamps[0].Room)
	}

	// A third room's box (enrolled, not running, so that the intruder
	// does not take a running box's session): its own events pass,
	// room-2's do not.
	box1 := boxTLS(t, room.Dir(rs.dir, "room-1"), e.caFile())
	box3 := enrollBox(t, e, "room-3")
	hub, got := listen(t, addr, tlsDir)
	defer hub.Disconnect(0)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("ssl://" + addr).SetClientID("intruder").
		SetTLSConfig(box3).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("room-3's certificate cannot connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	for _, target := range []string{"room-2", "room-3"} {
		c.Publish(protocol.RoomTopic(target, protocol.TopicEvents), 1, false, []byte("marker-from-room-3-to-"+target)).WaitTimeout(5 * time.Second)
	}
	eventually(t, 10*time.Second, "room-3's own marker arrives", func() bool { return got("marker-from-room-3-to-room-3") })
	if got("marker-from-room-3-to-room-2") {
		t.Fatal("room-3's certificate published to room-2's topic through mosquitto")
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

// TestMosquittoBindsClientIDs: against deploy/mosquitto, a box with
// room-3's certificate connects again and again with room-1's client id.
// mosquitto replaces every client's id with its certificate's name
// (use_identity_as_username, use_username_as_clientid), so the attacker
// gets room-3's session and room-1's box never loses its own. mosquitto
// neither refuses nor reports the attempt: the hub does not see it.
func TestMosquittoBindsClientIDs(t *testing.T) {
	e, addr, tlsDir, _ := hubOnMosquitto(t, func(c *server.Config) {
		c.Alerts.StartupGrace = time.Second // an offline room would be alerted during the attack
	})
	rs := startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room-1 online through mosquitto", func() bool {
		return e.hub.Fleet.State("room-1").Online && rs.list[0].Agent.Connected()
	})
	box3 := enrollBox(t, e, "room-3")
	hub, got := listen(t, addr, tlsDir)
	defer hub.Disconnect(0)
	stop := watchVictim(e, rs, "room-1")
	attempts, connected := 0, 0
	for end := time.Now().Add(8 * time.Second); time.Now().Before(end); {
		attempts++
		c, err := dialMQTT(addr, box3, protocol.BoxClientID("room-1"))
		if err != nil {
			continue
		}
		connected++
		// The session is room-3's: its own topics, not room-1's.
		c.Publish(protocol.RoomTopic("room-1", protocol.TopicEvents), 1, false, []byte("stolen-id-to-room-1")).WaitTimeout(5 * time.Second)
		c.Publish(protocol.RoomTopic("room-3", protocol.TopicEvents), 1, false, []byte("stolen-id-to-room-3")).WaitTimeout(5 * time.Second)
		c.Disconnect(0)
	}
	dropped, offline := stop()
	t.Logf("%d attempts with room-1's client id, %d connected (as room-3); room-1's box without a session in %d samples, offline in %d", attempts, connected, dropped, offline)
	if dropped > 0 {
		t.Errorf("room-1's box lost its session to mosquitto during the attack (%d samples)", dropped)
	}
	if offline > 0 || !e.hub.Fleet.State("room-1").Online {
		t.Errorf("the hub saw room-1 offline during the attack (%d samples)", offline)
	}
	if hasAlert(t, e, "room-1", alerts.RoomOffline) {
		t.Error("room-1 has a room_offline alert")
	}
	if connected > 0 {
		eventually(t, 10*time.Second, "the attacker's publishes to its own room arrive", func() bool { return got("stolen-id-to-room-3") })
	}
	if got("stolen-id-to-room-1") {
		t.Error("a client with room-3's certificate and room-1's client id published to room-1's topics")
	}
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

// observerName is the certificate name of the tests' observer of
// mosquitto (listen); startMosquitto grants it read access.
const observerName = "systest_observer"

// observerCert makes a client certificate named observerName with the
// hub's CA in tlsDir.
func observerCert(t *testing.T, tlsDir string) tls.Certificate {
	t.Helper()
	caPair, err := tls.LoadX509KeyPair(filepath.Join(tlsDir, pki.CAFile), filepath.Join(tlsDir, pki.CAKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caPair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: observerName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caPair.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// listen subscribes to every room's events with an observer's certificate
// and reports whether a payload has arrived.
func listen(t *testing.T, addr, tlsDir string) (mqtt.Client, func(string) bool) {
	t.Helper()
	pair := observerCert(t, tlsDir)
	ca, _ := os.ReadFile(filepath.Join(tlsDir, pki.CAFile))
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	var mu sync.Mutex
	seen := map[string]bool{}
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("ssl://" + addr).SetClientID(fmt.Sprintf("listener-%d", time.Now().UnixNano())).
		SetTLSConfig(&tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: roots, ServerName: "127.0.0.1"}))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("the observer's certificate cannot connect: %v", tok.Error())
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
