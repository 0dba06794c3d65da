package mesos

import (
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
