package procurement

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Qualifier says whether an agency may be given projects: its onboarding
// (the Kunming seed: five staff passed, a device specialist,
// rooms carrying the 可视化 mark). hub/onboarding answers it; hub/server
// wires the two, so that the workflow does not import onboarding.
type Qualifier interface {
	// Standing says whether the agency is qualified and, when not, each
	// condition not met, in Chinese and in English.
	Standing(ctx context.Context, agency string) (qualified bool, missing, missingEn []string, err error)
}

// ErrUnqualified means the agency is not qualified to take an entrustment.
var ErrUnqualified = errors.New("the agency is not qualified to take projects on the platform")

// unqualified is a refusal naming what the agency still lacks.
type unqualified struct {
	agency             string
	missing, missingEn []string
}

func (u *unqualified) Error() string {
	return fmt.Sprintf("%s: agency %s must first finish its onboarding: %s", ErrUnqualified, u.agency, strings.Join(u.missingEn, "; "))
}

func (u *unqualified) Unwrap() error { return ErrUnqualified }

// qualifiedAgency refuses an entrustment to an agency its onboarding has
// not qualified.
func (h *HTTP) qualifiedAgency(ctx context.Context, agency string) error {
	ok, missing, missingEn, err := h.Agencies.Standing(ctx, agency)
	if err != nil {
		return fmt.Errorf("read the qualification of agency %s: %w", agency, err)
	}
	if !ok {
		return &unqualified{agency: agency, missing: missing, missingEn: missingEn}
	}
	return nil
}
