package openstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"

	"github.com/gomagnum/magnum/errdefs"
)

// Limits on what a lookup sends and reads.
const (
	// maxRef is the longest name or ID looked up (Magnum's fields allow 255).
	maxRef = 255
	// maxPages bounds the pages one list follows, so that a misbehaving
	// service cannot keep a lookup paging forever.
	maxPages = 100
)

// Service names, as they appear in errors and HTTPError.Service.
const (
	svcGlance  = "glance"
	svcNova    = "nova"
	svcNeutron = "neutron"
)

// serviceClient returns a client for one of Glance, Nova or Neutron. It
// makes no request: the endpoint comes from the catalog of the token the
// provider holds. (gophercloud's own locator would first GET the endpoint's
// version document, once per client and outside any caller's context.)
func (c *Cloud) serviceClient(svc string) (*gophercloud.ServiceClient, error) {
	if c == nil || c.Provider == nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "cloud", Reason: "not connected (use Connect)"}
	}
	typ, suffix := "network", "v2.0/"
	switch svc {
	case svcGlance:
		typ, suffix = "image", "v2/"
	case svcNova:
		typ, suffix = "compute", ""
	}
	eo := c.Endpoint
	eo.ApplyDefaults(typ)
	var (
		u   string
		err error
	)
	cat, ok := c.Provider.GetAuthResult().(interface {
		ExtractServiceCatalog() (*tokens.ServiceCatalog, error)
	})
	if ok {
		var sc *tokens.ServiceCatalog
		if sc, err = cat.ExtractServiceCatalog(); err == nil {
			u, err = catalogURL(sc, eo)
		}
	} else if c.Provider.EndpointLocator != nil {
		u, err = c.Provider.EndpointLocator(eo) // not a Keystone v3 token: gophercloud's way
	} else {
		err = errors.New("no service catalog")
	}
	if err != nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "cloud", Reason: "no " + svc + " (" + typ + ") endpoint in the catalog", Err: err}
	}
	return &gophercloud.ServiceClient{ProviderClient: c.Provider, Endpoint: u, ResourceBase: u + suffix, Type: typ}, nil
}

// catalogURL picks the endpoint of eo's service type (or its aliases),
// name, interface and region from a Keystone v3 catalog, the first that
// matches, as gophercloud and the Python clients do, without fetching
// version documents.
func catalogURL(cat *tokens.ServiceCatalog, eo gophercloud.EndpointOpts) (string, error) {
	for _, entry := range cat.Entries {
		if !slices.Contains(eo.Types(), entry.Type) || (eo.Name != "" && entry.Name != eo.Name) {
			continue
		}
		for _, ep := range entry.Endpoints {
			if gophercloud.Availability(ep.Interface) != eo.Availability {
				continue
			}
			if eo.Region != "" && ep.Region != eo.Region && ep.RegionID != eo.Region {
				continue
			}
			return gophercloud.NormalizeURL(ep.URL), nil
		}
	}
	return "", &gophercloud.ErrEndpointNotFound{}
}

// read runs one idempotent lookup: each attempt bounded by
// Lookup.AttemptTimeout, transient failures retried within Lookup.Retry.
func (c *Cloud) read(ctx context.Context, svc, op, ref string, call func(context.Context) error) error {
	cfg := c.Lookup
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sleep := cfg.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	rnd := cfg.Rand
	if rnd == nil {
		rnd = defaultRand
	}
	return retryIdempotent(ctx, cfg.Retry, sleep, rnd, log, svc, op, ref, func(ctx context.Context) error {
		if t := cfg.attemptTimeout(); t > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, t)
			defer cancel()
		}
		return call(ctx)
	})
}

// lookupErr turns the failure of a lookup into what callers see. A 404 on
// a list means the service is not where the catalog says: unavailable.
func lookupErr(ctx context.Context, svc, resource, op, ref string, err error) error {
	var de *errdefs.Error
	if errors.As(err, &de) {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %s %s: %w", svc, op, ref, context.Cause(ctx))
	}
	if he := httpError(err); he != nil {
		he.Service = svc
		kind := kindFor(he.Status)
		if he.Status == http.StatusNotFound {
			kind = errdefs.ErrUnavailable
		}
		reason := op + ": " + he.Message
		if he.Message == "" {
			reason = op + ": " + http.StatusText(he.Status)
		}
		return &errdefs.Error{Kind: kind, Resource: resource, ID: ref, Reason: reason, Err: he}
	}
	var reauth *gophercloud.ErrUnableToReauthenticate
	var reauthV gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &reauth) || errors.As(err, &reauthV) {
		return &errdefs.Error{Kind: errdefs.ErrForbidden, Resource: resource, ID: ref, Reason: op + ": authentication failed", Err: err}
	}
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: resource, ID: ref, Reason: op + ": " + svc + " unreachable", Err: err}
}

