package hwtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/edge/identity"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/server"
	"github.com/evalroom/evalroom/hub/store"
)

const room = "room-hw"

// TestRealKernelDevices boots Debian's kernel with vivid and snd-aloop and
// records vivid's /dev/video0 and the loopback's capture side (a tone
// played into its playback side) with the real agent; the hub in this
// process must show the camera and the microphone online with verified,
// contiguous segments of real pictures and sound, then each device failed
// with a device_lost gap when its driver is unbound (vivid, snd-aloop),
// and recording again when it is bound back, the agent never restarted.
func TestRealKernelDevices(t *testing.T) {
	if os.Getenv("EVALROOM_HW") == "" {
		t.Skip("set EVALROOM_HW=1 (make test-hw) to boot a real kernel under qemu")
	}
	for _, tool := range []string{"qemu-system-x86_64", "cpio", "depmod", "modprobe", "dpkg-deb", "apt-get"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: apt-get install qemu-system-x86 busybox-static cpio kmod", tool)
		}
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatal("no /bin/busybox: apt-get install busybox-static")
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	// The hub listens on loopback; qemu's user-mode network forwards the
	// guest's 10.0.2.2 to it.
	h := startHub(t, ctx)

	cache := cacheDir(t)
	k := debianKernel(t, cache)
	loads, mods := k.moduleLoads(t, "virtio_pci", "virtio_net", "vivid", "snd-aloop")
	t.Logf("kernel %s ready, %d modules (%v)", k.version, len(mods), time.Since(began).Round(time.Millisecond))

	root := t.TempDir()
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "etc/evalroom", "lib/modules"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	copyFile(t, "/bin/busybox", filepath.Join(root, "bin/busybox"), 0o755)
	for _, m := range mods {
		copyFile(t, m, filepath.Join(root, "lib/modules", filepath.Base(m)), 0o644)
	}
	buildGuest(t, root)
	h.enroll(t, ctx, filepath.Join(root, "data"))
	cfg := map[string]any{
		"data_dir": "/data", "hub": "http://10.0.2.2:" + port(h.hub.HTTPAddr()), "mqtt": "10.0.2.2:" + port(h.hub.MQTTAddr()),
		"segment": "2s", "report": map[string]any{"interval": "2s"}, "metrics": "127.0.0.1:9101",
		"spool": map[string]any{"budget_bytes": 100 << 20, "min_free_bytes": 1 << 20}, // the guest's disk is its RAM
		"devices": []map[string]any{
			{"stream": "cam1", "kind": "video", "driver": "v4l2", "path": "/dev/video0", "width": 640, "height": 360, "fps": 10},
			// snd-aloop's capture side by the card's name (plughw:CARD=Loopback,DEV=1).
			{"stream": "mic1", "kind": "audio", "driver": "alsa", "path": "Loopback,1", "sample_rate": 16000},
		},
	}
	cb, _ := json.Marshal(cfg)
	os.WriteFile(filepath.Join(root, "etc/evalroom/edge.json"), cb, 0o644)
	os.WriteFile(filepath.Join(root, "init"), []byte(initScript(loads)), 0o755)
	initrd := filepath.Join(t.TempDir(), "initrd.cpio")
	initramfs(t, root, initrd)
	t.Logf("guest built (%v)", time.Since(began).Round(time.Millisecond))

	con := newConsole()
	var exited chan struct{}
	qemu := exec.CommandContext(ctx, "qemu-system-x86_64", "-accel", "tcg", "-m", "512", "-smp", "2", "-nographic", "-no-reboot",
		"-kernel", k.vmlinuz, "-initrd", initrd, "-append", "console=ttyS0 quiet panic=-1",
		"-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,romfile=")
	qemu.Stdout, qemu.Stderr = con, con
	serial, err := qemu.StdinPipe() // the guest's console: the host's commands go in here
	if err != nil {
		t.Fatal(err)
	}
	send := func(cmd, marker string) {
		t.Helper()
		io.WriteString(serial, cmd+"\n")
		if err := con.waitFor(ctx, exited, marker); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, tail(con.String()))
		}
	}
	if err := qemu.Start(); err != nil {
		t.Fatal(err)
	}
	exited = make(chan struct{})
	go func() { qemu.Wait(); close(exited) }()
	t.Cleanup(func() {
		qemu.Process.Kill()
		<-exited
		if t.Failed() || testing.Verbose() {
			log := filepath.Join(cache, "console.log")
			os.WriteFile(log, []byte(con.String()), 0o644)
			t.Logf("guest console: %s", log)
		}
	})
	booted := time.Now()
	if err := con.waitFor(ctx, exited, "HWTEST-READY"); err != nil {
		t.Fatalf("%v\n%s", err, tail(con.String()))
	}
	t.Logf("guest up, /dev/video0 and the loopback there: %v after qemu started", time.Since(booted).Round(time.Millisecond))
	for _, want := range []string{"/dev/video0  vivid", "YUYV: ", `{"stream": "cam1", "kind": "video", "driver": "v4l2", "path": "/dev/video0"`,
		"Loopback,1  card 0 Loopback", `{"stream": "mic2", "kind": "audio", "driver": "alsa", "path": "Loopback,1", "sample_rate": 16000}`} {
		if !strings.Contains(con.String(), want) {
			t.Errorf("evalroom-edge devices in the guest does not show %q", want)
		}
	}

	// evalroom-edge doctor in the guest, before the agent starts: the real
	// camera and microphone open and deliver, the picture and the sound are
	// there. (The guest has no NTP and its hub no certificates: those warn.)
	if err := con.waitFor(ctx, exited, "HWTEST-DOCTOR-END"); err != nil {
		t.Fatalf("%v\n%s", err, tail(con.String()))
	}
	h.checkDoctor(t, con.String())

	// Recording.
	h.eventually(t, ctx, exited, con, 90*time.Second, "cam1 online and ok at the hub", func() (bool, string) {
		s := h.stream(t, "cam1")
		return s.State == "ok", fmt.Sprintf("%+v", s)
	})
	t.Logf("camera recording at the hub: %s (%v after qemu started)", h.stream(t, "cam1").Mode, time.Since(booted).Round(time.Millisecond))
	if m := h.stream(t, "cam1").Mode; !strings.Contains(m, "640x360") {
		t.Errorf("mode %q: want what vivid gave for 640x360", m)
	}
	h.eventually(t, ctx, exited, con, 60*time.Second, "three media segments verified", func() (bool, string) {
		segs := h.segments(t, "cam1")
		return countMedia(segs) >= 3, fmt.Sprintf("%d records", len(segs))
	})
	h.checkPictures(t, "cam1")

	// Sound: the tone played into the loopback, recorded from its capture side.
	h.eventually(t, ctx, exited, con, 60*time.Second, "mic1 ok with three sound segments verified", func() (bool, string) {
		s := h.stream(t, "mic1")
		segs := h.segments(t, "mic1")
		return s.State == "ok" && countMedia(segs) >= 3, fmt.Sprintf("%+v, %d records", s, len(segs))
	})
	h.eventually(t, ctx, exited, con, 30*time.Second, "mic1's level at the hub not silent", func() (bool, string) {
		s := h.stream(t, "mic1")
		return s.Quality != nil && s.Quality.RMSdBFS > -40, fmt.Sprintf("%+v", s.Quality)
	})
	t.Logf("microphone recording at the hub: %s, level %.1f dBFS", h.stream(t, "mic1").Mode, h.stream(t, "mic1").Quality.RMSdBFS)
	h.checkSound(t, "mic1")

	// An overrun: the agent stopped (SIGSTOP) for 3 s, longer than the
	// sound card's 2 s buffer; the kernel reports the overrun and the lost
	// sound is an overrun gap, the microphone still ok.
	send("stall", "HWTEST-RESUMED")
	h.eventually(t, ctx, exited, con, 60*time.Second, "mic1: an overrun gap, then sound again", func() (bool, string) {
		segs := h.segments(t, "mic1")
		gap := -1
		for i, s := range segs {
			if s.Gap && s.GapReason == "overrun" {
				gap = i
			}
		}
		return gap >= 0 && countMedia(segs[gap:]) >= 2, fmt.Sprintf("overrun gap at %d of %d records", gap, len(segs))
	})
	for _, s := range h.segments(t, "mic1") {
		if s.Gap {
			t.Logf("mic1 record %d: %s gap", s.Seq, s.GapReason)
			if s.GapReason != "overrun" {
				t.Errorf("mic1 record %d: a %s gap, want only the overrun", s.Seq, s.GapReason)
			}
		}
	}
	if st := h.stream(t, "mic1"); st.State != "ok" {
		t.Errorf("mic1 %s after an overrun (%s): want ok", st.State, st.Reason)
	}
	send("metrics", "HWTEST-METRICS")
	if m := `evalroom_edge_device_overruns_total{room="` + room + `",stream="mic1"} 1`; !strings.Contains(con.String(), m) {
		t.Errorf("the agent's metrics in the guest lack %s", m)
	}
	h.checkSound(t, "mic1")

	// Unplug: vivid's platform device unbound while streaming.
	send("unbind", "HWTEST-UNBOUND")
	h.eventually(t, ctx, exited, con, 60*time.Second, "cam1 failed at the hub after unbind", func() (bool, string) {
		s := h.stream(t, "cam1")
		return s.State == "failed", fmt.Sprintf("%+v", s)
	})
	t.Logf("camera failed at the hub: %q", h.stream(t, "cam1").Reason)
	before := countMedia(h.segments(t, "cam1"))
	send("bind", "HWTEST-BOUND")
	h.eventually(t, ctx, exited, con, 60*time.Second, "a device_lost gap, then recording again", func() (bool, string) {
		segs := h.segments(t, "cam1")
		gap := -1
		for i, s := range segs {
			if s.Gap && s.GapReason == "device_lost" {
				gap = i
			}
		}
		return gap >= 0 && countMedia(segs[gap:]) >= 2 && h.stream(t, "cam1").State == "ok", fmt.Sprintf("gap at %d of %d records, %d media before", gap, len(segs), before)
	})
	h.checkPictures(t, "cam1")
	h.checkChain(t, "cam1")

	// The sound card goes away (snd-aloop's device unbound) and comes back;
	// the tone player opens it again by itself, as the agent does.
	send("aunbind", "HWTEST-AUNBOUND")
	h.eventually(t, ctx, exited, con, 60*time.Second, "mic1 failed at the hub after the card went away", func() (bool, string) {
		s := h.stream(t, "mic1")
		return s.State == "failed", fmt.Sprintf("%+v", s)
	})
	t.Logf("microphone failed at the hub: %q", h.stream(t, "mic1").Reason)
	send("abind", "HWTEST-ABOUND")
	h.eventually(t, ctx, exited, con, 60*time.Second, "mic1: a device_lost gap, then sound again", func() (bool, string) {
		segs := h.segments(t, "mic1")
		gap := -1
		for i, s := range segs {
			if s.Gap && s.GapReason == "device_lost" {
				gap = i
			}
		}
		if gap < 0 || countMedia(segs[gap:]) < 2 || h.stream(t, "mic1").State != "ok" {
			return false, fmt.Sprintf("gap at %d of %d records", gap, len(segs))
		}
		// The agent and the tone player each open the card again within a
		// second of its return, in either order: the loopback gives silence
		// until the player is back, so the tone may come a record later.
		seq, _, secs, rms := h.lastSound(t, "mic1")
		return toneLevel(secs, rms), fmt.Sprintf("record %d: %.2f s at %.1f dBFS, waiting for the tone", seq, secs, rms)
	})
	h.checkSound(t, "mic1")
	h.checkChain(t, "mic1")
	if strings.Contains(con.String(), "agent running") && strings.Count(con.String(), "agent running") != 1 {
		t.Errorf("the agent started %d times: it should have survived the unplug", strings.Count(con.String(), "agent running"))
	}
	t.Logf("done in %v (qemu ran %v)", time.Since(began).Round(time.Millisecond), time.Since(booted).Round(time.Millisecond))
}

