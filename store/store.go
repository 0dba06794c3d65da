package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/template"
)

// Store persists templates, clusters and node groups. Implementations are
// safe for concurrent use. The store is deliberately dumb about policy: the
// caller (magnum.Manager) decides who may see what and passes filters.
//
// Every record carries a Revision. Create sets it to 1. Update writes only if
// the stored revision equals the given one, then increments it (and sets the
// new value on the passed struct); otherwise it fails with
// errdefs.ErrConflict and changes nothing. Delete takes the revision the
// same way (0 skips the check).
//
// Get* return errdefs.ErrNotFound for a missing UUID. Find* resolve a UUID or
// a name within a filter: a record of that UUID wins, otherwise the name is
// looked up; a name that matches several records is errdefs.ErrConflict, not
// a guess. Records returned are copies: changing them does not change the
// store, and changing a record after passing it to the store does not either.
//
// The caller sets UUIDs and timestamps (the Manager owns the clock); a record
// with an empty UUID is errdefs.ErrInvalid. Stores keep times as
// NormalizeTime gives them (UTC, microseconds) and write the normalised
// values back into the passed record on Create and Update (UpdatedAt gets a
// new pointer; the time it pointed to is left alone), so the caller's copy
// equals what a later Get returns.
//
// A cancelled or expired context makes any method return an error wrapping
// ctx.Err().
type Store interface {
	CreateTemplate(ctx context.Context, t *template.ClusterTemplate) error
	GetTemplate(ctx context.Context, uuid string) (*template.ClusterTemplate, error)
	FindTemplate(ctx context.Context, f TemplateFilter, ident string) (*template.ClusterTemplate, error)
	ListTemplates(ctx context.Context, f TemplateFilter, p Page) ([]*template.ClusterTemplate, error)
	UpdateTemplate(ctx context.Context, t *template.ClusterTemplate) error
	// DeleteTemplate fails with errdefs.ErrInUse while any cluster refers to
	// the template, atomically with respect to CreateCluster.
	DeleteTemplate(ctx context.Context, uuid string, revision int64) error

	// CreateCluster stores a cluster and its node groups in one transaction.
	// It fails with errdefs.ErrNotFound if the cluster's template does not
	// exist, and with errdefs.ErrConflict if a UUID is taken or two groups
	// share a name; then nothing is stored. Each group's ClusterID must be
	// the cluster's UUID (an empty one is set to it), else errdefs.ErrInvalid.
	CreateCluster(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup) error
	GetCluster(ctx context.Context, uuid string) (*cluster.Cluster, error)
	FindCluster(ctx context.Context, f ClusterFilter, ident string) (*cluster.Cluster, error)
	ListClusters(ctx context.Context, f ClusterFilter, p Page) ([]*cluster.Cluster, error)
	CountClusters(ctx context.Context, f ClusterFilter) (int, error)
	// CreateClusterWithin is CreateCluster that also fails, storing
	// nothing, with an *errdefs.Error of kind errdefs.ErrQuotaExceeded
	// (Resource "cluster", Field "clusters" or "nodes", a Reason saying the
	// limit and the current use) when adding c would take project
	// c.ProjectID beyond q. It is atomic with respect to every other
	// CreateClusterWithin and UpdateClusterWithin of that project on the
	// same database, from any goroutine or process.
	// CreateCluster(ctx, c, g) is CreateClusterWithin(ctx, c, g, Quota{}).
	CreateClusterWithin(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup, q Quota) error
	// UpdateCluster fails with errdefs.ErrNotFound if the cluster or a
	// changed ClusterTemplateID's template does not exist.
	UpdateCluster(ctx context.Context, c *cluster.Cluster) error
	// UpdateClusterWithin is UpdateCluster that fails with
	// errdefs.ErrQuotaExceeded (Field "nodes") when the update raises the
	// cluster's NodeCount+MasterCount and project c.ProjectID's total would
	// then exceed q.Nodes; q.Clusters is ignored. Lowering or keeping the
	// count never fails on quota. (A cluster moved into another project
	// counts in full there.) UpdateCluster(ctx, c) is
	// UpdateClusterWithin(ctx, c, Quota{}).
	UpdateClusterWithin(ctx context.Context, c *cluster.Cluster, q Quota) error
	// UpdateClusterGroups stores c and the given node groups of it in one
	// transaction, each at the revision it carries: if the cluster or any
	// group changed since (or a group is missing), it fails with
	// errdefs.ErrConflict (resp. ErrNotFound) and writes nothing. Like
	// UpdateClusterWithin it fails with ErrQuotaExceeded when it raises the
	// cluster's NodeCount+MasterCount beyond q.Nodes for its project (zero
	// Quota: no limit), atomically with other quota-checked writes. Every
	// group's ClusterID must be c.UUID (else ErrInvalid; an empty one is an
	// error too), and a group may be given only once (ErrInvalid). A group
	// may not be moved or renamed onto a sibling's name (same rules as
	// UpdateNodeGroup): a new name must differ from every other group's
	// stored name and from the other given groups' new names (ErrConflict),
	// so swapping two names takes two calls. On success the new revisions
	// and normalised timestamps are written back into c and the groups, as
	// UpdateCluster/UpdateNodeGroup do. An empty groups slice makes it equal
	// to UpdateClusterWithin.
	UpdateClusterGroups(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup, q Quota) error
	// DeleteCluster removes the cluster and all its node groups.
	DeleteCluster(ctx context.Context, uuid string, revision int64) error

	// CreateNodeGroup fails with errdefs.ErrNotFound if the cluster does not
	// exist and errdefs.ErrConflict if the cluster already has a group of
	// that name (names are unique within a cluster).
	CreateNodeGroup(ctx context.Context, g *cluster.NodeGroup) error
	GetNodeGroup(ctx context.Context, uuid string) (*cluster.NodeGroup, error)
	// FindNodeGroup resolves a UUID or name among one cluster's groups.
	FindNodeGroup(ctx context.Context, clusterUUID, ident string) (*cluster.NodeGroup, error)
	ListNodeGroups(ctx context.Context, f NodeGroupFilter, p Page) ([]*cluster.NodeGroup, error)
	// UpdateNodeGroup cannot move a group to another cluster
	// (errdefs.ErrInvalid) nor rename it onto a sibling's name
	// (errdefs.ErrConflict).
	UpdateNodeGroup(ctx context.Context, g *cluster.NodeGroup) error
	DeleteNodeGroup(ctx context.Context, uuid string, revision int64) error

	// HeartbeatService records a heartbeat of s at time now: it creates
	// the (Host, Binary) record with ReportCount 1 and CreatedAt =
	// UpdatedAt = now (Disabled and DisabledReason as s has them), or
	// increments the record's ReportCount and sets its UpdatedAt to now. It
	// writes the stored values back into s. An empty Host or Binary is
	// errdefs.ErrInvalid.
	HeartbeatService(ctx context.Context, s *Service, now time.Time) error
	// ListServices returns every service ordered by (Host, Binary), by
	// their bytes.
	ListServices(ctx context.Context) ([]*Service, error)
	// DeleteService removes a service record; a missing one is
	// errdefs.ErrNotFound.
	DeleteService(ctx context.Context, host, binary string) error

	// AcquireLease grants the lease called name to holder until now+ttl,
	// when it is free, expired (its expiry <= now) or already held by
	// holder (then it is renewed: its expiry becomes now+ttl). It reports
	// whether holder holds the lease afterwards. It is atomic across
	// goroutines and processes sharing the database: two holders can never
	// both get true for overlapping terms. Times are normalised
	// (NormalizeTime) and ttl counted in whole microseconds. An empty name
	// or holder, or a ttl below a microsecond (ttl <= 0 included), is
	// errdefs.ErrInvalid. Several Managers sharing a database use a lease
	// to elect the one that runs the status sync.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease ends holder's lease on name at once, so another holder
	// may acquire it without waiting for it to expire. A lease held by
	// someone else, or none (an empty name or holder included), is left
	// alone, without error.
	ReleaseLease(ctx context.Context, name, holder string) error
	// RenewLeases renews, in one step, the leases among names that holder
	// holds at now (their expiry is after now): each one's expiry becomes
	// now+ttl, as AcquireLease's renewal does. It returns the others, lost:
	// names held by another holder, expired (expiry <= now, even if no one
	// took them over since) or not held at all, in the order given and
	// each once. A lost lease is neither taken nor created: only
	// AcquireLease does that. So a name not in lost was held by holder
	// without a break. The renewal is atomic with AcquireLease: a lease
	// cannot both be renewed and taken over at overlapping terms. No names
	// is no work and no error. An empty holder or name, or a ttl below a
	// microsecond, is errdefs.ErrInvalid (CheckLeases) and renews nothing.
	// A Manager renews all the leases it holds with it, one call per tick.
	RenewLeases(ctx context.Context, holder string, names []string, now time.Time, ttl time.Duration) (lost []string, err error)

	// CreateQuota stores an explicit quota of project q.ProjectID for
	// q.Resource, handing out q.ID (a creation sequence number; IDs are
	// never reused) and writing it and the normalised times back into q. An
	// empty ProjectID or a Resource not among QuotaResources is
	// errdefs.ErrInvalid; a project that already has a record of the
	// resource is errdefs.ErrConflict, atomically with other creates.
	CreateQuota(ctx context.Context, q *QuotaRecord) error
	// GetQuota returns the record of (projectID, resource); a missing one
	// is errdefs.ErrNotFound.
	GetQuota(ctx context.Context, projectID, resource string) (*QuotaRecord, error)
	// ListQuotas returns a page of the records f selects, as Page says,
	// with QuotaSortKeys; the marker is a record's ID in decimal
	// (QuotaMarker), which must be among the records f selects.
	ListQuotas(ctx context.Context, f QuotaFilter, p Page) ([]*QuotaRecord, error)
	// UpdateQuota sets the HardLimit and UpdatedAt of the record of
	// (q.ProjectID, q.Resource) and writes the stored record back into q.
	// A missing record is errdefs.ErrNotFound. Quota records carry no
	// revision: the last write wins.
	UpdateQuota(ctx context.Context, q *QuotaRecord) error
	// DeleteQuota removes the record of (projectID, resource); a missing
	// one is errdefs.ErrNotFound.
	DeleteQuota(ctx context.Context, projectID, resource string) error

	// Close releases the store's resources. Methods called after Close
	// fail with errdefs.ErrUnavailable.
	Close() error
}

