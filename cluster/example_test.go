package cluster_test

import (
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
)

// Aggregate turns the node groups' statuses into the cluster's. With a
// non-default group the cluster reports an update, and a failure names the
// groups that failed.
func ExampleAggregate() {
	defaults := []cluster.GroupState{
		{Name: cluster.DefaultMasterGroup, IsDefault: true, Role: cluster.RoleMaster,
			Status: cluster.CreateComplete, StatusReason: "Stack CREATE completed successfully"},
		{Name: cluster.DefaultWorkerGroup, IsDefault: true, Role: cluster.RoleWorker,
			Status: cluster.CreateComplete},
	}
	status, reason := cluster.Aggregate(cluster.CreateInProgress, defaults)
	fmt.Println(status, "-", reason)

	withGPU := append(defaults, cluster.GroupState{Name: "gpu", Role: cluster.RoleWorker, Status: cluster.CreateFailed})
	status, reason = cluster.Aggregate(status, withGPU)
	fmt.Println(status, "-", reason)
	// Output:
	// CREATE_COMPLETE - Stack CREATE completed successfully
	// UPDATE_FAILED - gpu failed
}

// CheckAllowed guards an operation by the cluster's status.
func ExampleCheckAllowed() {
	err := cluster.CheckAllowed(cluster.OpUpgrade, cluster.UpdateInProgress)
	fmt.Println(errors.Is(err, errdefs.ErrConflict))
	fmt.Println(cluster.CheckAllowed(cluster.OpResize, cluster.UpdateInProgress))
	// Output:
	// true
	// <nil>
}