// initScript is the guest's /init: modules, network, the agent, then the
// host's commands (unbind, bind) from the serial console.
func initScript(loads []string) string {
	return `#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
` + strings.Join(loads, "\n") + `
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
i=0
while { [ ! -e /dev/video0 ] || [ ! -e /dev/snd/pcmC0D1c ]; } && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
/bin/evalroom-edge devices
echo HWTEST-READY
/bin/tone -device hw:Loopback,0 -rate 48000 &
sleep 1
echo HWTEST-DOCTOR-BEGIN
/bin/evalroom-edge doctor --config /etc/evalroom/edge.json --json --watch 4s
echo HWTEST-DOCTOR-END status $?
/bin/evalroom-edge run --config /etc/evalroom/edge.json &
agent=$!
while read -r c; do
  case "$c" in
  unbind) echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind && echo HWTEST-UNBOUND ;;
  bind) echo vivid.0 > /sys/bus/platform/drivers/vivid/bind && echo HWTEST-BOUND ;;
  stall) kill -STOP $agent; sleep 3; kill -CONT $agent; echo HWTEST-RESUMED ;;
  metrics) wget -qO- http://127.0.0.1:9101/metrics | grep device_overruns_total; echo HWTEST-METRICS ;;
  aunbind) echo snd_aloop.0 > /sys/bus/platform/drivers/snd_aloop/unbind && echo HWTEST-AUNBOUND ;;
  abind) echo snd_aloop.0 > /sys/bus/platform/drivers/snd_aloop/bind && echo HWTEST-ABOUND ;;
  esac
done
`
}

