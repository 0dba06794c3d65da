package magnum

import (
	"context"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
)

// Progress tells how far the operation under way on a cluster has come,
// in backend resources (for Heat: the stack's resources that finished the
// current action, nested stacks included); while a node group operation
// runs, that group's stack. A cluster with nothing built yet is zero
// progress; a driver or cloud that cannot count is ErrUnsupported.
func (m *Manager) Progress(ctx context.Context, ident string) (driver.Progress, error) {
	_, c, err := m.findCluster(ctx, policy.ClusterGet, ident)
	if err != nil {
		return driver.Progress{}, err
	}
	t, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return driver.Progress{}, err
	}
	d, err := m.clusterDriver(t)
	if err != nil {
		return driver.Progress{}, err
	}
	pr, ok := d.(driver.ProgressReporter)
	if !ok {
		return driver.Progress{}, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: resCluster, ID: c.UUID,
			Reason: "the driver cannot tell the progress of an operation"}
	}
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return driver.Progress{}, err
	}
	req := m.request(t, c, groups)
	if g := inProgressGroup(groups); g != nil {
		req = m.groupRequest(t, c, groups, g)
	}
	if req.Group == nil && c.StackID == "" {
		return driver.Progress{}, nil
	}
	return pr.Progress(ctx, req)
}
