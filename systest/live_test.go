package systest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/evalroom/evalroom/simulators/camera"
)

// watchMJPEG reads n pictures from a room camera's live.mjpeg and returns
// the capture stamps inside them.
func watchMJPEG(t *testing.T, e *hubEnv, roomID, stream string, n int) []camera.Stamp {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/rooms/%s/streams/%s/live.mjpeg", e.url(), roomID, stream), nil)
	resp, err := e.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bufio.NewReader(resp.Body), params["boundary"])
	var stamps []camera.Stamp
	for len(stamps) < n {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("after %d pictures: %v", len(stamps), err)
		}
		jpg, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		st, err := camera.ReadStamp(jpg)
		if err != nil {
			t.Fatalf("picture without a capture stamp: %v", err)
		}
		stamps = append(stamps, st)
	}
	return stamps
}

// TestLiveStartsAndStops watches a camera, checks that moving pictures of
// that camera arrive, and that the box stops sending when nobody watches.
func TestLiveStartsAndStops(t *testing.T) {
	e := startHub(t)
	startRooms(t, e, 1, newLedger())
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	if e.hub.Live.Received() != 0 {
		t.Fatal("live frames flowed before anybody watched")
	}
	stamps := watchMJPEG(t, e, "room-1", "cam2", 5)
	for i, st := range stamps {
		if st.Room != "room-1" || st.Stream != "cam2" {
			t.Fatalf("picture %d is from %s/%s", i, st.Room, st.Stream)
		}
		if i > 0 && st.Frame <= stamps[i-1].Frame {
			t.Fatalf("frames do not move: %d after %d", st.Frame, stamps[i-1].Frame)
		}
	}
	eventually(t, 10*time.Second, "viewer gone", func() bool { return e.hub.Live.Viewers("room-1", "cam2") == 0 })
	// Once the box has taken the stop command, no more frames arrive.
	var before uint64
	eventually(t, 10*time.Second, "box stops sending", func() bool {
		before = e.hub.Live.Received()
		time.Sleep(time.Second)
		return e.hub.Live.Received() == before
	})
}

var netDialer net.Dialer
