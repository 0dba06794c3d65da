package mesos

import (
	"context"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
)

// The Driver is a heat.StackDriver: heat.Backend.Driver makes the
// driver.ClusterDriver the Manager runs from it.
var _ heat.StackDriver = (*Driver)(nil)

// input adapts a lifecycle request to the driver's Input. The request's
// NodesToRemove become the slaves to remove.
func (d *Driver) input(req *driver.Request) Input {
	if req == nil {
		return Input{}
	}
	n := req.Nodes
	return Input{
		Template:       req.Template,
		Cluster:        req.Cluster,
		NodeGroups:     req.NodeGroups,
		SlavesToRemove: req.NodesToRemove,
		StackName:      req.Name,
		Access: Access{
			AuthURL:            n.AuthURL,
			RegionName:         n.RegionName,
			Trustee:            Trustee{UserID: n.Trustee.UserID, Password: n.Trustee.Password, TrustID: n.Trustee.TrustID},
			OpenStackCA:        n.OpenStackCA,
			InsecureSkipVerify: n.InsecureSkipVerify,
		},
	}
}

// Validate implements heat.StackDriver with CheckCluster.
func (d *Driver) Validate(req *driver.Request) error {
	return CheckCluster(d.input(req))
}

// RenderStack implements heat.StackDriver with RenderCluster.
func (d *Driver) RenderStack(req *driver.Request) (heat.StackRequest, heat.Features, error) {
	return d.RenderCluster(d.input(req))
}

// ScaleStack implements heat.StackDriver with ScaleUpdate.
func (d *Driver) ScaleStack(req *driver.Request) (heat.UpdateRequest, error) {
	in := d.input(req)
	return d.ScaleUpdate(in, req != nil && req.Rollback)
}

// StackFeatures implements heat.StackDriver with Features.
func (d *Driver) StackFeatures(req *driver.Request) (heat.Features, error) {
	return d.Features(d.input(req))
}

// The Driver chooses the slaves a shrinking resize removes.
var _ heat.NodeChooser = (*Driver)(nil)

// ChooseNodesToRemove implements heat.NodeChooser with
// ChooseSlavesToRemove: slaves without Marathon tasks go first, as the
// cluster's Marathon (its api_address) tells; when it cannot be read, or
// the stack's members cannot, the choice is left to Heat (the newest go).
func (d *Driver) ChooseNodesToRemove(ctx context.Context, req *driver.Request, s *heat.Stack) ([]string, error) {
	in := d.input(req)
	_, worker := in.groups()
	slaves, err := Slaves(s)
	if err != nil || worker == nil {
		return nil, nil
	}
	sd := ScaleDown{Slaves: slaves, Count: worker.NodeCount}
	if req.Cluster != nil && req.Cluster.APIAddress != "" {
		if mc, err := NewMarathonClient(req.Cluster.APIAddress, MarathonOptions{}); err == nil {
			sd.Tasks = mc
		}
	}
	nodes, err := ChooseSlavesToRemove(ctx, sd)
	if err != nil && ctx.Err() == nil {
		return nil, nil // a choice that cannot be made is Heat's
	}
	return nodes, err
}