// isNotFound reports whether err is a 404 answer.
func isNotFound(err error) bool {
	he := httpError(err)
	return he != nil && he.Status == http.StatusNotFound
}

// finder is how one kind of resource is found by name or ID.
type finder[T any] struct {
	svc      string // service name for errors
	resource string // "image", "flavor", …
	// byID fetches the resource with ID ref; a 404 means there is none. Nil:
	// the resource has no ID distinct from its name.
	byID func(ctx context.Context, ref string) (T, error)
	// mayBeID says whether ref is worth a byID call (e.g. UUID-shaped).
	mayBeID func(ref string) bool
	// byName lists candidates for name ref (the service may filter or
	// not: the exact match on name is applied here).
	byName func(ctx context.Context, ref string) ([]T, error)
	id     func(T) string
	name   func(T) string
}

// find resolves ref as an ID first, then as a name. No match is
// errdefs.ErrNotFound; several resources of that name are
// errdefs.ErrConflict (Magnum's 409), since a name cannot pick one.
func find[T any](ctx context.Context, c *Cloud, f finder[T], ref string) (T, error) {
	var zero T
	if f.byID != nil && (f.mayBeID == nil || f.mayBeID(ref)) {
		var got T
		err := c.read(ctx, f.svc, "get "+f.resource, ref, func(ctx context.Context) error {
			var err error
			got, err = f.byID(ctx, ref)
			return err
		})
		switch {
		case err == nil && f.id(got) == ref:
			return got, nil
		case err == nil, isNotFound(err):
			// Not an ID (or an answer for something else): try the name.
		default:
			return zero, lookupErr(ctx, f.svc, f.resource, "get "+f.resource, ref, err)
		}
	}
	if f.byName == nil {
		return zero, errdefs.NotFound(f.resource, ref)
	}
	var listed []T
	err := c.read(ctx, f.svc, "list "+f.resource+"s", ref, func(ctx context.Context) error {
		var err error
		listed, err = f.byName(ctx, ref)
		return err
	})
	if err != nil {
		return zero, lookupErr(ctx, f.svc, f.resource, "list "+f.resource+"s", ref, err)
	}
	var matches []T
	for _, v := range listed {
		if f.name(v) == ref {
			matches = append(matches, v)
		}
	}
	switch len(matches) {
	case 0:
		return zero, errdefs.NotFound(f.resource, ref)
	case 1:
		return matches[0], nil
	default:
		return zero, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: f.resource, ID: ref,
			Reason: fmt.Sprintf("%d %ss are named %q: give the ID", len(matches), f.resource, ref)}
	}
}

// checkRef rejects names and IDs no cloud could hold before anything is
// sent: too long, not UTF-8, or with control characters.
func checkRef(field, ref string) error {
	switch {
	case len(ref) > maxRef:
		return errdefs.Invalid(field, "longer than %d bytes", maxRef)
	case !utf8.ValidString(ref):
		return errdefs.Invalid(field, "not valid UTF-8")
	}
	for _, r := range ref {
		if unicode.IsControl(r) {
			return errdefs.Invalid(field, "contains control characters")
		}
	}
	return nil
}

// isUUID reports whether s has the shape of the IDs Glance and Neutron
// give: 32 hex digits, bare or in the 8-4-4-4-12 form.
func isUUID(s string) bool {
	hex := func(r byte) bool { return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' }
	switch len(s) {
	case 32:
		for i := 0; i < len(s); i++ {
			if !hex(s[i]) {
				return false
			}
		}
		return true
	case 36:
		for i := 0; i < len(s); i++ {
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if s[i] != '-' {
					return false
				}
			} else if !hex(s[i]) {
				return false
			}
		}
		return true
	}
	return false
}
