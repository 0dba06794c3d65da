package k8s

import (
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
)

// The Driver is a heat.StackDriver: heat.Backend.Driver makes the
// driver.ClusterDriver the Manager runs from it.
var _ heat.StackDriver = (*Driver)(nil)

// input adapts a lifecycle request to the driver's Input.
func (d *Driver) input(req *driver.Request) Input {
	n := req.Nodes
	return Input{
		Template:      req.Template,
		Cluster:       req.Cluster,
		NodeGroups:    req.NodeGroups,
		NodesToRemove: req.NodesToRemove,
		StackName:     req.Name,
		Bootstrap: Bootstrap{
			CACert:             n.CACerts[string(certs.CAKubernetes)],
			EtcdCACert:         n.CACerts[string(certs.CAEtcd)],
			FrontProxyCACert:   n.CACerts[string(certs.CAFrontProxy)],
			SignURL:            n.SignURL,
			AuthURL:            n.AuthURL,
			RegionName:         n.RegionName,
			Trustee:            Trustee{UserID: n.Trustee.UserID, Password: n.Trustee.Password, TrustID: n.Trustee.TrustID},
			OpenStackCA:        n.OpenStackCA,
			InsecureSkipVerify: n.InsecureSkipVerify,
		},
	}
}

// Validate implements heat.StackDriver with CheckCluster.
func (d *Driver) Validate(req *driver.Request) error { return CheckCluster(d.input(req)) }

// RenderStack implements heat.StackDriver: RenderCluster with a new service
// account key (the masters keep it; a stack update with existing=true never
// sends it again).
func (d *Driver) RenderStack(req *driver.Request) (heat.StackRequest, heat.Features, error) {
	in := d.input(req)
	key, err := NewServiceAccountKey(nil)
	if err != nil {
		return heat.StackRequest{}, nil, err
	}
	defer clear(key)
	in.Bootstrap.ServiceAccountKey = key
	return d.RenderCluster(in)
}

// ScaleStack implements heat.StackDriver with ScaleUpdate.
func (d *Driver) ScaleStack(req *driver.Request) (heat.UpdateRequest, error) {
	return d.ScaleUpdate(d.input(req), req.Rollback)
}

// StackFeatures implements heat.StackDriver with Features.
func (d *Driver) StackFeatures(req *driver.Request) (heat.Features, error) {
	return d.Features(d.input(req))
}
