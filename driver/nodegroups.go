package driver

import "context"

// NodeGroupDriver is an optional ability of a ClusterDriver: node groups
// beyond the two default ones, each built as backend resources of its own
// (a Heat stack) joined to the cluster's network and security groups. In
// every call req.Group is the group and req.Name its backend name; the
// cluster itself is complete. Like the cluster's calls, each may be
// repeated after a crash and must converge.
//
// The driver's Observer reports on groups too: a Target whose ClusterID is
// the group's UUID, Ref its recorded reference and Name its backend name.
type NodeGroupDriver interface {
	ClusterDriver
	// ValidateNodeGroup applies the driver's rules to req.Group (role,
	// labels, taints, counts) before anything happens. No I/O.
	ValidateNodeGroup(req *Request) error
	// CreateNodeGroup starts building req.Group and returns its backend
	// reference; a repeated call adopts what an earlier one made.
	CreateNodeGroup(ctx context.Context, req *Request) (ref string, err error)
	// ResizeNodeGroup starts changing the group to req.Group.NodeCount
	// nodes, removing req.NodesToRemove first when it shrinks.
	ResizeNodeGroup(ctx context.Context, req *Request) error
	// DeleteNodeGroup starts removing the group's resources; resources
	// already gone are not an error.
	DeleteNodeGroup(ctx context.Context, req *Request) error
	// FinishNodeGroup copies what a completed group operation produced
	// (node addresses, count) into req.Group.
	FinishNodeGroup(ctx context.Context, req *Request) error
}
