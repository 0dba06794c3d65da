package heat

import (
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/template"
)

// TemplateAttrs, ClusterAttrs and GroupAttrs expose the models to a
// Definition's mappings by Magnum's field names, the same for every
// driver. As in Magnum, an empty string, a zero number or a nil pointer is
// "not set", so the next source of a mapping applies.

func setString(s string) (any, bool) { return s, s != "" }
func setInt(n int) (any, bool)       { return n, n != 0 }

func setBool(b *bool) (any, bool) {
	if b == nil {
		return nil, false
	}
	return *b, true
}

// TemplateAttrs exposes a cluster template: external_network_id,
// image_id, keypair_id, flavor_id, master_flavor_id, fixed_network,
// fixed_subnet, dns_nameserver, network_driver, docker_volume_size,
// tls_disabled, master_lb_enabled and floating_ip_enabled.
func TemplateAttrs(t *template.ClusterTemplate) Attributes {
	return AttrFunc(func(name string) (any, bool) {
		switch name {
		case "external_network_id":
			return setString(t.ExternalNetworkID)
		case "image_id":
			return setString(t.ImageID)
		case "keypair_id":
			return setString(t.KeyPairID)
		case "flavor_id":
			return setString(t.FlavorID)
		case "master_flavor_id":
			return setString(t.MasterFlavorID)
		case "fixed_network":
			return setString(t.FixedNetwork)
		case "fixed_subnet":
			return setString(t.FixedSubnet)
		case "dns_nameserver":
			return setString(t.DNSNameServer)
		case "network_driver":
			return setString(t.NetworkDriver)
		case "docker_volume_size":
			return setInt(t.DockerVolumeSize)
		case "tls_disabled":
			return t.TLSDisabled, true
		case "master_lb_enabled":
			return t.MasterLBEnabled, true
		case "floating_ip_enabled":
			return t.FloatingIP(), true
		}
		return nil, false
	})
}

// ClusterAttrs exposes a cluster: uuid, keypair, fixed_network,
// fixed_subnet, flavor_id, master_flavor_id, docker_volume_size,
// master_lb_enabled and floating_ip_enabled (the last two only when the
// cluster overrides its template).
func ClusterAttrs(c *cluster.Cluster) Attributes {
	return AttrFunc(func(name string) (any, bool) {
		switch name {
		case "uuid":
			return setString(c.UUID)
		case "keypair":
			return setString(c.KeyPair)
		case "fixed_network":
			return setString(c.FixedNetwork)
		case "fixed_subnet":
			return setString(c.FixedSubnet)
		case "flavor_id":
			return setString(c.FlavorID)
		case "master_flavor_id":
			return setString(c.MasterFlavorID)
		case "docker_volume_size":
			return setInt(c.DockerVolumeSize)
		case "master_lb_enabled":
			return setBool(c.MasterLBEnabled)
		case "floating_ip_enabled":
			return setBool(c.FloatingIPEnabled)
		}
		return nil, false
	})
}

// GroupAttrs exposes a node group: node_count (always set: zero nodes is
// a valid count), image_id, flavor_id and docker_volume_size.
func GroupAttrs(g *cluster.NodeGroup) Attributes {
	return AttrFunc(func(name string) (any, bool) {
		switch name {
		case "node_count":
			return g.NodeCount, true
		case "image_id":
			return setString(g.ImageID)
		case "flavor_id":
			return setString(g.FlavorID)
		case "docker_volume_size":
			return setInt(g.DockerVolumeSize)
		}
		return nil, false
	})
}