// checkDoctor reads doctor's JSON report from the guest's console: the
// devices' checks must pass.
func (h *hub) checkDoctor(t *testing.T, console string) {
	t.Helper()
	_, after, _ := strings.Cut(console, "HWTEST-DOCTOR-BEGIN")
	out, _, _ := strings.Cut(after, "HWTEST-DOCTOR-END")
	start, end := strings.Index(out, "{"), strings.LastIndex(out, "}")
	var rep struct {
		Status string
		Checks []struct{ Check, Status, Detail, Fix string }
	}
	if start < 0 || end < start || json.Unmarshal([]byte(out[start:end+1]), &rep) != nil {
		t.Fatalf("no doctor report on the guest's console:\n%s", out)
	}
	seen := map[string]bool{}
	for _, c := range rep.Checks {
		t.Logf("doctor in the guest: %-5s %-13s %s", c.Status, c.Check, c.Detail)
		seen[c.Check] = true
		switch c.Check {
		case "device cam1", "picture cam1", "device mic1", "sound mic1", "hub", "broker", "clock":
			if c.Status == "fail" {
				t.Errorf("doctor in the guest: %s failed: %s (%s)", c.Check, c.Detail, c.Fix)
			}
		}
	}
	for _, want := range []string{"device cam1", "picture cam1", "device mic1", "sound mic1", "disk", "hub", "broker", "clock", "ntp", "certificate", "spool"} {
		if !seen[want] {
			t.Errorf("doctor in the guest has no %s check", want)
		}
	}
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func tail(s string) string {
	if len(s) > 6000 {
		s = s[len(s)-6000:]
	}
	return s
}

// hub is a hub in this process, plain HTTP and MQTT on loopback.
type hub struct {
	hub     *server.Hub
	url     string
	op, reg string
	client  *http.Client
}

func startHub(t *testing.T, ctx context.Context) *hub {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("EVALROOM_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	hctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s, err := server.Start(hctx, server.Config{DataDir: t.TempDir(), HTTP: "127.0.0.1:0", MQTT: "127.0.0.1:0", Insecure: true, HeartbeatTimeout: 10 * time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	h := &hub{hub: s, url: "http://" + s.HTTPAddr(), client: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(sctx)
		stop()
	})
	if h.op, err = s.Store().CreateAPIToken(hctx, store.APIToken{Name: "hwtest-operator", Role: string(auth.Operator)}, 0); err != nil {
		t.Fatal(err)
	}
	if h.reg, err = s.Store().CreateAPIToken(hctx, store.APIToken{Name: "hwtest-regulator", Role: string(auth.Regulator), Scope: auth.AllJurisdictions}, 0); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *hub) do(t *testing.T, token, method, path string, body []byte) []byte {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return b
}

