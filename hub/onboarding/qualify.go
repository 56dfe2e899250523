package onboarding

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/store"
)

// MinStaff is how many named full-time staff must have passed the exam.
const MinStaff = 5

const qualifyBasis = "至少5名专职人员经培训并考试合格，另设1名设备专员；评标室通过验收并标注“可视化” (seed 2, Kunming: at least 5 full-time staff trained and passed, 1 device specialist, rooms accepted)"

// Qualification is an agency's qualification, computed from the record.
type Qualification struct {
	Agency     string        `json:"agency"`
	Qualified  bool          `json:"qualified"`
	Staff      []StaffStatus `json:"staff"`
	Passed     int           `json:"staff_passed"`
	Specialist string        `json:"specialist"` // user name, "" when none is named
	Rooms      []RoomStatus  `json:"rooms"`
	Missing    []string      `json:"missing"`    // each condition not met, zh-CN
	MissingEn  []string      `json:"missing_en"` // the same in English
	Basis      string        `json:"basis"`
	At         time.Time     `json:"at"`
}

// StaffStatus is one named person's exam record.
type StaffStatus struct {
	User     string `json:"user"`
	Passed   bool   `json:"passed"`
	Best     int    `json:"best_score"`
	Attempts int    `json:"attempts_used"`
}

// RoomStatus is one of the agency's rooms and its 可视化 mark.
type RoomStatus struct {
	Room string `json:"room"`
	Name string `json:"name"`
	Mark string `json:"mark"` // passed, published, or "" without a valid mark
}

// Qualify computes an agency's qualification. The caller holds h.mu.
func (h *HTTP) Qualify(ctx context.Context, agency string) (Qualification, error) {
	q := Qualification{Agency: agency, Basis: qualifyBasis, At: h.Now().UTC(), Staff: []StaffStatus{}, Rooms: []RoomStatus{},
		Missing: []string{}, MissingEn: []string{}}
	if err := h.staffStatus(ctx, &q); err != nil {
		return q, err
	}
	sp, err := h.DB.Specialist(ctx, agency)
	if err != nil {
		return q, fmt.Errorf("read the device specialist of %s: %w", agency, err)
	}
	q.Specialist = sp
	if err := h.roomStatus(ctx, &q); err != nil {
		return q, err
	}
	q.missing()
	q.Qualified = len(q.Missing) == 0
	return q, nil
}

func (h *HTTP) staffStatus(ctx context.Context, q *Qualification) error {
	staff, err := h.DB.Staff(ctx, q.Agency)
	if err != nil {
		return fmt.Errorf("read the staff of %s: %w", q.Agency, err)
	}
	for _, u := range staff {
		all, err := h.attempts(ctx, u)
		if err != nil {
			return err
		}
		s := StaffStatus{User: u, Attempts: len(all)}
		for _, a := range all {
			s.Passed = s.Passed || a.Passed
			s.Best = max(s.Best, a.Score)
		}
		if s.Passed {
			q.Passed++
		}
		q.Staff = append(q.Staff, s)
	}
	return nil
}

func (h *HTTP) roomStatus(ctx context.Context, q *Qualification) error {
	rooms, err := h.Rooms.RoomsOf(ctx, store.RoomFilter{Agency: q.Agency})
	if err != nil {
		return fmt.Errorf("read the rooms of %s: %w", q.Agency, err)
	}
	marks, err := h.Marks(ctx)
	if err != nil {
		return err
	}
	for _, rm := range rooms {
		q.Rooms = append(q.Rooms, RoomStatus{Room: rm.ID, Name: rm.Name, Mark: marks[rm.ID].State})
	}
	return nil
}

// missing says each condition not met, in Chinese and English.
func (q *Qualification) missing() {
	say := func(zh, en string) { q.Missing, q.MissingEn = append(q.Missing, zh), append(q.MissingEn, en) }
	if q.Passed < MinStaff {
		say(fmt.Sprintf("考试合格的专职人员%d名，至少需要%d名", q.Passed, MinStaff),
			fmt.Sprintf("%d named full-time staff have passed the exam; at least %d must", q.Passed, MinStaff))
	}
	if q.Specialist == "" {
		say("未指定设备专员", "no device specialist is named")
	}
	if len(q.Rooms) == 0 {
		say("没有评标室", "the agency has no room")
	}
	for _, r := range q.Rooms {
		if r.Mark == "" {
			say(fmt.Sprintf("评标室%s（%s）未取得有效的“可视化”标识", r.Name, r.Room),
				fmt.Sprintf("room %s (%s) has no valid 可视化 mark: its device acceptance has not passed", r.Room, r.Name))
		}
	}
}

// qualification: the agency's qualification with what is missing.
func (h *HTTP) qualification(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	q, err := h.Qualify(r.Context(), r.PathValue("agency"))
	h.mu.Unlock()
	if err != nil {
		h.answer(w, err)
		return
	}
	route.JSON(w, http.StatusOK, q)
}

// Standing says whether an agency is qualified and, when not, each
// condition not met: what the workflow asks before an agency takes an
// entrustment (procurement.Qualifier; hub/server wires it).
func (h *HTTP) Standing(ctx context.Context, agency string) (qualified bool, missing, missingEn []string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	q, err := h.Qualify(ctx, agency)
	return q.Qualified, q.Missing, q.MissingEn, err
}
