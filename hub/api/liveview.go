package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/evalroom/evalroom/hub/audit"
	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/live"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/protocol"
)

// mjpeg serves one stream as multipart/x-mixed-replace JPEG parts, the way
// IP cameras do; any browser or player shows it. Each part is followed at
// once by the next boundary, as mjpg-streamer does, so a reader that ends a
// part at the boundary (Go's mime/multipart) has the frame now, not when the
// next one comes. Chromium still shows a part only once the next part's
// headers arrive; the hub's own pages use the WebSocket. ?rendition=sub
// asks for the camera's sub-stream (thumbnails) instead of its frames.
func (a *API) mjpeg(w http.ResponseWriter, r *http.Request) {
	room, stream := r.PathValue("room"), r.PathValue("stream")
	if !protocol.ValidID(room) || !protocol.ValidID(stream) {
		a.fail(w, http.StatusBadRequest, "bad room or stream id", nil)
		return
	}
	rendition, ok := parseRendition(r.URL.Query().Get("rendition"))
	if !ok {
		a.fail(w, http.StatusBadRequest, "rendition must be main (the default) or sub (the small, slow thumbnail stream)", nil)
		return
	}
	if _, err := a.store.Room(r.Context(), room); err != nil {
		a.fail(w, http.StatusNotFound, "no such room", nil)
		return
	}
	d := viewing{Via: "mjpeg"}
	d.add(stream, rendition)
	if !a.mustRecord(w, r, "", audit.LiveView, room, d.String()) {
		return
	}
	ended := a.untilSession(r, room)
	v := a.live.WatchRendition(room, stream, rendition)
	defer v.Close()
	const boundary = "evalroomframe"
	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+boundary)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if _, err := fmt.Fprintf(w, "--%s\r\n", boundary); err != nil || rc.Flush() != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ended:
			a.log.Info("ended a live view: a procurement session started", "room", room, "stream", stream, "by", actor(r, ""))
			return
		case f := <-v.C:
			if f.Header.Codec != protocol.CodecMJPEG {
				continue
			}
			rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			_, err := fmt.Fprintf(w, "Content-Type: image/jpeg\r\nContent-Length: %d\r\nX-Capture-Time: %d\r\nX-Frame: %d\r\n\r\n", len(f.Data), f.Header.Time, f.Header.Seq)
			if err == nil {
				_, err = w.Write(f.Data)
			}
			if err == nil {
				_, err = fmt.Fprintf(w, "\r\n--%s\r\n", boundary)
			}
			if err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 64 << 10}

// maxWatch bounds how many streams one page may watch.
const maxWatch = 64

type watchMsg struct {
	Watch []string `json:"watch"`
}

// notice is the one text message the hub sends on the live socket: a
// stream it will not send (any more), and why, for the page to say.
type notice struct {
	Stream string `json:"stream"`
	Ended  string `json:"ended"` // "session": a procurement session started; "not_recorded": the audit log cannot be written
	Error  string `json:"error"`
}

