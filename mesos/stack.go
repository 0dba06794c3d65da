package mesos

import (
	"errors"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
)

// CheckCluster applies the Mesos driver's rules to a cluster before it is
// created or resized: labels valid (aliases renamed, no conflicts), docker
// networking, rexray or no volume driver, 1 to 7 masters, more than one
// master only with the master load balancer (Magnum: "master_count must be
// 1 when master_lb_enabled is False"), an odd number of masters (ZooKeeper
// and the Mesos masters' replicated log need a majority), and a slave
// count of at least 0.
func CheckCluster(in Input) error {
	if in.Template == nil || in.Cluster == nil {
		return errdefs.Invalid("cluster", "a template and a cluster are required")
	}
	var errs []error
	if _, err := in.prepare(false); err != nil {
		errs = append(errs, err)
	}
	master, worker := in.groups()
	n := master.NodeCount
	switch {
	case n < 1 || n > 7:
		errs = append(errs, errdefs.Invalid("master_count", "must be from 1 to 7"))
	case n > 1 && !in.masterLB():
		errs = append(errs, errdefs.Invalid("master_count", "must be 1 when master_lb_enabled is False"))
	case n%2 == 0:
		errs = append(errs, errdefs.Invalid("master_count", "must be odd, so that ZooKeeper and the masters keep a quorum"))
	}
	if worker.NodeCount < 0 {
		errs = append(errs, errdefs.Invalid("node_count", "must be at least 0"))
	}
	return errors.Join(errs...)
}

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
	p, err := in.prepare(true)
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
// counts and the slaves to remove change (Heat's PATCH, existing=true), so
// nothing else of the stack is rebuilt. The slaves group's removal policy
// takes in.SlavesToRemove first; without them Heat removes the newest
// members, and the victims of an earlier scale-down are forgotten.
// Rollback follows rollback.
func (d *Driver) ScaleUpdate(in Input, rollback bool) (heat.UpdateRequest, error) {
	r, err := d.Renderer()
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	p, err := in.prepare(false)
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	params, err := r.Params(p.inputs, "number_of_masters", "number_of_slaves", "slaves_to_remove")
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	return heat.ScaleUpdate(params, "slaves_to_remove", rollback), nil
}

// Features resolves the structural choices for a cluster, as RenderCluster
// made them; use it to map outputs of a stack rendered earlier.
func (d *Driver) Features(in Input) (heat.Features, error) {
	p, err := in.prepare(false)
	if err != nil {
		return nil, err
	}
	def := definition()
	return def.Resolve(p.inputs)
}

// ApplyOutputs copies what the stack tells about the cluster to the
// models: the API address (Marathon, http://IP:8080 of the load balancer or
// the first master), master and slave addresses (public ones with
// floating IPs, else private), and node counts read back from the stack
// parameters, to the cluster and to its default master and worker groups.
// f are the features the stack was rendered with. Outputs that are missing
// leave their attributes alone; unusable outputs are ErrInvalid errors,
// and the other outputs are still applied.
func (d *Driver) ApplyOutputs(stack *heat.Stack, f heat.Features, c *cluster.Cluster, groups []*cluster.NodeGroup) error {
	if stack == nil || c == nil {
		return errdefs.Invalid("stack", "a stack and a cluster are required")
	}
	def := definition()
	vals, err := def.ApplyOutputs(stack, f)
	in := Input{Cluster: c, NodeGroups: groups}
	master, worker := in.groups()
	return errors.Join(err, vals.ApplyToCluster("mesos", c, ngMaster, master, worker))
}
