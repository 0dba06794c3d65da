package magnum

import (
	"context"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
)

// caller returns who is asking: the context's caller, else the configured
// default. A caller with neither a project nor admin rights cannot act.
func (m *Manager) caller(ctx context.Context) (policy.Caller, error) {
	c, ok := policy.CallerFrom(ctx)
	if !ok {
		if m.defCaller == nil {
			return policy.Caller{}, &errdefs.Error{Kind: errdefs.ErrForbidden,
				Reason: "no caller in the context (use policy.WithCaller, or set Config.DefaultCaller)"}
		}
		c = *m.defCaller
	}
	if c.ProjectID == "" && !c.Admin {
		return policy.Caller{}, &errdefs.Error{Kind: errdefs.ErrForbidden, Reason: "the caller has no project"}
	}
	return c, nil
}

func (m *Manager) authorize(ctx context.Context, c policy.Caller, a policy.Action, t policy.Target, resource, id string) error {
	if err := m.policy.Authorize(ctx, c, a, t); err != nil {
		return errdefs.WithResource(err, resource, id)
	}
	return nil
}