// ws carries the frames of many streams over one connection, for pages that
// show a wall of tiles (browsers allow few HTTP connections per host). The
// client sends {"watch":["room/stream",...]} ("room/stream/sub" for a
// camera's sub-stream); the server sends each frame as one binary message
// in the protocol's live frame format, and a text notice for a stream it
// ends or refuses (its "stream" the key as asked).
func (a *API) ws(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetReadLimit(16 << 10)
	out := make(chan live.Frame, 16)
	watch := make(chan []string, 1)
	ended := make(chan string, maxWatch)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var m watchMsg
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			select {
			case watch <- m.Watch:
			case <-r.Context().Done():
				return
			}
		}
	}()
	viewers := map[string]*live.Viewer{}
	stops := map[string]chan struct{}{}
	stop := func(k string) {
		close(stops[k])
		viewers[k].Close()
		delete(viewers, k)
		delete(stops, k)
	}
	defer func() {
		for k := range viewers {
			stop(k)
		}
	}()
	send := func(n notice) bool {
		conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return conn.WriteJSON(n) == nil
	}
	for {
		select {
		case <-done:
			return
		case list := <-watch:
			want := map[string]bool{}
			for _, s := range list {
				room, _, _, ok := parseWatch(s)
				if ok && len(want) < maxWatch && a.mayWatch(r, room) {
					want[s] = true
				}
			}
			for k := range viewers {
				if !want[k] {
					stop(k)
				}
			}
			// One audit entry per room for the streams newly watched in it.
			added := map[string][]string{}
			for k := range want {
				if viewers[k] == nil {
					room, _, _, _ := parseWatch(k)
					added[room] = append(added[room], k)
				}
			}
			for room, keys := range added {
				var d viewing
				d.Via = "websocket"
				for _, k := range keys {
					_, stream, rendition, _ := parseWatch(k)
					d.add(stream, rendition)
				}
				if err := a.write(r, "", audit.LiveView, room, d.String()); err != nil {
					a.log.Error("refused a live view that could not be recorded in the audit log", "room", room, "streams", keys, "err", err)
					for _, k := range keys {
						if !send(notice{Stream: k, Ended: "not_recorded", Error: route.NotRecorded}) {
							return
						}
					}
					continue
				}
				for _, k := range keys {
					_, stream, rendition, _ := parseWatch(k)
					v := a.live.WatchRendition(room, stream, rendition)
					viewers[k], stops[k] = v, make(chan struct{})
					go forward(v, out, stops[k])
					if until := a.untilSession(r, room); until != nil {
						go endOn(until, stops[k], k, ended)
					}
				}
			}
		case k := <-ended:
			if viewers[k] == nil {
				continue
			}
			stop(k)
			a.log.Info("ended a live view: a procurement session started", "stream", k, "by", actor(r, ""))
			msg := "a procurement session started in room " + auditRoom(k) + ": only regulators may watch it (evaluation is confidential)"
			if !send(notice{Stream: k, Ended: "session", Error: msg}) {
				return
			}
		case f := <-out:
			conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := conn.WriteMessage(websocket.BinaryMessage, f.Raw); err != nil {
				return
			}
		}
	}
}

// parseWatch splits a watch key, "room/stream" (the main stream) or
// "room/stream/sub".
func parseWatch(k string) (room, stream, rendition string, ok bool) {
	parts := strings.Split(k, "/")
	if len(parts) == 3 && parts[2] == protocol.RenditionSub {
		rendition = protocol.RenditionSub
	} else if len(parts) != 2 {
		return "", "", "", false
	}
	room, stream = parts[0], parts[1]
	return room, stream, rendition, protocol.ValidID(room) && protocol.ValidID(stream)
}

// parseRendition reads the rendition a request asks for: "" or "main",
// or "sub".
func parseRendition(q string) (string, bool) {
	switch q {
	case "", "main":
		return protocol.RenditionMain, true
	case protocol.RenditionSub:
		return protocol.RenditionSub, true
	}
	return "", false
}

// endOn sends key to ended when until closes, unless stop closes first.
func endOn(until, stop <-chan struct{}, key string, ended chan<- string) {
	select {
	case <-until:
		select {
		case ended <- key:
		case <-stop:
		}
	case <-stop:
	}
}

// untilSession returns a channel closed once a procurement session runs in
// room, for a viewer whose role may watch it only while none runs; nil
// (never) for regulators. It ends with the request.
func (a *API) untilSession(r *http.Request, room string) <-chan struct{} {
	p, _ := auth.From(r.Context())
	if p.Role == auth.Regulator {
		return nil
	}
	out := make(chan struct{})
	go func() {
		for {
			changed := a.fleet.SessionChange(room) // before the check, so no change is missed
			if a.fleet.State(room).Telemetry.Session != "" {
				close(out)
				return
			}
			select {
			case <-changed:
			case <-r.Context().Done():
				return
			}
		}
	}()
	return out
}

func forward(v *live.Viewer, out chan<- live.Frame, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case f := <-v.C:
			select {
			case out <- f:
			default: // the socket is behind; skip this frame
			}
		}
	}
}
