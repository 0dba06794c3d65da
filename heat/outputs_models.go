package heat

import (
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/cluster"
)

// ApplyToCluster writes the values to a cluster and its default master and
// worker groups, as the Heat drivers map their cluster stacks: the cluster
// attributes api_address, master_addresses and node_addresses, and the
// node group attributes node_count (which also goes to the cluster's
// MasterCount or NodeCount, by the group's role) and node_addresses.
// Values of the node group role masterRole go to master, those of every
// other role to worker. An attribute it does not know, or a value of the
// wrong type, is an error that starts with driver ("k8s: …"); the other
// values are still written.
func (v *OutputValues) ApplyToCluster(driver string, c *cluster.Cluster, masterRole string, master, worker *cluster.NodeGroup) error {
	if v == nil {
		return nil
	}
	var errs []error
	for name, val := range v.Cluster {
		if err := setClusterOutput(driver, c, name, val); err != nil {
			errs = append(errs, err)
		}
	}
	for role, attrs := range v.NodeGroups {
		g := worker
		if role == masterRole {
			g = master
		}
		for name, val := range attrs {
			if err := setGroupOutput(driver, c, g, name, val); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func setClusterOutput(driver string, c *cluster.Cluster, name string, v any) error {
	switch name {
	case "api_address":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: api_address: unexpected %T", driver, v)
		}
		c.APIAddress = s
	case "master_addresses", "node_addresses":
		l, ok := v.([]string)
		if !ok {
			return fmt.Errorf("%s: %s: unexpected %T", driver, name, v)
		}
		if name == "master_addresses" {
			c.MasterAddresses = l
		} else {
			c.NodeAddresses = l
		}
	default:
		return fmt.Errorf("%s: no cluster attribute %q", driver, name)
	}
	return nil
}

// setGroupOutput sets a node group attribute; node counts also go to the
// cluster's count of that role (Magnum's master_count and node_count).
func setGroupOutput(driver string, c *cluster.Cluster, g *cluster.NodeGroup, name string, v any) error {
	switch name {
	case "node_count":
		n, ok := v.(int)
		if !ok {
			return fmt.Errorf("%s: node_count: unexpected %T", driver, v)
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
			return fmt.Errorf("%s: node_addresses: unexpected %T", driver, v)
		}
		g.NodeAddresses = l
	default:
		return fmt.Errorf("%s: no node group attribute %q", driver, name)
	}
	return nil
}
