package procurement

import (
	"fmt"
	"net/http"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
	"github.com/evalroom/evalroom/hub/workday"
)

type datesReq struct {
	DocumentsIssued *workday.Date `json:"documents_issued"` // default today
	BidDeadline     *workday.Date `json:"bid_deadline"`
}

// publish issues the documents and sets the bid deadline, which the
// method's clock bounds (open tender: 20 days, Law art. 35).
func (h *HTTP) publish(w http.ResponseWriter, r *http.Request) {
	var q datesReq
	if !route.Decode(w, r, &q) {
		return
	}
	h.moveProject(w, r, "publish", ActProjectPublish, func(p *Project) error {
		today := h.today()
		issued := today
		if q.DocumentsIssued != nil {
			issued = *q.DocumentsIssued
		}
		if issued.Before(today) {
			return bad("documents_issued", fmt.Sprintf("%s is in the past: documents are issued today (%s) or later", issued, today))
		}
		if q.BidDeadline == nil {
			return bad("bid_deadline", "the bid deadline, YYYY-MM-DD")
		}
		p.DocumentsIssued, p.BidDeadline = issued, *q.BidDeadline
		return h.checkDates(*p)
	})
}

// extend moves the bid deadline later (a clarification that affects bids
// less than 15 days before it must postpone it, Reg art. 31).
func (h *HTTP) extend(w http.ResponseWriter, r *http.Request) {
	var q datesReq
	if !route.Decode(w, r, &q) {
		return
	}
	h.moveProject(w, r, "extend", ActProjectExtend, func(p *Project) error {
		if q.DocumentsIssued != nil {
			return bad("documents_issued", "the documents' issue date does not change: give only bid_deadline")
		}
		if q.BidDeadline == nil || !p.BidDeadline.Before(*q.BidDeadline) {
			return bad("bid_deadline", fmt.Sprintf("a new bid deadline after the present one (%s)", p.BidDeadline))
		}
		p.BidDeadline = *q.BidDeadline
		return h.checkDates(*p)
	})
}

func (h *HTTP) checkDates(p Project) error {
	m, err := h.Rules.Method(p.Method)
	if err != nil {
		return err
	}
	return checkDeadline(h.Calendars, m, p.DocumentsIssued, p.BidDeadline)
}

// cancel ends the project and its lots, with a reason.
func (h *HTTP) cancel(w http.ResponseWriter, r *http.Request) {
	var q reasonReq
	if !route.Decode(w, r, &q) {
		return
	}
	if err := q.need(); err != nil {
		h.answer(w, err)
		return
	}
	h.moveProject(w, r, "cancel", ActProjectCancel, func(p *Project) error {
		p.Reason = q.Reason
		return nil
	})
}

// moveProject checks a project's transition and what change does to it,
// puts it on record, then makes it.
func (h *HTTP) moveProject(w http.ResponseWriter, r *http.Request, event, action string, change func(p *Project) error) {
	id, _ := pathID(r)
	h.mu.Lock()
	defer h.mu.Unlock()
	p, err := h.DB.Project(r.Context(), id)
	if err != nil {
		h.answer(w, err)
		return
	}
	from := p.State
	if p.State, err = Projects.Next(from, event); err == nil {
		err = change(&p)
	}
	if err != nil {
		h.answer(w, err)
		return
	}
	p.UpdatedAt = h.Now().UTC()
	detail := fmt.Sprintf("%s → %s; documents issued %s, bid deadline %s", from, p.State, dateText(p.DocumentsIssued), dateText(p.BidDeadline))
	if p.Reason != "" {
		detail += ": " + p.Reason
	}
	if err := h.Access.WriteAudit(r, action, target("project", id), detail); err != nil {
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	if err := h.DB.MoveProject(r.Context(), p, from); err != nil {
		h.answer(w, err)
		return
	}
	who, _ := auth.From(r.Context())
	h.Log.Info("project moved", "id", id, "from", from, "to", p.State, "by", who.User)
	h.show(w, r, id, http.StatusOK)
}