// enroll makes the box's key and enrolls it for the room on the host, into
// the data directory the guest gets.
func (h *hub) enroll(t *testing.T, ctx context.Context, dir string) {
	t.Helper()
	var tok struct{ Token string }
	json.Unmarshal(h.do(t, h.op, http.MethodPost, "/api/v1/rooms", []byte(`{"id":"`+room+`","name":"硬件测试室"}`)), &tok)
	signer, err := identity.LoadOrCreateKeyAlg(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.Enroll(ctx, h.client, h.url, tok.Token, dir, signer, identity.Trust{}); err != nil {
		t.Fatal(err)
	}
}

type stream struct {
	ID, State, Reason, Mode string
	Quality                 *struct {
		RMSdBFS float64 `json:"rms_dbfs"`
	}
}

func (h *hub) stream(t *testing.T, id string) stream {
	t.Helper()
	var rooms []struct {
		ID      string
		Online  bool
		Streams []stream
	}
	json.Unmarshal(h.do(t, h.reg, http.MethodGet, "/api/v1/rooms", nil), &rooms)
	for _, r := range rooms {
		for _, s := range r.Streams {
			if r.ID == room && r.Online && s.ID == id {
				return s
			}
		}
	}
	return stream{State: "not online"}
}

type segment struct {
	Seq, LastSeq uint64
	Verified     bool
	Gap          bool
	GapReason    string
	Bytes        int64
}

func (h *hub) segments(t *testing.T, id string) []segment {
	t.Helper()
	var raw []struct {
		Seq       uint64 `json:"seq"`
		LastSeq   uint64 `json:"last_seq"`
		Verified  bool   `json:"verified"`
		Gap       bool   `json:"gap"`
		GapReason string `json:"gap_reason"`
		Bytes     int64  `json:"bytes"`
	}
	q := "?from=" + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339) + "&to=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	json.Unmarshal(h.do(t, h.reg, http.MethodGet, "/api/v1/rooms/"+room+"/streams/"+id+"/segments"+q, nil), &raw)
	out := make([]segment, len(raw))
	for i, r := range raw {
		out[i] = segment{Seq: r.Seq, LastSeq: r.LastSeq, Verified: r.Verified, Gap: r.Gap, GapReason: r.GapReason, Bytes: r.Bytes}
	}
	return out
}

