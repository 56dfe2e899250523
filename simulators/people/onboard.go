package people

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// Onboarding are the people who qualify the cast's agency before it takes
// an entrustment (the hub refuses an agency that is not qualified): the
// operator assigns a technician, who accepts each of the agency's rooms
// from the state its box reports; five staff pass the exam; the agency's
// admin names them and itself as device specialist.
type Onboarding struct {
	Operator   Login    `json:"operator"`
	Admin      Login    `json:"admin"`
	Technician Login    `json:"technician"` // its scope holds Rooms
	Staff      []Login  `json:"staff"`      // at least five of the agency's people
	Rooms      []string `json:"rooms"`      // every room of the agency, each with a box recording
	// Bank is the question bank the hub serves (its exam-bank.json, or the
	// shipped sample): the staff answer from it.
	Bank string `json:"bank"`
}

// Onboard qualifies agency at the hub as o's people would through the
// page. A room's acceptance is tried again (a second run) while its box
// has not yet reported every stream or uploaded a recent record.
func Onboard(ctx context.Context, base string, tr http.RoundTripper, agency string, o Onboarding) error {
	answers, err := bankAnswers(o.Bank)
	if err != nil {
		return err
	}
	op, err := SignIn(ctx, base, tr, o.Operator)
	if err != nil {
		return err
	}
	admin, err := SignIn(ctx, base, tr, o.Admin)
	if err != nil {
		return err
	}
	tech, err := SignIn(ctx, base, tr, o.Technician)
	if err != nil {
		return err
	}
	for _, room := range o.Rooms {
		if err := accept(ctx, op, admin, tech, o.Technician.Username, room); err != nil {
			return fmt.Errorf("acceptance of %s: %w", room, err)
		}
	}
	var staff []string
	for _, l := range o.Staff {
		if err := pass(ctx, base, tr, l, answers); err != nil {
			return err
		}
		staff = append(staff, l.Username)
	}
	if err := admin.Do(ctx, "PUT", "/api/v1/onboarding/agencies/"+agency+"/staff", map[string]any{"staff": staff}, nil); err != nil {
		return err
	}
	return admin.Do(ctx, "PUT", "/api/v1/onboarding/agencies/"+agency+"/specialist", map[string]string{"user": o.Admin.Username}, nil)
}

func bankAnswers(file string) (map[string]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("the exam's question bank: %w", err)
	}
	var bank struct {
		Questions []struct{ ID, Answer string }
	}
	if err := json.Unmarshal(b, &bank); err != nil {
		return nil, fmt.Errorf("the exam's question bank %s: %w", file, err)
	}
	out := map[string]string{}
	for _, q := range bank.Questions {
		out[q.ID] = q.Answer
	}
	return out, nil
}

type application struct {
	ID     int64  `json:"id"`
	State  string `json:"state"`
	Checks []struct {
		Item, Value, By string
		Pass            bool
	} `json:"checks"`
	Reasons []string `json:"reasons"`
}

// accept takes one room through its acceptance: applied by the admin,
// assigned by the operator, run by the technician until the hub's own
// checks pass (at most a minute), published.
func accept(ctx context.Context, op, admin, tech *Person, techName, room string) error {
	var a application
	if err := admin.Do(ctx, "POST", "/api/v1/onboarding/applications", map[string]any{
		"room": room, "address": "柳州市柳江区拉堡镇柳堡路1号（演示）", "contact": "演示联系人 0772-0000000", "specialist": "演示设备专员",
		"equipment": []map[string]string{{"kind": "camera", "make": "evalroom", "model": "simulated camera", "serial": room + "-cam1"}},
	}, &a); err != nil {
		return err
	}
	app := fmt.Sprintf("/api/v1/onboarding/applications/%d", a.ID)
	if err := op.Do(ctx, "POST", app+"/assign", map[string]any{"technicians": []string{techName}}, nil); err != nil {
		return err
	}
	digest := strings.Repeat("0", 64)
	for try := 0; ; try++ {
		if err := tech.Do(ctx, "POST", app+"/run", struct{}{}, &a); err != nil {
			return err
		}
		for _, item := range []string{"e_signature", "e_seal", "video_conference", "remote_opening", "remote_evaluation"} {
			if err := tech.Do(ctx, "POST", app+"/items/"+item, map[string]any{"pass": true, "note": "演示：现场检查通过", "evidence_sha256": digest}, nil); err != nil {
				return err
			}
		}
		if err := tech.Do(ctx, "POST", app+"/finish", map[string]string{"form_sha256": digest}, &a); err != nil {
			return err
		}
		if a.State == "passed" {
			break
		}
		if try == 30 {
			return fmt.Errorf("the run did not pass: %s", strings.Join(a.Reasons, "; "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return op.Do(ctx, "POST", app+"/publish", struct{}{}, nil)
}

// pass has one person take the exam and answer from the bank.
func pass(ctx context.Context, base string, tr http.RoundTripper, l Login, answers map[string]string) error {
	p, err := SignIn(ctx, base, tr, l)
	if err != nil {
		return err
	}
	var at struct {
		ID        int64 `json:"id"`
		Questions []struct {
			N  int    `json:"n"`
			ID string `json:"id"`
		} `json:"questions"`
	}
	if err := p.Do(ctx, "POST", "/api/v1/exam/attempts", struct{}{}, &at); err != nil {
		return err
	}
	for _, q := range at.Questions {
		c, ok := answers[q.ID]
		if !ok {
			return fmt.Errorf("question %s is not in the bank given: give the bank the hub serves", q.ID)
		}
		if err := p.Do(ctx, "POST", fmt.Sprintf("/api/v1/exam/attempts/%d/answers", at.ID), map[string]any{"question": q.N, "choice": c}, nil); err != nil {
			return err
		}
	}
	var s struct {
		Passed bool `json:"passed"`
		Score  int  `json:"score"`
	}
	if err := p.Do(ctx, "POST", fmt.Sprintf("/api/v1/exam/attempts/%d/submit", at.ID), struct{}{}, &s); err != nil {
		return err
	}
	if !s.Passed {
		return fmt.Errorf("%s scored %d in the exam, not a pass", l.Username, s.Score)
	}
	return nil
}
