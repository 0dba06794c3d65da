package store

import (
	"fmt"
	"strconv"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
)

// Limit is an upper bound on a count, or none. The zero value is no limit,
// so a zero Quota limits nothing; a bound, zero included, is made with
// AtMost. Keeping "no limit" and "a limit of 0" apart in the type means a
// count of 0 (Magnum's hard_limit 0: the project may create no clusters)
// can never be mistaken for an unset limit.
type Limit struct {
	max     int
	bounded bool
}

// AtMost is the limit of at most n. A negative n is no limit, as Magnum's
// -1 ("unlimited"); 0 allows nothing.
func AtMost(n int) Limit {
	if n < 0 {
		return Limit{}
	}
	return Limit{max: n, bounded: true}
}

// NoLimit is the Limit that bounds nothing, the zero value.
func NoLimit() Limit { return Limit{} }

// Max returns the bound and true, or 0 and false for no limit.
func (l Limit) Max() (int, bool) { return l.max, l.bounded }

// Bounded reports whether l limits anything.
func (l Limit) Bounded() bool { return l.bounded }

// Allows reports whether a count of used may grow by add within l. Only a
// rise is checked, so lowering or keeping a count is always allowed, even
// beyond the limit.
func (l Limit) Allows(used, add int) bool {
	return !l.bounded || add <= 0 || used+add <= l.max
}

// String is the bound in decimal, or "unlimited".
func (l Limit) String() string {
	if !l.bounded {
		return "unlimited"
	}
	return strconv.Itoa(l.max)
}

// Quota bounds what one project may hold. The zero value limits nothing.
type Quota struct {
	Clusters Limit // clusters of the project, in any status
	Nodes    Limit // sum over the project's clusters of NodeCount + MasterCount
}

// Usage is what a project holds, or what a change adds to it, counted as
// Quota counts.
type Usage struct {
	Clusters int
	Nodes    int
}

// ClusterUsage is what cluster c counts for in its project: one cluster and
// its NodeCount + MasterCount nodes.
func ClusterUsage(c *cluster.Cluster) Usage {
	return Usage{Clusters: 1, Nodes: c.NodeCount + c.MasterCount}
}

// CheckQuota reports whether a project holding used may take add on top
// within q: nil if so, else an errdefs.ErrQuotaExceeded *Error about
// cluster clusterUUID naming the field ("clusters" or "nodes") and saying
// the limit and the use. Only a positive part of add is checked, so
// lowering a count never fails, even in a project already beyond its
// quota; a limit of 0 refuses any rise. Implementations of Store call it so
// they report quota failures alike.
func CheckQuota(q Quota, projectID, clusterUUID string, used, add Usage) error {
	if !q.Clusters.Allows(used.Clusters, add.Clusters) {
		return errQuota(clusterUUID, "clusters", fmt.Sprintf(
			"quota exceeded: project %q may hold at most %d cluster(s) and holds %d", projectID, q.Clusters.max, used.Clusters))
	}
	if !q.Nodes.Allows(used.Nodes, add.Nodes) {
		return errQuota(clusterUUID, "nodes", fmt.Sprintf(
			"quota exceeded: project %q may hold at most %d node(s) and holds %d; this change adds %d",
			projectID, q.Nodes.max, used.Nodes, add.Nodes))
	}
	return nil
}

func errQuota(clusterUUID, field, reason string) error {
	return &errdefs.Error{Kind: errdefs.ErrQuotaExceeded, Resource: resCluster, ID: clusterUUID, Field: field, Reason: reason}
}

// UpdateUsage is what updating a cluster to c adds to project c.ProjectID
// when the stored cluster is of project oldProjectID with oldNodes nodes:
// the rise of its node count (negative for a fall), or all of c's nodes if
// the cluster moves into the project. Clusters is always 0: updates are not
// checked against Quota.Clusters.
func UpdateUsage(oldProjectID string, oldNodes int, c *cluster.Cluster) Usage {
	nodes := c.NodeCount + c.MasterCount
	if oldProjectID != c.ProjectID {
		return Usage{Nodes: nodes}
	}
	return Usage{Nodes: nodes - oldNodes}
}
