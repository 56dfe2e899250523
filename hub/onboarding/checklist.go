package onboarding

// Item is one line of the acceptance checklist. The platform's own
// checklist (the annex of the acceptance form) is not public: this list
// follows the seed's requirements and is kept as data.
type Item struct {
	ID   string `json:"id"`
	Name string `json:"name"`    // zh-CN
	En   string `json:"name_en"` // English
	// Hub: the hub checks it itself from what it holds; otherwise the
	// technician records it with evidence (a file's SHA-256).
	Hub bool `json:"hub"`
}

// The items the hub checks itself. Cameras and microphones are checked one
// by one, as camera:STREAM and microphone:STREAM.
const (
	ItemBox       = "box_online"
	ItemCameras   = "video_surveillance"
	ItemMics      = "live_audio"
	ItemRecording = "recording_storage"
	ItemLive      = "live_video_regulator"
)

// Checklist is the acceptance checklist (DOMAIN.md, "Agency onboarding").
var Checklist = []Item{
	{ID: ItemBox, Name: "评标室主机已登记并在线", En: "room box enrolled and online", Hub: true},
	{ID: ItemCameras, Name: "视频监控（每路摄像机正常）", En: "video surveillance (every camera ok)", Hub: true},
	{ID: ItemMics, Name: "实时音频（每路麦克风正常）", En: "live audio (every microphone ok)", Hub: true},
	{ID: ItemRecording, Name: "音视频录制并存储（平台已验证）", En: "audio and video recorded and stored, verified by the hub", Hub: true},
	{ID: ItemLive, Name: "监管部门可调阅实时视频", En: "live video reachable by the regulator", Hub: true},
	{ID: "e_signature", Name: "电子签名", En: "electronic signature"},
	{ID: "e_seal", Name: "电子签章", En: "electronic seal"},
	{ID: "video_conference", Name: "视频会议", En: "video conference"},
	{ID: "remote_opening", Name: "远程开标", En: "remote bid opening"},
	{ID: "remote_evaluation", Name: "远程评标", En: "remote evaluation"},
}

// manual returns the checklist item the technician records, if id is one.
func manual(id string) (Item, bool) {
	for _, it := range Checklist {
		if it.ID == id && !it.Hub {
			return it, true
		}
	}
	return Item{}, false
}
