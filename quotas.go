package magnum

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
)

// resQuota names quotas in errors.
const resQuota = "quota"

// maxQuotaProjectID is the longest project ID a quota takes (Magnum's
// column width).
const maxQuotaProjectID = 255

// UnlimitedQuota is the HardLimit a synthetic default quota shows when
// Config.Quota sets no limit for the resource.
const UnlimitedQuota = -1

// Quotas are explicit per-project limits, Magnum's quota API: an admin sets
// a project's HardLimit of a resource — store.ResourceCluster (Magnum's
// only one) or store.ResourceNode (gomagnum's: the project's
// NodeCount+MasterCount over all its clusters) — and the row overrides
// Config.Quota for that project and resource when clusters are created or
// resized. Create, update, delete and list are for admins; a project's
// members may read its quotas. A HardLimit is at least 0; 0 is a limit, as
// in Magnum: the project may create no clusters (ResourceCluster) or add no
// nodes (ResourceNode), though it may still shrink or delete what it holds.

// CreateQuota sets project projectID's limit of resource to hardLimit
// (admins only). A project that already has a quota of the resource is
// errdefs.ErrConflict; an empty or over-long project ID, an unknown
// resource or a negative hardLimit is errdefs.ErrInvalid. The project is
// not looked up anywhere; CreateQuotaWith can, as Magnum does in Keystone.
func (m *Manager) CreateQuota(ctx context.Context, projectID, resource string, hardLimit int) (*store.QuotaRecord, error) {
	return m.CreateQuotaWith(ctx, projectID, resource, hardLimit, CreateQuotaOptions{})
}

// CreateQuotaOptions are the optional steps of CreateQuotaWith.
type CreateQuotaOptions struct {
	// CheckProject, if set, is asked whether project projectID exists
	// once the caller is known to be allowed and the quota is valid, and
	// before it is stored; its error is returned as is, so an error
	// wrapping errdefs.ErrNotFound is the API's 404 and one wrapping
	// errdefs.ErrUnavailable its 503. The api package passes its
	// ProjectChecker (e.g. a Keystone lookup), as Magnum checks the
	// project in Keystone.
	CheckProject func(ctx context.Context, projectID string) error
}

// CreateQuotaWith is CreateQuota with opts' extra steps.
func (m *Manager) CreateQuotaWith(ctx context.Context, projectID, resource string, hardLimit int, opts CreateQuotaOptions) (*store.QuotaRecord, error) {
	if _, err := m.quotaAdmin(ctx, "create", projectID, resource); err != nil {
		return nil, err
	}
	if err := checkQuota(projectID, resource, hardLimit); err != nil {
		return nil, err
	}
	if opts.CheckProject != nil {
		if err := opts.CheckProject(ctx, projectID); err != nil {
			return nil, err
		}
	}
	q := &store.QuotaRecord{ProjectID: projectID, Resource: resource, HardLimit: hardLimit, CreatedAt: m.nowUTC()}
	if err := m.store.CreateQuota(ctx, q); err != nil {
		return nil, err
	}
	m.log.InfoContext(ctx, "quota created", "project", projectID, "resource", resource, "hard_limit", hardLimit)
	return q, nil
}

// GetQuota returns project projectID's quota of resource: its record, or,
// when it has none, a synthetic one (ID 0, no times) with the default
// limit from Config.Quota — UnlimitedQuota when that sets none. Callers
// may read their own project's quotas; other projects' need an admin.
func (m *Manager) GetQuota(ctx context.Context, projectID, resource string) (*store.QuotaRecord, error) {
	c, err := m.caller(ctx)
	if err != nil {
		return nil, err
	}
	id := quotaID(projectID, resource)
	if projectID != c.ProjectID || projectID == "" {
		if !c.Admin {
			return nil, &errdefs.Error{Kind: errdefs.ErrForbidden, Resource: resQuota, ID: id,
				Reason: "only admins may see other projects' quotas"}
		}
		if err := m.authorize(ctx, c, policy.AllProjects, policy.Target{ProjectID: projectID}, resQuota, id); err != nil {
			return nil, err
		}
	}
	if err := checkQuota(projectID, resource, 0); err != nil {
		return nil, err
	}
	q, err := m.store.GetQuota(ctx, projectID, resource)
	if errors.Is(err, errdefs.ErrNotFound) {
		return &store.QuotaRecord{ProjectID: projectID, Resource: resource, HardLimit: m.defaultLimit(resource)}, nil
	}
	return q, err
}

// ListQuotas returns a page of the stored quotas (admins only): those of
// the caller's project, or every project's when allProjects is set.
// Projects without records are not listed. Page markers are quota IDs in
// decimal; the sort keys are store.QuotaSortKeys.
func (m *Manager) ListQuotas(ctx context.Context, allProjects bool, opts ListOptions) ([]*store.QuotaRecord, error) {
	c, err := m.quotaAdmin(ctx, "list", "", "")
	if err != nil {
		return nil, err
	}
	f := store.QuotaFilter{ProjectID: c.ProjectID}
	if allProjects {
		f.ProjectID = ""
	}
	return m.store.ListQuotas(ctx, f, opts.Page)
}