func countMedia(segs []segment) int {
	n := 0
	for _, s := range segs {
		if !s.Gap && s.Verified {
			n++
		}
	}
	return n
}

// checkChain: every record from 0 on is at the hub, once, and verified.
func (h *hub) checkChain(t *testing.T, id string) {
	t.Helper()
	segs := h.segments(t, id)
	next := uint64(0)
	for _, s := range segs {
		if s.Seq != next {
			t.Fatalf("%s: record %d follows %d: not contiguous", id, s.Seq, next-1)
		}
		if !s.Verified {
			t.Errorf("%s: record %d not verified", id, s.Seq)
		}
		next = max(s.Seq, s.LastSeq) + 1
	}
	t.Logf("%s: records 0..%d contiguous and verified", id, next-1)
}

// checkPictures decodes the first picture of the newest media segment and
// checks it is not black.
func (h *hub) checkPictures(t *testing.T, id string) {
	t.Helper()
	segs := h.segments(t, id)
	var last segment
	for _, s := range segs {
		if !s.Gap {
			last = s
		}
	}
	base := fmt.Sprintf("/api/v1/rooms/%s/streams/%s/segments/%d", room, id, last.Seq)
	var rec struct {
		Frames []struct{ O, N int }
	}
	json.Unmarshal(h.do(t, h.reg, http.MethodGet, base, nil), &rec)
	payload := h.do(t, h.reg, http.MethodGet, base+"/payload", nil)
	if len(rec.Frames) == 0 {
		t.Fatalf("%s record %d has no frames", id, last.Seq)
	}
	f := rec.Frames[0]
	img, err := jpeg.Decode(bytes.NewReader(payload[f.O : f.O+f.N]))
	if err != nil {
		t.Fatalf("%s record %d: the picture does not decode: %v", id, last.Seq, err)
	}
	if l := meanLuma(img); l < 40 {
		t.Errorf("%s record %d: mean luma %.0f: black picture", id, last.Seq, l)
	} else {
		t.Logf("%s record %d: %d frames, %v picture, mean luma %.0f", id, last.Seq, len(rec.Frames), img.Bounds().Size(), l)
	}
}

