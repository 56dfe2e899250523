package procurement

import (
	"context"
	"fmt"
	"net/http"

	"github.com/evalroom/evalroom/hub/auth"
	"github.com/evalroom/evalroom/hub/route"
)

// change is one transition worked out and checked: what goes in the audit
// log, and the write that makes it.
type change struct {
	action, target, detail string
	apply                  func(ctx context.Context) (any, error) // makes the change and returns what to answer
}

// transit works out a transition under the lock (plan refuses it with an
// error that answer turns into its status), puts it on record, then makes
// it: nothing changes that is not in the audit log first.
func (h *HTTP) transit(w http.ResponseWriter, r *http.Request, code int, plan func(ctx context.Context) (change, error)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := plan(r.Context())
	if err != nil {
		h.answer(w, err)
		return
	}
	if err := h.Access.WriteAudit(r, c.action, c.target, c.detail); err != nil {
		h.answer(w, fmt.Errorf("%w: %w", errNotRecorded, err))
		return
	}
	out, err := c.apply(r.Context())
	if err != nil {
		h.answer(w, err)
		return
	}
	who, _ := auth.From(r.Context())
	h.Log.Info("procurement record changed", "action", c.action, "target", c.target, "by", who.User)
	route.JSON(w, code, out)
}
