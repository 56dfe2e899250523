package systest

import (
	"archive/tar"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/camera"
)

func getJSON(t *testing.T, e *hubEnv, url string, v any) {
	t.Helper()
	resp, err := e.client().Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

type timeline struct {
	Streams []struct {
		ID    string `json:"id"`
		Kind  string `json:"kind"`
		Bands []struct {
			Kind     string   `json:"kind"`
			Reason   string   `json:"reason"`
			Verified bool     `json:"verified"`
			Flags    []string `json:"flags"`
			FirstSeq uint64   `json:"first_seq"`
		} `json:"bands"`
	} `json:"streams"`
}

func bandKinds(tl timeline, stream string) string {
	var parts []string
	for _, s := range tl.Streams {
		if s.ID != stream {
			continue
		}
		for _, b := range s.Bands {
			p := b.Kind
			if b.Reason != "" {
				p += ":" + b.Reason
			}
			if !b.Verified {
				p += "(unverified)"
			}
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// TestTimelineAndPlayback unplugs a camera for a while and checks what a
// regulator's player gets: a timeline with the gap and its reason, frames
// with their capture times, audio samples, and a download of the range
// whose files match their manifest.
func TestTimelineAndPlayback(t *testing.T) {
	e := startHub(t)
	rs := startRooms(t, e, 1, newLedger())
	from := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	time.Sleep(2 * time.Second)
	rs.list[0].SetFault("cam1", "unplug")
	time.Sleep(3 * time.Second)
	rs.list[0].SetFault("cam1", "none")
	var tl timeline
	eventually(t, 60*time.Second, "timeline shows recorded, gap, recorded", func() bool {
		getJSON(t, e, e.url()+"/api/v1/rooms/room-1/timeline?from="+from, &tl)
		return bandKinds(tl, "cam1") == "recorded gap:device_lost recorded"
	})
	for _, s := range tl.Streams {
		want := protocol.KindVideo
		if s.ID == "mic1" {
			want = protocol.KindAudio
		}
		if s.Kind != want {
			t.Errorf("stream %s kind %s, want %s", s.ID, s.Kind, want)
		}
	}

	// The player: a media segment's frame index and payload.
	var detail struct {
		Codec  string           `json:"codec"`
		Frames []protocol.Frame `json:"frames"`
	}
	base := e.url() + "/api/v1/rooms/room-1/streams/"
	getJSON(t, e, base+"cam1/segments/0", &detail)
	resp, err := e.client().Get(base + "cam1/segments/0/payload")
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if detail.Codec != protocol.CodecMJPEG || len(detail.Frames) == 0 {
		t.Fatalf("segment detail %+v", detail)
	}
	f := detail.Frames[0]
	st, err := camera.ReadStamp(payload[f.Offset : f.Offset+f.Size])
	if err != nil || st.Time.UnixNano() != f.Time || st.Stream != "cam1" {
		t.Fatalf("first frame stamp %+v (%v), index says t=%d", st, err, f.Time)
	}
	getJSON(t, e, base+"mic1/segments/0", &detail)
	if detail.Codec != protocol.CodecPCM {
		t.Fatalf("mic codec %s", detail.Codec)
	}
	if resp, _ := e.client().Get(base + "cam1/segments/999999"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("missing segment: %d", resp.StatusCode)
	}

	// Download the range: every file matches its manifest entry.
	resp, err = e.client().Get(e.url() + "/api/v1/rooms/room-1/download?from=" + from)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	tr := tar.NewReader(resp.Body)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != "manifest.json" {
		t.Fatalf("first entry %v, %v", hdr, err)
	}
	var man struct {
		Segments []struct {
			File   string `json:"file"`
			SHA256 string `json:"sha256"`
		} `json:"segments"`
	}
	if err := json.NewDecoder(tr).Decode(&man); err != nil {
		t.Fatal(err)
	}
	files := 0
	for ; ; files++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		seg, err := protocol.DecodeSegment(b)
		if err != nil || files >= len(man.Segments) || man.Segments[files].File != hdr.Name || man.Segments[files].SHA256 != seg.Hash() {
			t.Fatalf("file %d (%s) does not match the manifest: %v", files, hdr.Name, err)
		}
	}
	if files == 0 || files != len(man.Segments) {
		t.Fatalf("%d files for %d manifest entries", files, len(man.Segments))
	}
}
