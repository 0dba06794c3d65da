package policy

import (
	"context"

	"github.com/gomagnum/magnum/errdefs"
)

// Action names an operation, with Magnum's policy rule names.
type Action string

// The actions the Manager asks about.
const (
	TemplateCreate  Action = "clustertemplate:create"
	TemplateGet     Action = "clustertemplate:get"
	TemplateList    Action = "clustertemplate:get_all"
	TemplateUpdate  Action = "clustertemplate:update"
	TemplateDelete  Action = "clustertemplate:delete"
	TemplatePublish Action = "clustertemplate:publish"

	ClusterCreate Action = "cluster:create"
	ClusterGet    Action = "cluster:get"
	ClusterList   Action = "cluster:get_all"
	ClusterUpdate Action = "cluster:update"
	ClusterDelete Action = "cluster:delete"

	CertificateGet    Action = "certificate:get"
	CertificateCreate Action = "certificate:create"
	CertificateRotate Action = "certificate:rotate_ca"

	AllProjects Action = "all_projects" // see and act on every project's resources
)

// Target is the resource an action is about. For create it describes the
// resource to be made.
type Target struct {
	ProjectID string // owner
	UserID    string
	Public    bool
	Hidden    bool
}

// Policy decides whether a caller may perform an action on a target. It
// returns nil or an error matching errdefs.ErrForbidden.
type Policy interface {
	Authorize(ctx context.Context, c Caller, a Action, t Target) error
}

// Func adapts a function to a Policy.
type Func func(ctx context.Context, c Caller, a Action, t Target) error

// Authorize implements Policy.
func (f Func) Authorize(ctx context.Context, c Caller, a Action, t Target) error {
	return f(ctx, c, a, t)
}

// Default is Magnum's default policy (Zed):
//   - anyone with a project may create and list templates and clusters;
//     reads, updates and deletes of a cluster need its owner or an admin;
//   - a template may be read by its owner, by anyone if it is public and
//     not hidden, and by admins; changed or deleted by its owner or admins;
//   - publishing (public or hidden templates) and acting on all projects
//     need an admin.
//
// Visibility (who sees what in lists) is applied by the Manager's queries;
// the policy answers for one resource at a time.
type Default struct{}

// Authorize implements Policy.
func (Default) Authorize(_ context.Context, c Caller, a Action, t Target) error {
	if c.Admin {
		return nil
	}
	owner := c.ProjectID != "" && c.ProjectID == t.ProjectID
	switch a {
	case TemplateCreate, TemplateList, ClusterCreate, ClusterList:
		if c.ProjectID != "" {
			return nil
		}
	case TemplateGet:
		if owner || (t.Public && !t.Hidden) {
			return nil
		}
	case TemplateUpdate, TemplateDelete, ClusterGet, ClusterUpdate, ClusterDelete,
		CertificateGet, CertificateCreate, CertificateRotate:
		if owner {
			return nil
		}
	case TemplatePublish, AllProjects:
		// admin only
	}
	return &errdefs.Error{Kind: errdefs.ErrForbidden, Reason: "policy does not allow " + string(a)}
}
