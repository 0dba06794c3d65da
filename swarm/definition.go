package swarm

import "github.com/gomagnum/magnum/heat"

// Custom resource types the environment maps per variant.
const (
	typeNetwork          = "GoMagnum::Network"
	typeAPILB            = "GoMagnum::APILoadBalancer"
	typeEtcdLB           = "GoMagnum::EtcdLoadBalancer"
	typePoolMember       = "GoMagnum::Optional::PoolMember"
	typeFloatingIP       = "GoMagnum::Optional::FloatingIP"
	typeDockerVolume     = "GoMagnum::Optional::DockerVolume"
	typeDockerAttachment = "GoMagnum::Optional::DockerVolumeAttachment"
)

// Extra values the driver computes for a render.
const (
	extraNamePrefix    = "name_prefix"
	extraSubnetCIDR    = "fixed_subnet_cidr"
	extraFlannelCIDR   = "flannel_network_cidr"
	extraNodesToRemove = "nodes_to_remove"
	extraWaitTimeout   = "wait_condition_timeout"
	extraNodeEnv       = "node_env"
	extraCACert        = "ca_cert"
	extraEtcdCACert    = "etcd_ca_cert"
)

// Node group roles as the definition names them.
const (
	ngMaster = "master"
	ngWorker = "worker"
)

// The Docker API ports of the managers: TLS (Magnum's swarm_port), and the
// plain port of clusters with TLS disabled. Nodes' engines listen on
// EnginePort (TLS unless disabled) for the managers.
const (
	APIPort         = 2376
	InsecureAPIPort = 2375
	EnginePort      = 2375
)

