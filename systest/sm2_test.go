package systest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/hub/evidence/bundle"
	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/room"
)

// TestSM2Room runs a room whose box signs with SM2 over SM3 through the
// end-to-end path over TLS: it enrolls with its SM2 key and a certificate
// for its ECDSA transport key, comes online on MQTT, shows live pictures,
// records a camera unplugged as a signed gap record, and every record
// arrives verified and chained; an evidence export of the range passes
// `evalroom-hub verify-evidence`.
func TestSM2Room(t *testing.T) {
	t.Setenv("EVALROOM_KEY_ALG", protocol.AlgSM2)
	bin := buildHub(t)
	e := startHub(t)
	from := time.Now().Add(-time.Minute).UTC()
	l := newLedger()
	rs := startRooms(t, e, 1, l)
	eventually(t, 30*time.Second, "room online over TLS", func() bool { return e.hub.Fleet.State("room-1").Online })

	key, err := e.hub.Store().BoxKey(t.Context(), "room-1")
	if err != nil || key.Alg != protocol.AlgSM2 {
		t.Fatalf("enrolled key %v, %v", key, err)
	}
	dir := room.Dir(rs.dir, "room-1")
	certPEM, err := os.ReadFile(filepath.Join(dir, identity.CertFile))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		t.Fatalf("the box certificate is for a %T, want its ECDSA P-256 transport key", cert.PublicKey)
	}
	if fi, err := os.Stat(filepath.Join(dir, identity.TransportKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("transport key: %v %v", fi, err)
	}

	for i, st := range watchMJPEG(t, e, "room-1", "cam2", 3) {
		if st.Room != "room-1" || st.Stream != "cam2" {
			t.Fatalf("picture %d is from %s/%s", i, st.Room, st.Stream)
		}
	}

	r := rs.list[0]
	r.SetFault("cam1", "unplug")
	time.Sleep(3 * time.Second)
	r.SetFault("cam1", "none")
	time.Sleep(3 * time.Second)
	want := l.snapshot()
	// Records starting before "to" were all durable at the snapshot: a
	// segment (1 s) still being cut or written then starts later.
	to := time.Now().Add(-3 * time.Second).UTC()
	waitArrived(t, e.hub.Store(), want, time.Minute)
	gaps := 0
	for k, segs := range want {
		have := hubHas(t, e.hub.Store(), k)
		for seq := range segs {
			got := have[seq]
			if !got.Verified {
				t.Errorf("%s seq %d not verified", k, seq)
			}
			if seq > 0 && got.Prev != have[seq-1].Chain {
				t.Errorf("%s seq %d does not follow seq %d", k, seq, seq-1)
			}
			if got.GapReason == protocol.GapDeviceLost {
				gaps++
			}
		}
	}
	if gaps == 0 {
		t.Fatal("no device_lost gap record arrived for the unplugged camera")
	}

	path, body := exportEvidence(t, e, "room-1", from, to)
	out, err := exec.Command(bin, "verify-evidence", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "WHOLE: every record") || !strings.Contains(string(out), "sm2 key "+key.ID()) ||
		!strings.Contains(string(out), "gap record: "+protocol.GapDeviceLost) {
		t.Fatalf("verify-evidence: %v\n%s", err, out)
	}
	rep, err := bundle.Verify(bytes.NewReader(body))
	if err != nil || rep.Err() != nil || rep.Records < 3 || rep.GapRecords == 0 {
		t.Fatalf("%v %v: %d records, %d gap records", err, rep.Err(), rep.Records, rep.GapRecords)
	}
}
