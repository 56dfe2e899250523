package procurement

import (
	"context"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
)

// projectReq is the agency's project made of an accepted entrustment; the
// method and title default to the entrustment's.
type projectReq struct {
	Title    string `json:"title"`
	Method   string `json:"method"`
	Approval string `json:"approval"`
	Lots     []struct {
		Title  string `json:"title"`
		Budget int64  `json:"budget"`
	} `json:"lots"`
}

// lots checks the lots against the budget: at least one, none empty, and
// together within it.
func (q projectReq) lots(budget int64) ([]Lot, error) {
	if len(q.Lots) == 0 || len(q.Lots) > 100 {
		return nil, bad("lots", "give 1 to 100 lots, each {\"title\", \"budget\"}")
	}
	var sum int64
	out := make([]Lot, 0, len(q.Lots))
	for i, l := range q.Lots {
		field := fmt.Sprintf("lots[%d]", i)
		if l.Title == "" || utf8.RuneCountInString(l.Title) > 200 {
			return nil, bad(field+".title", "give a title of 1 to 200 characters")
		}
		if l.Budget <= 0 {
			return nil, bad(field+".budget", "the lot's budget in whole yuan, above 0")
		}
		sum += l.Budget
		out = append(out, Lot{Number: i + 1, Title: l.Title, Budget: l.Budget, State: LotActive})
	}
	if sum > budget {
		return nil, bad("lots", fmt.Sprintf("the lots add up to %d yuan, more than the entrustment's budget of %d", sum, budget))
	}
	return out, nil
}

func (h *HTTP) createProject(w http.ResponseWriter, r *http.Request) {
	var q projectReq
	if !route.Decode(w, r, &q) {
		return
	}
	id, _ := pathID(r)
	h.mu.Lock()
	defer h.mu.Unlock()
	p, err := h.makeProject(r.Context(), id, q)
	if err != nil {
		h.answer(w, err)
		return
	}
	detail := fmt.Sprintf("from entrustment %d: %s; %s; %d lots; %d yuan", id, p.Title, p.Method, len(p.Lots), p.Budget)
	if err := h.Access.WriteAudit(r, ActProjectCreate, target("entrustment", id), detail); err != nil {
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	if p, err = h.DB.InsertProject(r.Context(), p); err != nil {
		h.answer(w, err)
		return
	}
	h.Log.Info("project made", "id", p.ID, "entrustment", id)
	h.show(w, r, p.ID, http.StatusCreated)
}

// makeProject builds the project of an accepted entrustment, checking the
// method against the rules again (the agency may change it).
func (h *HTTP) makeProject(ctx context.Context, id int64, q projectReq) (Project, error) {
	e, err := h.DB.Entrustment(ctx, id)
	if err != nil {
		return Project{}, err
	}
	if _, err := Entrustments.Next(e.State, "project"); err != nil {
		return Project{}, err
	}
	if q.Method == "" {
		q.Method, q.Approval = e.Method, e.Approval
	}
	if q.Title == "" {
		q.Title = e.Title
	}
	if utf8.RuneCountInString(q.Title) > 200 {
		return Project{}, bad("title", "at most 200 characters")
	}
	lots, err := q.lots(e.Budget)
	if err != nil {
		return Project{}, err
	}
	vetted := e
	vetted.Method, vetted.Approval = q.Method, q.Approval
	if err := h.vet(ctx, &vetted); err != nil {
		return Project{}, err
	}
	now := h.Now().UTC()
	return Project{Entrustment: e.ID, Purchaser: e.Purchaser, Agency: e.Agency, Jurisdiction: e.Jurisdiction, Title: q.Title,
		Category: e.Category, Method: q.Method, Approval: q.Approval, Budget: e.Budget, State: ProjPlanning, Lots: lots,
		CreatedAt: now, UpdatedAt: now}, nil
}

// show answers a project with its timetable and next deadline.
func (h *HTTP) show(w http.ResponseWriter, r *http.Request, id int64, code int) {
	p, err := h.DB.Project(r.Context(), id)
	if err == nil {
		err = h.schedule(&p)
	}
	if err == nil {
		err = h.legalState(r.Context(), &p)
	}
	if err != nil {
		h.answer(w, err)
		return
	}
	route.JSON(w, code, p)
}

// schedule computes the project's timetable and next deadline.
func (h *HTTP) schedule(p *Project) error {
	m, err := h.Rules.Method(p.Method)
	if err != nil {
		return err
	}
	if p.Timetable, err = timetable(h.Calendars, m, events(*p)); err != nil {
		return err
	}
	p.Next = next(*p, h.today())
	return nil
}

func (h *HTTP) getProject(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	h.show(w, r, id, http.StatusOK)
}

func (h *HTTP) listProjects(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	list, err := h.DB.Projects(r.Context(), r.URL.Query().Get("state"), maxList)
	if err != nil {
		route.Fail(h.Log, w, http.StatusInternalServerError, "cannot read projects", err)
		return
	}
	out := []Project{}
	for _, pr := range list {
		if !p.SeesParties(pr.Parties()) {
			continue
		}
		if err := h.schedule(&pr); err != nil {
			h.Log.Warn("cannot compute a project's timetable", "id", pr.ID, "err", err)
		}
		out = append(out, pr)
	}
	route.JSON(w, http.StatusOK, out)
}