// TemplateFilter selects templates. The zero value selects all.
//
// Visibility as Magnum shows it to a project P: ProjectID P and IncludePublic;
// admins also IncludeHidden. With ProjectID empty, every project's templates
// match.
type TemplateFilter struct {
	ProjectID string // owner; "" = any
	// IncludePublic also selects other projects' public templates that are
	// not hidden.
	IncludePublic bool
	// IncludeHidden (with IncludePublic) also selects public hidden ones.
	IncludeHidden bool
	Name          string // exact name; "" = any
	COE           string // "" = any
}

// ClusterFilter selects clusters. The zero value selects all.
type ClusterFilter struct {
	ProjectID  string           // "" = any
	TemplateID string           // clusters built from this template UUID; "" = any
	Name       string           // exact name; "" = any
	Statuses   []cluster.Status // any of these; empty = any
}

// NodeGroupFilter selects node groups. The zero value selects all.
type NodeGroupFilter struct {
	ClusterID string // the cluster's UUID; "" = any
	ProjectID string // "" = any
	Role      string // "" = any
	IsDefault *bool  // nil = any
	Statuses  []cluster.Status
}

// Sort directions.
const (
	Asc  = "asc"
	Desc = "desc"
)

// Page is Magnum's pagination: records after Marker (a UUID from the
// previous page), at most Limit of them, ordered by SortKey in SortDir. The
// zero value is the first page of all records ordered by creation (key
// "id"). Unknown sort keys, bad directions, a negative limit and an unknown
// marker are errdefs.ErrInvalid.
//
// Ties on the sort key are broken by creation order in the same direction,
// so a descending list is exactly the reverse of the ascending one. A nil
// updated_at sorts before every time. Strings sort by their bytes. The
// marker must be one of the records the filter selects (Magnum resolves it
// within what the caller may see); any other UUID is an unknown marker.
type Page struct {
	Marker  string
	Limit   int    // 0: no limit
	SortKey string // "" = "id" (creation order)
	SortDir string // "" = "asc"
}

