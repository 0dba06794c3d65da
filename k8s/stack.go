package k8s

import (
	"errors"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
)

// RenderCluster renders the cluster's Heat stack: the request to create it
// (templates, files, environment, parameters, tags with the cluster UUID,
// timeout, rollback disabled) and the features it was rendered with, which
// ApplyOutputs needs. The request passed the structural check. Errors are
// ErrInvalid, each naming its field.
func (d *Driver) RenderCluster(in Input) (heat.StackRequest, heat.Features, error) {
	r, err := d.Renderer()
	if err != nil {
		return heat.StackRequest{}, nil, err
	}
	p, err := in.prepare(envAll)
	if err != nil {
		return heat.StackRequest{}, nil, err
	}
	out, err := r.Render(p.inputs)
	if err != nil {
		return heat.StackRequest{}, nil, err
	}
	return out.CreateRequest(in.StackName, p.timeout, in.Cluster.UUID), out.Features, nil
}

// ScaleUpdate is the stack update that resizes the cluster: only the node
// counts and the minions to remove change (Heat's PATCH, existing=true),
// so nothing else of the stack is rebuilt. Rollback follows rollback.
func (d *Driver) ScaleUpdate(in Input, rollback bool) (heat.UpdateRequest, error) {
	r, err := d.Renderer()
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	p, err := in.prepare(envNone)
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	params, err := r.Params(p.inputs, "number_of_masters", "number_of_minions", "minions_to_remove")
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	return heat.ScaleUpdate(params, "minions_to_remove", rollback), nil
}

// Features resolves the structural choices for a cluster, as RenderCluster
// made them; use it to map outputs of a stack rendered earlier.
func (d *Driver) Features(in Input) (heat.Features, error) {
	p, err := in.prepare(envNone)
	if err != nil {
		return nil, err
	}
	def := definition(d.distro)
	return def.Resolve(p.inputs)
}

// ApplyOutputs copies what the stack tells about the cluster to the
// models: the API address (https://IP:6443, or http://IP:8080 with TLS
// disabled), master and node addresses (public ones with floating IPs,
// else private), and node counts read back from the stack parameters, to
// the cluster and to its default master and worker groups. f are the
// features the stack was rendered with. Outputs that are missing leave
// their attributes alone; unusable outputs are ErrInvalid errors, and the
// other outputs are still applied.
func (d *Driver) ApplyOutputs(stack *heat.Stack, f heat.Features, c *cluster.Cluster, groups []*cluster.NodeGroup) error {
	if stack == nil || c == nil {
		return errdefs.Invalid("stack", "a stack and a cluster are required")
	}
	def := definition(d.distro)
	vals, err := def.ApplyOutputs(stack, f)
	in := Input{Cluster: c, NodeGroups: groups}
	master, worker := in.groups()
	return errors.Join(err, vals.ApplyToCluster("k8s", c, ngMaster, master, worker))
}
