package heat

import "context"

// ResourceProgress counts a stack's resources, nested stacks included:
// Done of them have finished the stack's current action (*_COMPLETE).
type ResourceProgress struct {
	Done, Total int
}

// ProgressReader is an optional ability of an Orchestrator: counting a
// stack's resources by state, for progress displays. openstack's
// Orchestrator has it.
type ProgressReader interface {
	StackProgress(ctx context.Context, id string) (ResourceProgress, error)
}
