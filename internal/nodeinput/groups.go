package nodeinput

import "github.com/gomagnum/magnum/cluster"

// DefaultGroups picks a cluster's master and worker groups from gs: of
// each role the default group, else the first group of the role. Without a
// group of a role, a stand-in group of the role has the cluster's
// MasterCount (cluster.DefaultMasterCount when 0) or NodeCount. Nil
// entries of gs are skipped.
func DefaultGroups(c *cluster.Cluster, gs []*cluster.NodeGroup) (master, worker *cluster.NodeGroup) {
	pick := func(role string) *cluster.NodeGroup {
		var found *cluster.NodeGroup
		for _, g := range gs {
			if g == nil || g.Role != role {
				continue
			}
			if g.IsDefault {
				return g
			}
			if found == nil {
				found = g
			}
		}
		return found
	}
	master, worker = pick(cluster.RoleMaster), pick(cluster.RoleWorker)
	if master == nil {
		n := c.MasterCount
		if n == 0 {
			n = cluster.DefaultMasterCount
		}
		master = &cluster.NodeGroup{Role: cluster.RoleMaster, NodeCount: n}
	}
	if worker == nil {
		worker = &cluster.NodeGroup{Role: cluster.RoleWorker, NodeCount: c.NodeCount}
	}
	return master, worker
}
