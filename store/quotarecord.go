package store

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gomagnum/magnum/errdefs"
)

// The resources a QuotaRecord may limit. ResourceCluster is Magnum's only
// one; ResourceNode is gomagnum's, and limits what Quota.Nodes does.
const (
	ResourceCluster = "Cluster"
	ResourceNode    = "Node"
)

// QuotaResources lists the resources a QuotaRecord may name.
func QuotaResources() []string { return []string{ResourceCluster, ResourceNode} }

// QuotaRecord is an explicit limit of one resource for one project,
// Magnum's quota row. (ProjectID, Resource) is unique. The store hands out
// ID, a creation sequence number, on CreateQuota; the caller sets the
// times, as for the other records.
type QuotaRecord struct {
	ID        int64
	ProjectID string
	Resource  string // ResourceCluster or ResourceNode
	HardLimit int
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// Clone returns a deep copy of q.
func (q *QuotaRecord) Clone() *QuotaRecord {
	c := *q
	if q.UpdatedAt != nil {
		t := *q.UpdatedAt
		c.UpdatedAt = &t
	}
	return &c
}

// QuotaFilter selects quota records. The zero value selects all.
type QuotaFilter struct {
	ProjectID string // "" = any
	Resource  string // "" = any
}

// QuotaSortKeys lists the sort keys quota records accept. "id" is creation
// order.
func QuotaSortKeys() []string {
	return []string{"id", "project_id", "resource", "hard_limit", "created_at", "updated_at"}
}

// resQuota names quota records in errors.
const resQuota = "quota"

// CheckQuotaRecord checks what CreateQuota and UpdateQuota can check of q
// before touching storage: ProjectID is set and Resource is one of
// QuotaResources. The limit itself is the caller's business. Implementations
// of Store call it so they report these problems alike.
func CheckQuotaRecord(q *QuotaRecord) error {
	if q == nil {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resQuota, Reason: "no quota given"}
	}
	if q.ProjectID == "" {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resQuota, Field: "project_id", Reason: "a quota needs a project"}
	}
	if q.Resource != ResourceCluster && q.Resource != ResourceNode {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resQuota, ID: quotaID(q.ProjectID, q.Resource), Field: "resource",
			Reason: fmt.Sprintf("unknown quota resource %q (known: %s, %s)", clipText(q.Resource), ResourceCluster, ResourceNode)}
	}
	return nil
}

// QuotaNotFound is the error of GetQuota, UpdateQuota and DeleteQuota for
// a missing record.
func QuotaNotFound(projectID, resource string) error {
	return errdefs.NotFound(resQuota, quotaID(projectID, resource))
}

// QuotaTaken is the error of CreateQuota when the project already has a
// record of the resource.
func QuotaTaken(projectID, resource string) error {
	return errdefs.Conflict(resQuota, quotaID(projectID, resource),
		"project %q already has a quota for %s", clipText(projectID), clipText(resource))
}

// QuotaMarker parses a Page.Marker of a quota list: a record's ID in
// decimal, as Magnum's quota lists take it. Anything else is ErrInvalid.
func QuotaMarker(marker string) (int64, error) {
	digits := marker != ""
	for _, r := range marker {
		digits = digits && r >= '0' && r <= '9'
	}
	id, err := strconv.ParseInt(marker, 10, 64)
	if !digits || err != nil || id <= 0 {
		return 0, errdefs.Invalid("marker", "invalid marker %q: quota markers are quota IDs", clipText(marker))
	}
	return id, nil
}

// UnknownQuotaMarker is the error for a marker naming no record the filter
// selects.
func UnknownQuotaMarker(id int64) error {
	return errdefs.Invalid("marker", "unknown marker %d: no such quota", id)
}

func quotaID(projectID, resource string) string {
	return clipText(projectID) + "/" + clipText(resource)
}

// clipText shortens user-supplied text quoted in errors.
func clipText(s string) string {
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
