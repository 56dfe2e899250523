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
	mux.HandleFunc("POST /rooms/{room}/streams/{stream}/fault", func(w http.ResponseWriter, r *http.Request) {
		rm, ok := rooms[r.PathValue("room")]
		if !ok {
			reply(w, http.StatusNotFound, "no such room")
			return
		}
		var req struct {
			Fault string `json:"fault"`
		}
		if !decode(w, r, &req) {
			return
		}
		if err := rm.SetFault(r.PathValue("stream"), req.Fault); err != nil {
			reply(w, http.StatusBadRequest, err.Error())
			return
		}
		reply(w, http.StatusOK, "")
	})
	mux.HandleFunc("POST /rooms/{room}/network", func(w http.ResponseWriter, r *http.Request) {
		rm, ok := rooms[r.PathValue("room")]
		if !ok {
			reply(w, http.StatusNotFound, "no such room")
			return
		}
		var req struct {
			State string `json:"state"`
		}
		if !decode(w, r, &req) {
			return
		}
		switch req.State {
		case "up":
			rm.Net.SetDown(false)
		case "down":
			rm.Net.SetDown(true)
		default:
			reply(w, http.StatusBadRequest, `state must be "up" or "down"`)
			return
		}
		reply(w, http.StatusOK, "")
	})
	mux.HandleFunc("POST /rooms/{room}/session", func(w http.ResponseWriter, r *http.Request) {
		rm, ok := rooms[r.PathValue("room")]
		if !ok {
			reply(w, http.StatusNotFound, "no such room")
			return
		}
		var req struct {
			Session string `json:"session"`
		}
		if !decode(w, r, &req) {
			return
		}
		if req.Session != "" && !protocol.ValidID(req.Session) {
			reply(w, http.StatusBadRequest, "session must be lower-case letters, digits and dashes, e.g. zfcg-2026-001")
			return
		}
		rm.Agent.SetSession(req.Session)
		reply(w, http.StatusOK, "")
	})
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
