package systest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/evalroom/evalroom/protocol"
	"github.com/evalroom/evalroom/simulators/camera"
	"github.com/evalroom/evalroom/simulators/room"
)

// mjpegParts opens a live.mjpeg address (path and query after the hub's
// URL) and hands each picture to each until it returns false or ctx ends.
func mjpegParts(ctx context.Context, t *testing.T, e *hubEnv, path string, each func(jpg []byte) bool) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url()+path, nil)
	resp, err := e.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" {
		return fmt.Errorf("%s: status %d, content type %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bufio.NewReader(resp.Body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return err
		}
		jpg, err := io.ReadAll(part)
		if err != nil {
			return err
		}
		if !each(jpg) {
			return nil
		}
	}
}

// picture is one live picture's size and capture stamp.
type picture struct {
	w, h  int
	stamp camera.Stamp
}

func readPictures(t *testing.T, e *hubEnv, path string, n int) []picture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []picture
	err := mjpegParts(ctx, t, e, path, func(jpg []byte) bool {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
		if err != nil {
			t.Errorf("%s: picture %d is not a JPEG: %v", path, len(out), err)
			return false
		}
		st, err := camera.ReadStamp(jpg)
		if err != nil {
			t.Errorf("%s: picture %d has no capture stamp: %v", path, len(out), err)
			return false
		}
		out = append(out, picture{cfg.Width, cfg.Height, st})
		return len(out) < n
	})
	if len(out) < n {
		t.Fatalf("%s: %d of %d pictures: %v", path, len(out), n, err)
	}
	return out
}

// TestSubStream: a thumbnail's viewer (?rendition=sub) gets the camera's
// pictures at 320×180, no more than protocol.SubFPS a second, each with the
// camera's capture stamp; a room view gets the main 640×360 frames; when
// the thumbnail's viewer leaves, the box stops sending the sub-stream while
// the main stream, still watched, goes on.
func TestSubStream(t *testing.T) {
	e := startHub(t)
	// The demo's camera: 640×360 at 10 fps.
	startRoomsWith(t, e, 1, newLedger(), func(c *room.Config) { c.Cameras, c.Width, c.Height, c.FPS = 1, 640, 360, 10 })
	eventually(t, 30*time.Second, "room online", func() bool { return e.hub.Fleet.State("room-1").Online })
	const live = "/api/v1/rooms/room-1/streams/cam1/live.mjpeg"

	sub := readPictures(t, e, live+"?rendition=sub", 6)
	for i, p := range sub {
		if p.w != 320 || p.h != 180 || p.stamp.Room != "room-1" || p.stamp.Stream != "cam1" {
			t.Fatalf("sub-stream picture %d: %d×%d of %s/%s, want 320×180 of room-1/cam1", i, p.w, p.h, p.stamp.Room, p.stamp.Stream)
		}
		if i == 0 {
			continue
		}
		// By the camera's own clock: frames move, at most SubFPS a second
		// (a quarter of the interval early at most, as the box allows).
		gap := p.stamp.Time.Sub(sub[i-1].stamp.Time)
		if p.stamp.Frame <= sub[i-1].stamp.Frame || gap < time.Second/protocol.SubFPS*3/4 {
			t.Fatalf("sub-stream pictures %d and %d: frames %d, %d captured %v apart; want moving pictures at most %d a second",
				i-1, i, sub[i-1].stamp.Frame, p.stamp.Frame, gap, protocol.SubFPS)
		}
	}
	eventually(t, 10*time.Second, "sub-stream viewer gone", func() bool { return e.hub.Live.ViewersOf("room-1", "cam1", protocol.RenditionSub) == 0 })

	// A room view keeps watching the main stream meanwhile.
	ctx, cancel := context.WithCancel(context.Background())
	mainDone := make(chan error, 1)
	mainPics := make(chan picture, 64)
	go func() {
		mainDone <- mjpegParts(ctx, t, e, live, func(jpg []byte) bool {
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
			if err == nil {
				select {
				case mainPics <- picture{w: cfg.Width, h: cfg.Height}:
				default:
				}
			}
			return true
		})
	}()
	defer func() { cancel(); <-mainDone }()
	for range 3 {
		select {
		case p := <-mainPics:
			if p.w != 640 || p.h != 360 {
				t.Fatalf("main stream picture %d×%d, want 640×360", p.w, p.h)
			}
		case err := <-mainDone:
			t.Fatalf("main stream ended: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("no main stream picture in 30 s")
		}
	}
	// The box has taken the sub-stream's stop: no sub frame comes for a
	// second, while main frames do.
	eventually(t, 10*time.Second, "box stops sending the sub-stream, main goes on", func() bool {
		subBefore, mainBefore := e.hub.Live.ReceivedSub(), e.hub.Live.Received()
		time.Sleep(time.Second)
		return e.hub.Live.ReceivedSub() == subBefore && e.hub.Live.Received() > mainBefore
	})

	resp, err := e.client().Get(e.url() + live + "?rendition=hd")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("rendition=hd answered %d, want 400", resp.StatusCode)
	}
}