// definition is the Heat definition of the Swarm driver.
//
// Features (the structural choices; nothing else reaches template text):
//   - master_lb, floating_ip: the cluster's setting, else the template's;
//   - lb_floating_ip: a master LB with floating IPs on;
//   - docker_volume: a docker volume size of the worker group, the cluster
//     or the template;
//   - network: "existing" when the cluster or template names a fixed
//     network, else "create";
//   - tls_disabled: the template's tls_disabled (which API port is open).
func definition() heat.Definition {
	master := func(attr string) heat.Source { return heat.NodeGroupAttr(ngMaster, attr) }
	worker := func(attr string) heat.Source { return heat.NodeGroupAttr(ngWorker, attr) }
	apiPort := func(v any) (any, error) {
		if disabled, _ := v.(bool); disabled {
			return InsecureAPIPort, nil
		}
		return APIPort, nil
	}
	return heat.Definition{
		Name:     "swarm_fedora_atomic_v1",
		Template: "templates/cluster.yaml",
		Features: []heat.Feature{
			heat.BoolFeature("master_lb", heat.IsTrue(heat.ClusterAttr("master_lb_enabled"), heat.TemplateAttr("master_lb_enabled"))),
			heat.BoolFeature("floating_ip", heat.IsTrue(heat.ClusterAttr("floating_ip_enabled"), heat.TemplateAttr("floating_ip_enabled"))),
			heat.BoolFeature("lb_floating_ip", heat.All(heat.IsTrue(heat.FeatureValue("master_lb")), heat.IsTrue(heat.FeatureValue("floating_ip")))),
			heat.BoolFeature("docker_volume", heat.IsSet(worker("docker_volume_size"), heat.ClusterAttr("docker_volume_size"), heat.TemplateAttr("docker_volume_size"))),
			heat.EnumFeature("network", []string{"create", "existing"}, "create",
				heat.Is("existing", heat.IsSet(heat.ClusterAttr("fixed_network"), heat.TemplateAttr("fixed_network")))),
			heat.BoolFeature("tls_disabled", heat.IsTrue(heat.TemplateAttr("tls_disabled"))),
		},
		Registry: []heat.RegistryRule{
			heat.WhenFeature("network", "create", map[string]string{typeNetwork: "templates/network_private.yaml"}),
			heat.WhenFeature("network", "existing", map[string]string{typeNetwork: "templates/network_existing.yaml"}),
			heat.WhenFeature("master_lb", true, map[string]string{
				typeAPILB:      "templates/lb_api.yaml",
				typeEtcdLB:     "templates/lb_etcd.yaml",
				typePoolMember: "OS::Octavia::PoolMember",
			}),
			heat.WhenFeature("master_lb", false, map[string]string{
				typeAPILB:      "templates/lb_none.yaml",
				typeEtcdLB:     "templates/lb_none.yaml",
				typePoolMember: "OS::Heat::None",
			}),
			heat.WhenFeature("floating_ip", true, map[string]string{typeFloatingIP: "OS::Neutron::FloatingIP"}),
			heat.WhenFeature("floating_ip", false, map[string]string{typeFloatingIP: "OS::Heat::None"}),
			heat.WhenFeature("docker_volume", true, map[string]string{
				typeDockerVolume:     "OS::Cinder::Volume",
				typeDockerAttachment: "OS::Cinder::VolumeAttachment",
			}),
			heat.WhenFeature("docker_volume", false, map[string]string{
				typeDockerVolume:     "OS::Heat::None",
				typeDockerAttachment: "OS::Heat::None",
			}),
		},
		Params: []heat.ParamMapping{
			heat.RequiredParam("cluster_uuid", heat.String, heat.ClusterAttr("uuid")),
			heat.RequiredParam("name_prefix", heat.String, heat.Extra(extraNamePrefix)),
			heat.Param("ssh_key_name", heat.String, heat.ClusterAttr("keypair"), heat.TemplateAttr("keypair_id")),
			heat.RequiredParam("external_network", heat.String, heat.TemplateAttr("external_network_id")),
			heat.Param("fixed_network", heat.String, heat.ClusterAttr("fixed_network"), heat.TemplateAttr("fixed_network")),
			heat.Param("fixed_subnet", heat.String, heat.ClusterAttr("fixed_subnet"), heat.TemplateAttr("fixed_subnet")),
			heat.Param("fixed_subnet_cidr", heat.String, heat.Extra(extraSubnetCIDR)),
			heat.Param("dns_nameserver", heat.CommaDelimitedList, heat.TemplateAttr("dns_nameserver")),
			heat.RequiredParam("master_image", heat.String, master("image_id"), heat.TemplateAttr("image_id")),
			heat.RequiredParam("node_image", heat.String, worker("image_id"), heat.TemplateAttr("image_id")),
			heat.Param("master_flavor", heat.String, master("flavor_id"), heat.ClusterAttr("master_flavor_id"), heat.TemplateAttr("master_flavor_id")),
			heat.Param("node_flavor", heat.String, worker("flavor_id"), heat.ClusterAttr("flavor_id"), heat.TemplateAttr("flavor_id")),
			heat.RequiredParam("number_of_masters", heat.Number, master("node_count")),
			heat.RequiredParam("number_of_nodes", heat.Number, worker("node_count")),
			heat.Param("nodes_to_remove", heat.CommaDelimitedList, heat.Extra(extraNodesToRemove)),
			heat.Param("docker_volume_size", heat.Number, worker("docker_volume_size"), heat.ClusterAttr("docker_volume_size"), heat.TemplateAttr("docker_volume_size")),
			heat.Param("docker_volume_type", heat.String, heat.Label("docker_volume_type")),
			heat.Param("availability_zone", heat.String, heat.Label("availability_zone")),
			heat.Param("nodes_affinity_policy", heat.String, heat.Label("nodes_affinity_policy")),
			{Param: "swarm_port", Type: heat.Number, From: []heat.Source{heat.FeatureValue("tls_disabled")}, Transform: apiPort},
			heat.RequiredParam("flannel_network_cidr", heat.String, heat.Extra(extraFlannelCIDR)),
			heat.Param("wait_condition_timeout", heat.Number, heat.Extra(extraWaitTimeout)),
			heat.RequiredParam("node_env", heat.String, heat.Extra(extraNodeEnv)),
			heat.Param("ca_cert", heat.String, heat.Extra(extraCACert)),
			heat.Param("etcd_ca_cert", heat.String, heat.Extra(extraEtcdCACert)),
		},
		Outputs: []heat.OutputMapping{
			heat.MapOutput("api_address", heat.ClusterAttr("api_address"), heat.URL("tcp", APIPort)).OnlyWhen("tls_disabled", false),
			heat.MapOutput("api_address", heat.ClusterAttr("api_address"), heat.URL("tcp", InsecureAPIPort)).OnlyWhen("tls_disabled", true),
			heat.MapOutput("swarm_masters", heat.ClusterAttr("master_addresses"), heat.AddressList).OnlyWhen("floating_ip", true),
			heat.MapOutput("swarm_masters_private", heat.ClusterAttr("master_addresses"), heat.AddressList).OnlyWhen("floating_ip", false),
			heat.MapOutput("swarm_nodes", heat.ClusterAttr("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", true),
			heat.MapOutput("swarm_nodes_private", heat.ClusterAttr("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", false),
			heat.MapOutput("swarm_masters", master("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", true),
			heat.MapOutput("swarm_masters_private", master("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", false),
			heat.MapOutput("swarm_nodes", worker("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", true),
			heat.MapOutput("swarm_nodes_private", worker("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", false),
			// Known outputs that are not stored.
			heat.MapOutput("api_private_address", heat.Source{}, nil),
			heat.MapOutput("etcd_address", heat.Source{}, nil),
			heat.MapOutput("swarm_node_ids", heat.Source{}, nil),
			heat.MapParam("number_of_masters", master("node_count"), heat.Integer),
			heat.MapParam("number_of_nodes", worker("node_count"), heat.Integer),
		},
	}
}
