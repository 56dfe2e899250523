package procurement

import "context"

// unsuspended refuses a transition of a project that a complaint has
// suspended; challenges and complaints come with their own step.
func (h *HTTP) unsuspended(context.Context, Project) error { return nil }

// projectUnsuspended is unsuspended for the project of that id.
func (h *HTTP) projectUnsuspended(ctx context.Context, id int64) error {
	p, err := h.DB.Project(ctx, id)
	if err != nil {
		return err
	}
	return h.unsuspended(ctx, p)
}

// noOpenChallenge refuses signing while a challenge that may change the
// result is open.
func (h *HTTP) noOpenChallenge(context.Context, int64) error { return nil }
