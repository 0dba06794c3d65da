package policy

import (
	"context"
	"slices"
)

// Caller is who is asking: the identity a Keystone token (or the embedding
// program) vouches for. Every read and write is scoped to the caller's
// project; admins may act on all projects.
type Caller struct {
	UserID    string
	ProjectID string
	Roles     []string
	// Admin grants the admin rules (publishing templates, all projects).
	Admin bool
	// Trustee marks a cluster's own trustee user (nodes signing their CSRs).
	Trustee bool
}

// HasRole reports whether the caller holds the role.
func (c Caller) HasRole(role string) bool { return slices.Contains(c.Roles, role) }

type callerKey struct{}

// WithCaller returns a context that carries the caller.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller the context carries, if any.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
