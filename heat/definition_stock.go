package heat

// The stock mappings below are the parts the Heat drivers' cluster
// definitions share: the same features, registry rules, parameters and
// outputs under the same names. A driver lists them among its own
// mappings, in the order it wants them.

// NoneType is Heat's resource type that creates nothing; registry rules
// map an optional resource to it when its feature is off.
const NoneType = "OS::Heat::None"

// Extra values the stock parameters take; a driver computes them for each
// render (Inputs.Extra).
const (
	ExtraNamePrefix = "name_prefix"       // prefix of the stack's resource names
	ExtraSubnetCIDR = "fixed_subnet_cidr" // CIDR of the subnet a created network gets
)

// MasterLBFeature is the bool feature "master_lb": the cluster's
// master_lb_enabled, else the template's.
func MasterLBFeature() Feature {
	return BoolFeature("master_lb", IsTrue(ClusterAttr("master_lb_enabled"), TemplateAttr("master_lb_enabled")))
}

// FloatingIPFeature is the bool feature "floating_ip": the cluster's
// floating_ip_enabled, else the template's.
func FloatingIPFeature() Feature {
	return BoolFeature("floating_ip", IsTrue(ClusterAttr("floating_ip_enabled"), TemplateAttr("floating_ip_enabled")))
}

// LBFloatingIPFeature is the bool feature "lb_floating_ip": a master load
// balancer (feature master_lb) and the label
// master_lb_floating_ip_enabled, else the feature floating_ip.
func LBFloatingIPFeature() Feature {
	return BoolFeature("lb_floating_ip", All(
		IsTrue(FeatureValue("master_lb")),
		IsTrue(Label("master_lb_floating_ip_enabled"), FeatureValue("floating_ip"))))
}

// DockerVolumeFeature is the bool feature "docker_volume": a docker volume
// size set on the node group of workerRole, the cluster or the template.
func DockerVolumeFeature(workerRole string) Feature {
	return BoolFeature("docker_volume", IsSet(NodeGroupAttr(workerRole, "docker_volume_size"),
		ClusterAttr("docker_volume_size"), TemplateAttr("docker_volume_size")))
}

// NetworkFeature is the enum feature "network": "existing" when the
// cluster or the template names a fixed network, else "create".
func NetworkFeature() Feature {
	return EnumFeature("network", []string{"create", "existing"}, "create",
		Is("existing", IsSet(ClusterAttr("fixed_network"), TemplateAttr("fixed_network"))))
}

// NetworkRules map the resource type network to the driver's template
// that creates a private network (templates/network_private.yaml) or
// uses an existing one (templates/network_existing.yaml), by the feature
// "network".
func NetworkRules(network string) []RegistryRule {
	return []RegistryRule{
		WhenFeature("network", "create", map[string]string{network: "templates/network_private.yaml"}),
		WhenFeature("network", "existing", map[string]string{network: "templates/network_existing.yaml"}),
	}
}

// OptionalRules map resource types to their real types (entries) while
// the bool feature is on, and to NoneType while it is off.
func OptionalRules(feature string, entries map[string]string) []RegistryRule {
	off := make(map[string]string, len(entries))
	for t := range entries {
		off[t] = NoneType
	}
	return []RegistryRule{WhenFeature(feature, true, entries), WhenFeature(feature, false, off)}
}

// NetworkParams are the parameters of a cluster's identity and network:
// cluster_uuid, name_prefix (ExtraNamePrefix), ssh_key_name,
// external_network, fixed_network, fixed_subnet, fixed_subnet_cidr
// (ExtraSubnetCIDR) and dns_nameserver.
func NetworkParams() []ParamMapping {
	return []ParamMapping{
		RequiredParam("cluster_uuid", String, ClusterAttr("uuid")),
		RequiredParam("name_prefix", String, Extra(ExtraNamePrefix)),
		Param("ssh_key_name", String, ClusterAttr("keypair"), TemplateAttr("keypair_id")),
		RequiredParam("external_network", String, TemplateAttr("external_network_id")),
		Param("fixed_network", String, ClusterAttr("fixed_network"), TemplateAttr("fixed_network")),
		Param("fixed_subnet", String, ClusterAttr("fixed_subnet"), TemplateAttr("fixed_subnet")),
		Param("fixed_subnet_cidr", String, Extra(ExtraSubnetCIDR)),
		Param("dns_nameserver", CommaDelimitedList, TemplateAttr("dns_nameserver")),
	}
}

