// Package cluster holds the Cluster and NodeGroup models, the status
// machine, the operations' status preconditions, and the rule that turns
// node-group statuses into a cluster status. It is pure: no I/O.
//
//	if err := cluster.CheckAllowed(cluster.OpResize, c.Status); err != nil {
//		return err // errors.Is(err, errdefs.ErrConflict)
//	}
//	status, reason := cluster.Aggregate(c.Status, []cluster.GroupState{
//		{Name: "default-master", IsDefault: true, Role: "master", Status: cluster.CreateComplete},
//		{Name: "default-worker", IsDefault: true, Role: "worker", Status: cluster.CreateComplete},
//	})
package cluster