// checkSound reads the newest sound segment: 16-bit PCM at 16 kHz, about
// the segment's length of it, and not silent.
func (h *hub) checkSound(t *testing.T, id string) {
	t.Helper()
	seq, chunks, secs, rms := h.lastSound(t, id)
	if !toneLevel(secs, rms) {
		t.Errorf("%s record %d: %.2f s of sound at %.1f dBFS: want the tone (-15 dBFS) for about a segment", id, seq, secs, rms)
	} else {
		t.Logf("%s record %d: %d chunks, %.2f s of sound at %.1f dBFS", id, seq, chunks, secs, rms)
	}
}

// toneLevel reports whether a record holds the tone: about a segment of
// sound well above silence.
func toneLevel(secs, rms float64) bool { return rms >= -40 && secs >= 0.5 }

// lastSound measures the stream's newest record of sound: its seq, chunks,
// seconds and RMS level in dBFS.
func (h *hub) lastSound(t *testing.T, id string) (uint64, int, float64, float64) {
	t.Helper()
	var last segment
	for _, s := range h.segments(t, id) {
		if !s.Gap {
			last = s
		}
	}
	base := fmt.Sprintf("/api/v1/rooms/%s/streams/%s/segments/%d", room, id, last.Seq)
	var rec struct {
		Frames []struct{ O, N int }
	}
	json.Unmarshal(h.do(t, h.reg, http.MethodGet, base, nil), &rec)
	pcm := h.do(t, h.reg, http.MethodGet, base+"/payload", nil)
	if len(rec.Frames) == 0 || len(pcm)%2 != 0 {
		t.Fatalf("%s record %d: %d chunks, %d bytes", id, last.Seq, len(rec.Frames), len(pcm))
	}
	var sum float64
	for i := 0; i+1 < len(pcm); i += 2 {
		v := float64(int16(binary.LittleEndian.Uint16(pcm[i:])))
		sum += v * v
	}
	rms := 20 * math.Log10(math.Sqrt(sum/float64(len(pcm)/2))/32768+1e-9)
	return last.Seq, len(rec.Frames), float64(len(pcm)/2) / 16000, rms
}

func meanLuma(img image.Image) float64 {
	if yc, ok := img.(*image.YCbCr); ok {
		var sum int
		b := yc.Rect
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for _, v := range yc.Y[(y-b.Min.Y)*yc.YStride : (y-b.Min.Y)*yc.YStride+b.Dx()] {
				sum += int(v)
			}
		}
		return float64(sum) / float64(b.Dx()*b.Dy())
	}
	var sum float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			sum += (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
		}
	}
	return sum / float64(b.Dx()*b.Dy())
}

// eventually polls cond until it holds, the deadline passes, or the guest
// stops; on failure it shows the last state and the guest's console.
func (h *hub) eventually(t *testing.T, ctx context.Context, exited <-chan struct{}, con *console, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, state := cond()
		if ok {
			return
		}
		select {
		case <-exited:
			t.Fatalf("the guest stopped before: %s (%s)\n%s", what, state, tail(con.String()))
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("after %v: %s (last: %s)\nguest console:\n%s", within, what, state, tail(con.String()))
		}
		time.Sleep(500 * time.Millisecond)
	}
}