// UpdateQuota sets the HardLimit of an existing quota (admins only). A
// missing quota is errdefs.ErrNotFound.
func (m *Manager) UpdateQuota(ctx context.Context, projectID, resource string, hardLimit int) (*store.QuotaRecord, error) {
	if _, err := m.quotaAdmin(ctx, "update", projectID, resource); err != nil {
		return nil, err
	}
	if err := checkQuota(projectID, resource, hardLimit); err != nil {
		return nil, err
	}
	now := m.nowUTC()
	q := &store.QuotaRecord{ProjectID: projectID, Resource: resource, HardLimit: hardLimit, UpdatedAt: &now}
	if err := m.store.UpdateQuota(ctx, q); err != nil {
		return nil, err
	}
	m.log.InfoContext(ctx, "quota updated", "project", projectID, "resource", resource, "hard_limit", hardLimit)
	return q, nil
}

// DeleteQuota removes a quota (admins only), so the project falls back to
// Config.Quota for the resource. A missing quota is errdefs.ErrNotFound.
func (m *Manager) DeleteQuota(ctx context.Context, projectID, resource string) error {
	if _, err := m.quotaAdmin(ctx, "delete", projectID, resource); err != nil {
		return err
	}
	if err := checkQuota(projectID, resource, 0); err != nil {
		return err
	}
	if err := m.store.DeleteQuota(ctx, projectID, resource); err != nil {
		return err
	}
	m.log.InfoContext(ctx, "quota deleted", "project", projectID, "resource", resource)
	return nil
}

// quotaFor is the quota the cluster writes of project projectID enforce:
// Config.Quota, with each resource the project has a record of replaced by
// the record's limit. The records are read before the write that checks
// them; a quota changed in between applies from the next write on (the
// limit itself is still checked atomically with the use it bounds).
func (m *Manager) quotaFor(ctx context.Context, projectID string) (store.Quota, error) {
	q := m.quota
	recs, err := m.store.ListQuotas(ctx, store.QuotaFilter{ProjectID: projectID}, store.Page{})
	if err != nil {
		return store.Quota{}, fmt.Errorf("reading the quotas of project %q: %w", projectID, err)
	}
	for _, r := range recs {
		switch r.Resource {
		case store.ResourceCluster:
			q.Clusters = store.AtMost(r.HardLimit)
		case store.ResourceNode:
			q.Nodes = store.AtMost(r.HardLimit)
		}
	}
	return q, nil
}

// defaultLimit is Config.Quota's limit of resource, as a quota shows it.
func (m *Manager) defaultLimit(resource string) int {
	l := m.quota.Clusters
	if resource == store.ResourceNode {
		l = m.quota.Nodes
	}
	n, ok := l.Max()
	if !ok {
		return UnlimitedQuota
	}
	return n
}

// quotaAdmin returns the caller if it is an admin allowed to act on every
// project's quotas.
func (m *Manager) quotaAdmin(ctx context.Context, verb, projectID, resource string) (policy.Caller, error) {
	c, err := m.caller(ctx)
	if err != nil {
		return c, err
	}
	id := ""
	if projectID != "" || resource != "" {
		id = quotaID(projectID, resource)
	}
	if !c.Admin {
		return c, &errdefs.Error{Kind: errdefs.ErrForbidden, Resource: resQuota, ID: id,
			Reason: "only admins may " + verb + " quotas"}
	}
	if err := m.authorize(ctx, c, policy.AllProjects, policy.Target{ProjectID: projectID}, resQuota, id); err != nil {
		return c, err
	}
	return c, nil
}

// checkQuota checks a quota's project, resource and limit.
func checkQuota(projectID, resource string, hardLimit int) error {
	switch {
	case projectID == "":
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resQuota, Field: "project_id", Reason: "a quota needs a project ID"}
	case len(projectID) > maxQuotaProjectID || !utf8.ValidString(projectID):
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resQuota, Field: "project_id",
			Reason: fmt.Sprintf("a project ID is valid UTF-8 of at most %d bytes", maxQuotaProjectID)}
	case resource != store.ResourceCluster && resource != store.ResourceNode:
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resQuota, Field: "resource",
			Reason: fmt.Sprintf("unknown quota resource %q: want %q or %q", clipName(resource), store.ResourceCluster, store.ResourceNode)}
	case hardLimit < 0:
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resQuota, ID: quotaID(projectID, resource), Field: "hard_limit",
			Reason: fmt.Sprintf("hard_limit must be at least 0, not %d", hardLimit)}
	}
	return nil
}

func quotaID(projectID, resource string) string {
	return clipName(projectID) + "/" + clipName(resource)
}

// clipName shortens user-supplied text quoted in errors, on a rune
// boundary.
func clipName(s string) string {
	const max = 64
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
