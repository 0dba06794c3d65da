package driver

import "context"

// Progress is how far a cluster's backend operation has come: Done of
// Total resources have finished it.
type Progress struct {
	Done, Total int
}

// ProgressReporter is an optional ability of a ClusterDriver: telling how
// far the operation under way on a cluster has come (req.Group, when set,
// names the node group whose operation it is). The heat backend has it
// when its Orchestrator is a heat.ProgressReader.
type ProgressReporter interface {
	Progress(ctx context.Context, req *Request) (Progress, error)
}