// Check returns p with its defaults filled in (key "id", direction "asc"),
// or an errdefs.ErrInvalid error naming the bad field when the sort key is
// not among sortKeys, the direction is neither Asc nor Desc, or the limit is
// negative. It does not check the marker, which needs the store.
func (p Page) Check(sortKeys []string) (Page, error) {
	if p.SortKey == "" {
		p.SortKey = "id"
	}
	if p.SortDir == "" {
		p.SortDir = Asc
	}
	if !slices.Contains(sortKeys, p.SortKey) {
		return p, errdefs.Invalid("sort_key", "unknown sort key %q (allowed: %s)", p.SortKey, strings.Join(sortKeys, ", "))
	}
	if p.SortDir != Asc && p.SortDir != Desc {
		return p, errdefs.Invalid("sort_dir", "sort direction must be %q or %q, not %q", Asc, Desc, p.SortDir)
	}
	if p.Limit < 0 {
		return p, errdefs.Invalid("limit", "limit must not be negative, got %d", p.Limit)
	}
	return p, nil
}

// TimePrecision is the precision stores keep times at: microseconds, what
// SQL databases such as PostgreSQL hold.
const TimePrecision = time.Microsecond

// NormalizeTime returns t as every store keeps it: in UTC, truncated to
// TimePrecision, without a monotonic clock reading.
func NormalizeTime(t time.Time) time.Time {
	return t.UTC().Truncate(TimePrecision)
}

// TemplateSortKeys lists the sort keys templates accept. "id" is creation
// order; ties on other keys are broken by creation order.
func TemplateSortKeys() []string {
	return []string{"id", "uuid", "name", "coe", "created_at", "updated_at"}
}

// ClusterSortKeys lists the sort keys clusters accept.
func ClusterSortKeys() []string {
	return []string{"id", "uuid", "name", "status", "node_count", "master_count", "created_at", "updated_at"}
}

// NodeGroupSortKeys lists the sort keys node groups accept.
func NodeGroupSortKeys() []string {
	return []string{"id", "uuid", "name", "role", "node_count", "created_at", "updated_at"}
}
