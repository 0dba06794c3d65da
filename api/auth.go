package api

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
)

// Authenticator says who sent a request. It returns an error wrapping
// ErrUnauthenticated for missing or invalid credentials (401), and other
// errors (errdefs kinds, e.g. errdefs.ErrUnavailable when the identity
// service cannot be reached) for anything else.
type Authenticator interface {
	Authenticate(r *http.Request) (policy.Caller, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (policy.Caller, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(r *http.Request) (policy.Caller, error) { return f(r) }

// TokenHeader is the header clients send their Keystone token in.
const TokenHeader = "X-Auth-Token"

// Static authenticates X-Auth-Token against a fixed table of tokens, for
// tests, demos and single-user programs. Tokens are compared in constant time.
type Static map[string]policy.Caller

// Authenticate returns the caller of the request's token.
func (s Static) Authenticate(r *http.Request) (policy.Caller, error) {
	tok := r.Header.Get(TokenHeader)
	if tok == "" {
		return policy.Caller{}, fmt.Errorf("no %s header: %w", TokenHeader, ErrUnauthenticated)
	}
	var (
		found  policy.Caller
		ok     bool
		tokenB = []byte(tok)
	)
	for k, c := range s {
		if subtle.ConstantTimeCompare([]byte(k), tokenB) == 1 {
			found, ok = c, true
		}
	}
	if !ok {
		return policy.Caller{}, fmt.Errorf("the token is not valid: %w", ErrUnauthenticated)
	}
	return found, nil
}

// ProjectChecker says whether a project exists. Magnum refuses a quota for
// a project its Keystone does not know (404); the quota API asks the
// ProjectChecker of its Authenticator (see WithProjects) on create, after
// the caller is known to be an admin. CheckProject returns nil for a
// project that exists, an error wrapping errdefs.ErrNotFound for one that
// does not, and another error (errdefs.ErrUnavailable: 503) when it cannot
// tell.
type ProjectChecker interface {
	CheckProject(ctx context.Context, projectID string) error
}

// ProjectCheckerFunc adapts a function to ProjectChecker.
type ProjectCheckerFunc func(ctx context.Context, projectID string) error

// CheckProject calls f.
func (f ProjectCheckerFunc) CheckProject(ctx context.Context, projectID string) error {
	return f(ctx, projectID)
}

// WithProjects returns an Authenticator that authenticates as a does and
// also checks projects with p, which makes quota creates refuse unknown
// projects as Magnum does. Without it (a plain Authenticator) quotas may
// name any project, as before.
func WithProjects(a Authenticator, p ProjectChecker) Authenticator {
	return projectAuthenticator{Authenticator: a, ProjectChecker: p}
}

type projectAuthenticator struct {
	Authenticator
	ProjectChecker
}

// projectsOf is a's ProjectChecker, or nil when it has none.
func projectsOf(a Authenticator) ProjectChecker {
	if pc, ok := a.(ProjectChecker); ok && pc != nil {
		return pc
	}
	return nil
}

// StaticProjects is a ProjectChecker over a fixed list of project IDs, for
// tests and programs without Keystone.
type StaticProjects []string

// CheckProject reports whether projectID is in the list.
func (s StaticProjects) CheckProject(_ context.Context, projectID string) error {
	if slices.Contains(s, projectID) {
		return nil
	}
	return errProjectNotFound(projectID)
}

// errProjectNotFound is Magnum's ProjectNotFound (404).
func errProjectNotFound(projectID string) error {
	return &errdefs.Error{Kind: errdefs.ErrNotFound, Reason: fmt.Sprintf("Project %s could not be found.", clip(projectID))}
}
