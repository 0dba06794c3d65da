package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
)

// KeystoneConfig configures a Keystone authenticator.
type KeystoneConfig struct {
	// Identity is a Keystone v3 client authenticated as the service itself
	// (its token validates the users'), e.g. from openstack.NewIdentityV3.
	// Required.
	Identity *gophercloud.ServiceClient
	// AdminRoles are the roles that make a caller an admin. Nil: ["admin"].
	AdminRoles []string
	// CacheTTL keeps a validated token's caller this long (never past the
	// token's expiry), sparing Keystone a call per request; a revoked token
	// is honoured until then. 0: no cache.
	CacheTTL time.Duration
	// CacheSize bounds the cache (0: 10000 tokens).
	CacheSize int
	// Clock is the time source of the cache. Nil: time.Now.
	Clock func() time.Time
}

// Keystone validates X-Auth-Token with Keystone v3 (GET /v3/auth/tokens)
// and makes the caller from the token's user, project and roles.
type Keystone struct {
	cfg   KeystoneConfig
	mu    sync.Mutex
	cache map[[32]byte]cachedCaller
}

type cachedCaller struct {
	caller  policy.Caller
	expires time.Time
}

// NewKeystone returns a Keystone authenticator.
func NewKeystone(cfg KeystoneConfig) (*Keystone, error) {
	if cfg.Identity == nil {
		return nil, errors.New("api: KeystoneConfig.Identity is required")
	}
	if cfg.AdminRoles == nil {
		cfg.AdminRoles = []string{"admin"}
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = 10000
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Keystone{cfg: cfg, cache: map[[32]byte]cachedCaller{}}, nil
}

// Authenticate validates the request's token.
func (k *Keystone) Authenticate(r *http.Request) (policy.Caller, error) {
	tok := r.Header.Get(TokenHeader)
	if tok == "" {
		return policy.Caller{}, fmt.Errorf("no %s header: %w", TokenHeader, ErrUnauthenticated)
	}
	key := sha256.Sum256([]byte(tok))
	now := k.cfg.Clock()
	if k.cfg.CacheTTL > 0 {
		k.mu.Lock()
		c, ok := k.cache[key]
		if ok && now.After(c.expires) {
			delete(k.cache, key)
			ok = false
		}
		k.mu.Unlock()
		if ok {
			return c.caller, nil
		}
	}
	caller, expires, err := k.validate(r.Context(), tok)
	if err != nil {
		return policy.Caller{}, err
	}
	if k.cfg.CacheTTL > 0 {
		until := now.Add(k.cfg.CacheTTL)
		if !expires.IsZero() && expires.Before(until) {
			until = expires
		}
		k.mu.Lock()
		if len(k.cache) >= k.cfg.CacheSize {
			clear(k.cache)
		}
		k.cache[key] = cachedCaller{caller: caller, expires: until}
		k.mu.Unlock()
	}
	return caller, nil
}

func (k *Keystone) validate(ctx context.Context, tok string) (policy.Caller, time.Time, error) {
	res := tokens.Get(ctx, k.cfg.Identity, tok)
	if res.Err != nil {
		if gophercloud.ResponseCodeIs(res.Err, http.StatusNotFound) || gophercloud.ResponseCodeIs(res.Err, http.StatusUnauthorized) {
			return policy.Caller{}, time.Time{}, fmt.Errorf("the token is not valid: %w", ErrUnauthenticated)
		}
		if ctx.Err() != nil {
			return policy.Caller{}, time.Time{}, ctx.Err()
		}
		return policy.Caller{}, time.Time{}, errdefs.New(errdefs.ErrUnavailable, "token", "", "the identity service could not validate the token")
	}
	t, err := res.ExtractToken()
	if err != nil {
		return policy.Caller{}, time.Time{}, errdefs.New(errdefs.ErrUnavailable, "token", "", "the identity service answered with an unreadable token")
	}
	if !t.ExpiresAt.IsZero() && !k.cfg.Clock().Before(t.ExpiresAt) {
		return policy.Caller{}, time.Time{}, fmt.Errorf("the token has expired: %w", ErrUnauthenticated)
	}
	user, err := res.ExtractUser()
	if err != nil || user == nil || user.ID == "" {
		return policy.Caller{}, time.Time{}, fmt.Errorf("the token names no user: %w", ErrUnauthenticated)
	}
	c := policy.Caller{UserID: user.ID}
	if p, err := res.ExtractProject(); err == nil && p != nil {
		c.ProjectID = p.ID
	}
	roles, err := res.ExtractRoles()
	if err == nil {
		for _, role := range roles {
			c.Roles = append(c.Roles, role.Name)
			if slices.Contains(k.cfg.AdminRoles, role.Name) {
				c.Admin = true
			}
		}
	}
	return c, t.ExpiresAt, nil
}

// KeystoneProjects is a ProjectChecker that looks projects up in Keystone
// v3 (GET /v3/projects/{id}), as Magnum does on quota create. Identity is
// a client authenticated as the service itself, e.g. the one of
// KeystoneConfig; its user needs the right to read any project (Keystone's
// identity:get_project, which the default policy gives admins).
type KeystoneProjects struct {
	Identity *gophercloud.ServiceClient
}

// CheckProject asks Keystone for projectID: nil if it answers with the
// project, errdefs.ErrNotFound if it has none, errdefs.ErrUnavailable if
// it cannot be reached or fails, and an error of no kind (500) if it
// refuses the service's own credentials.
func (k KeystoneProjects) CheckProject(ctx context.Context, projectID string) error {
	if k.Identity == nil {
		return errors.New("api: KeystoneProjects.Identity is not set")
	}
	// The ID becomes one path segment: escaped, and never a dot segment a
	// server could resolve to another path.
	if projectID == "" || projectID == "." || projectID == ".." {
		return errProjectNotFound(projectID)
	}
	_, err := projects.Get(ctx, k.Identity, url.PathEscape(projectID)).Extract()
	switch {
	case err == nil:
		return nil
	case gophercloud.ResponseCodeIs(err, http.StatusNotFound):
		return errProjectNotFound(projectID)
	case ctx.Err() != nil:
		return ctx.Err()
	case gophercloud.ResponseCodeIs(err, http.StatusUnauthorized), gophercloud.ResponseCodeIs(err, http.StatusForbidden):
		return fmt.Errorf("api: Keystone refused the service's project lookup (does its user have identity:get_project?): %w", err)
	}
	return errdefs.New(errdefs.ErrUnavailable, "project", clip(projectID), "the identity service could not look the project up")
}
