package swarm

import (
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
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
	sr := out.Request
	sr.Name = req.Name
	sr.Tags = []string{req.Cluster.UUID}
	sr.Timeout = timeout
	sr.DisableRollback = true
	return sr, out.Features, nil
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
	upd := heat.UpdateRequest{Existing: true, Parameters: params, DisableRollback: !req.Rollback}
	if _, ok := params["nodes_to_remove"]; !ok {
		// Forget the victims of an earlier scale-down.
		upd.ClearParameters = []string{"nodes_to_remove"}
	}
	return upd, nil
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
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if vals == nil {
		return errors.Join(errs...)
	}
	for name, v := range vals.Cluster {
		if err := setClusterAttr(c, name, v); err != nil {
			errs = append(errs, err)
		}
	}
	master, worker := groups(c, gs)
	for role, attrs := range vals.NodeGroups {
		g := worker
		if role == ngMaster {
			g = master
		}
		for name, v := range attrs {
			if err := setGroupAttr(c, g, name, v); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func setClusterAttr(c *cluster.Cluster, name string, v any) error {
	switch name {
	case "api_address":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("swarm: api_address: unexpected %T", v)
		}
		c.APIAddress = s
	case "master_addresses", "node_addresses":
		l, ok := v.([]string)
		if !ok {
			return fmt.Errorf("swarm: %s: unexpected %T", name, v)
		}
		if name == "master_addresses" {
			c.MasterAddresses = l
		} else {
			c.NodeAddresses = l
		}
	default:
		return fmt.Errorf("swarm: no cluster attribute %q", name)
	}
	return nil
}

// setGroupAttr sets a node group attribute; node counts also go to the
// cluster's count of that role.
func setGroupAttr(c *cluster.Cluster, g *cluster.NodeGroup, name string, v any) error {
	switch name {
	case "node_count":
		n, ok := v.(int)
		if !ok {
			return fmt.Errorf("swarm: node_count: unexpected %T", v)
		}
		if n < 0 || n > 100000 {
			return errdefs.Invalid("number_of_nodes", "the stack holds an impossible node count %d", n)
		}
		g.NodeCount = n
		if g.IsMaster() {
			c.MasterCount = n
		} else {
			c.NodeCount = n
		}
	case "node_addresses":
		l, ok := v.([]string)
		if !ok {
			return fmt.Errorf("swarm: node_addresses: unexpected %T", v)
		}
		g.NodeAddresses = l
	default:
		return fmt.Errorf("swarm: no node group attribute %q", name)
	}
	return nil
}
