package swarm

import (
	"errors"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/nodeinput"
)

// The Driver is a heat.StackDriver: heat.Backend.Driver makes the
// driver.ClusterDriver the Manager runs from it.
var _ heat.StackDriver = (*Driver)(nil)

// Validate implements heat.StackDriver: the labels the driver interprets,
// the network, volume and docker storage drivers, the proxies and insecure
// registry, 1 to 7 masters (odd, and more than one only with the master
// load balancer) and the nodes to remove. No I/O; errors are ErrInvalid,
// each naming its field.
func (d *Driver) Validate(req *driver.Request) error {
	_, err := check(req)
	return err
}

// RenderStack implements heat.StackDriver: the request that creates the
// cluster's stack (templates, files, environment, parameters, the cluster
// UUID as a tag, the create timeout, rollback disabled) and the features
// it was rendered with. The request passed heat's structural check.
func (d *Driver) RenderStack(req *driver.Request) (heat.StackRequest, heat.Features, error) {
	r, err := d.Renderer()
	if err != nil {
		return heat.StackRequest{}, nil, err
	}
	in, timeout, err := prepare(req, true)
	if err != nil {
		return heat.StackRequest{}, nil, err
	}
	out, err := r.Render(in)
	if err != nil {
		return heat.StackRequest{}, nil, err
	}
	return out.CreateRequest(req.Name, timeout, req.Cluster.UUID), out.Features, nil
}

// ScaleStack implements heat.StackDriver: a PATCH (existing=true) update of
// the node counts and the nodes to remove only, so nothing else of the
// stack is rebuilt. Rollback follows req.Rollback.
func (d *Driver) ScaleStack(req *driver.Request) (heat.UpdateRequest, error) {
	r, err := d.Renderer()
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	if _, err := check(req); err != nil {
		return heat.UpdateRequest{}, err
	}
	in, _, err := prepare(req, false)
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	params, err := r.Params(in, "number_of_masters", "number_of_nodes", "nodes_to_remove")
	if err != nil {
		return heat.UpdateRequest{}, err
	}
	return heat.ScaleUpdate(params, "nodes_to_remove", req.Rollback), nil
}

// StackFeatures implements heat.StackDriver: the structural choices
// RenderStack makes for req.
func (d *Driver) StackFeatures(req *driver.Request) (heat.Features, error) {
	in, _, err := prepare(req, false)
	if err != nil {
		return nil, err
	}
	def := definition()
	return def.Resolve(in)
}

// ApplyOutputs implements heat.StackDriver: it copies what the stack tells
// about the cluster to the models — the API address (tcp://IP:2376, or
// tcp://IP:2375 with TLS disabled; the load balancer's with one), master
// and node addresses (public with floating IPs, else private), and node
// counts read back from the stack parameters, to the cluster and to its
// default master and worker groups. Heat's outputs are untrusted: missing
// outputs leave their attributes alone, unusable ones are ErrInvalid
// errors, and the other outputs are still applied.
func (d *Driver) ApplyOutputs(stack *heat.Stack, f heat.Features, c *cluster.Cluster, gs []*cluster.NodeGroup) error {
	if stack == nil || c == nil {
		return errdefs.Invalid("stack", "a stack and a cluster are required")
	}
	def := definition()
	vals, err := def.ApplyOutputs(stack, f)
	errs := []error{err}
	if vals != nil {
		// Swarm bounds the node counts it reads back before the shared
		// mapping stores them.
		for _, attrs := range vals.NodeGroups {
			if n, ok := attrs["node_count"].(int); ok && (n < 0 || n > maxNodeCount) {
				errs = append(errs, errdefs.Invalid("number_of_nodes", "the stack holds an impossible node count %d", n))
				delete(attrs, "node_count")
			}
		}
	}
	master, worker := nodeinput.DefaultGroups(c, gs)
	errs = append(errs, vals.ApplyToCluster("swarm", c, ngMaster, master, worker))
	return errors.Join(errs...)
}

// maxNodeCount bounds the node counts read back from a stack.
const maxNodeCount = 100000