// ServerParams are the parameters of a cluster's masters and of its
// workers, which the driver's templates call worker ("minion", "node",
// "slave"): master_image and <worker>_image, master_flavor and
// <worker>_flavor, number_of_masters and number_of_<worker>s,
// <worker>s_to_remove (the extra value toRemove) and docker_volume_size.
// Group values (of the roles masterRole and workerRole) come before the
// cluster's, and those before the template's.
func ServerParams(worker, masterRole, workerRole, toRemove string) []ParamMapping {
	master := func(attr string) Source { return NodeGroupAttr(masterRole, attr) }
	group := func(attr string) Source { return NodeGroupAttr(workerRole, attr) }
	return []ParamMapping{
		RequiredParam("master_image", String, master("image_id"), TemplateAttr("image_id")),
		RequiredParam(worker+"_image", String, group("image_id"), TemplateAttr("image_id")),
		Param("master_flavor", String, master("flavor_id"), ClusterAttr("master_flavor_id"), TemplateAttr("master_flavor_id")),
		Param(worker+"_flavor", String, group("flavor_id"), ClusterAttr("flavor_id"), TemplateAttr("flavor_id")),
		RequiredParam("number_of_masters", Number, master("node_count")),
		RequiredParam("number_of_"+worker+"s", Number, group("node_count")),
		Param(worker+"s_to_remove", CommaDelimitedList, Extra(toRemove)),
		Param("docker_volume_size", Number, group("docker_volume_size"), ClusterAttr("docker_volume_size"), TemplateAttr("docker_volume_size")),
	}
}

// AddressOutputs map a cluster stack's address outputs: masters and
// workers each name two outputs, the public addresses (read with the
// feature floating_ip on) and the private ones (read with it off). They go
// to the cluster's master_addresses and node_addresses, and to
// node_addresses of the node groups of masterRole and workerRole.
func AddressOutputs(masters, workers [2]string, masterRole, workerRole string) []OutputMapping {
	return []OutputMapping{
		MapOutput(masters[0], ClusterAttr("master_addresses"), AddressList).OnlyWhen("floating_ip", true),
		MapOutput(masters[1], ClusterAttr("master_addresses"), AddressList).OnlyWhen("floating_ip", false),
		MapOutput(workers[0], ClusterAttr("node_addresses"), AddressList).OnlyWhen("floating_ip", true),
		MapOutput(workers[1], ClusterAttr("node_addresses"), AddressList).OnlyWhen("floating_ip", false),
		MapOutput(masters[0], NodeGroupAttr(masterRole, "node_addresses"), AddressList).OnlyWhen("floating_ip", true),
		MapOutput(masters[1], NodeGroupAttr(masterRole, "node_addresses"), AddressList).OnlyWhen("floating_ip", false),
		MapOutput(workers[0], NodeGroupAttr(workerRole, "node_addresses"), AddressList).OnlyWhen("floating_ip", true),
		MapOutput(workers[1], NodeGroupAttr(workerRole, "node_addresses"), AddressList).OnlyWhen("floating_ip", false),
	}
}

// CountOutputs read the node counts back from a stack's parameters: the
// parameter masters to node_count of the node group of masterRole, workers
// to that of workerRole.
func CountOutputs(masters, workers, masterRole, workerRole string) []OutputMapping {
	return []OutputMapping{
		MapParam(masters, NodeGroupAttr(masterRole, "node_count"), Integer),
		MapParam(workers, NodeGroupAttr(workerRole, "node_count"), Integer),
	}
}

// APIReachable reports whether a cluster's API is reachable from outside
// its network, from the stock features its stack was rendered with: a
// load balancer (master_lb) with a floating IP (lb_floating_ip), or, with
// no load balancer, masters with floating IPs (floating_ip).
func APIReachable(f Features) bool {
	if lb, _ := f["master_lb"].(bool); lb {
		fip, _ := f["lb_floating_ip"].(bool)
		return fip
	}
	fip, _ := f["floating_ip"].(bool)
	return fip
}
