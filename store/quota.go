package store

import (
	"fmt"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
)

// Quota bounds what one project may hold. Zero fields do not limit; nor do
// negative ones (Magnum's -1, "unlimited").
type Quota struct {
	Clusters int // clusters of the project, in any status
	Nodes    int // sum over the project's clusters of NodeCount + MasterCount
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
// the limit and the use. Only a positive part of add is checked, against a
// positive limit, so lowering a count never fails, even in a project
// already beyond its quota. Implementations of Store call it so they report
// quota failures alike.
func CheckQuota(q Quota, projectID, clusterUUID string, used, add Usage) error {
	if q.Clusters > 0 && add.Clusters > 0 && used.Clusters+add.Clusters > q.Clusters {
		return errQuota(clusterUUID, "clusters", fmt.Sprintf(
			"quota exceeded: project %q may hold at most %d cluster(s) and holds %d", projectID, q.Clusters, used.Clusters))
	}
	if q.Nodes > 0 && add.Nodes > 0 && used.Nodes+add.Nodes > q.Nodes {
		return errQuota(clusterUUID, "nodes", fmt.Sprintf(
			"quota exceeded: project %q may hold at most %d node(s) and holds %d; this change adds %d",
			projectID, q.Nodes, used.Nodes, add.Nodes))
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
