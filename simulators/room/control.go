package room

import (
	"encoding/json"
	"net/http"

	"github.com/evalroom/evalroom/protocol"
)

// Control is the simulator's control endpoint:
//
//	POST /rooms/{room}/streams/{stream}/fault  {"fault": "none|black|frozen|unplug|silence|clip"}
//	POST /rooms/{room}/network                 {"state": "up|down"}
//	POST /rooms/{room}/session                 {"session": "zfcg-2026-001"} starts a procurement session, "" ends it
//	                                           (a stand-in for the hub's workflow, which will send the command)
//	GET  /rooms                                the rooms and their network state
func Control(rooms map[string]*Room) http.Handler {
	mux := http.NewServeMux()
	type faultReq struct {
		Fault string `json:"fault"`
	}
	mux.HandleFunc("POST /rooms/{room}/streams/{stream}/fault", onRoom(rooms, func(rm *Room, r *http.Request, req faultReq) string {
		if err := rm.SetFault(r.PathValue("stream"), req.Fault); err != nil {
			return err.Error()
		}
		return ""
	}))
	type networkReq struct {
		State string `json:"state"`
	}
	mux.HandleFunc("POST /rooms/{room}/network", onRoom(rooms, func(rm *Room, _ *http.Request, req networkReq) string {
		switch req.State {
		case "up":
			rm.Net.SetDown(false)
		case "down":
			rm.Net.SetDown(true)
		default:
			return `state must be "up" or "down"`
		}
		return ""
	}))
	type sessionReq struct {
		Session string `json:"session"`
	}
	mux.HandleFunc("POST /rooms/{room}/session", onRoom(rooms, func(rm *Room, _ *http.Request, req sessionReq) string {
		if req.Session != "" && !protocol.ValidID(req.Session) {
			return "session must be lower-case letters, digits and dashes, e.g. zfcg-2026-001"
		}
		rm.Agent.SetSession(req.Session)
		return ""
	}))
	mux.HandleFunc("GET /rooms", func(w http.ResponseWriter, r *http.Request) {
		out := map[string]any{}
		for id, rm := range rooms {
			out[id] = map[string]any{"network_down": rm.Net.Down(), "mqtt_connected": rm.Agent.Connected(), "spool": rm.Agent.Spool().Stats()}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	return mux
}

// onRoom is a control action on the path's room with a JSON body T: do
// answers "" when done, or why the request is refused (400).
func onRoom[T any](rooms map[string]*Room, do func(rm *Room, r *http.Request, req T) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rm, ok := rooms[r.PathValue("room")]
		if !ok {
			reply(w, http.StatusNotFound, "no such room")
			return
		}
		var req T
		if !decode(w, r, &req) {
			return
		}
		if msg := do(rm, r, req); msg != "" {
			reply(w, http.StatusBadRequest, msg)
			return
		}
		reply(w, http.StatusOK, "")
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		reply(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}

func reply(w http.ResponseWriter, code int, errMsg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if errMsg == "" {
		w.Write([]byte(`{"ok":true}` + "\n"))
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"error": errMsg})
}
