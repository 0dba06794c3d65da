package swarm

import (
	"slices"

	"github.com/gomagnum/magnum/heat"
)

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
			heat.MasterLBFeature(),
			heat.FloatingIPFeature(),
			heat.BoolFeature("lb_floating_ip", heat.All(heat.IsTrue(heat.FeatureValue("master_lb")), heat.IsTrue(heat.FeatureValue("floating_ip")))),
			heat.DockerVolumeFeature(ngWorker),
			heat.NetworkFeature(),
			heat.BoolFeature("tls_disabled", heat.IsTrue(heat.TemplateAttr("tls_disabled"))),
		},
		Registry: slices.Concat(heat.NetworkRules(typeNetwork), []heat.RegistryRule{
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
		},
			heat.OptionalRules("floating_ip", map[string]string{typeFloatingIP: "OS::Neutron::FloatingIP"}),
			heat.OptionalRules("docker_volume", map[string]string{
				typeDockerVolume:     "OS::Cinder::Volume",
				typeDockerAttachment: "OS::Cinder::VolumeAttachment",
			}),
		),
		Params: slices.Concat(heat.NetworkParams(), heat.ServerParams("node", ngMaster, ngWorker, extraNodesToRemove), []heat.ParamMapping{
			heat.Param("docker_volume_type", heat.String, heat.Label("docker_volume_type")),
			heat.Param("availability_zone", heat.String, heat.Label("availability_zone")),
			heat.Param("nodes_affinity_policy", heat.String, heat.Label("nodes_affinity_policy")),
			{Param: "swarm_port", Type: heat.Number, From: []heat.Source{heat.FeatureValue("tls_disabled")}, Transform: apiPort},
			heat.RequiredParam("flannel_network_cidr", heat.String, heat.Extra(extraFlannelCIDR)),
			heat.Param("wait_condition_timeout", heat.Number, heat.Extra(extraWaitTimeout)),
			heat.RequiredParam("node_env", heat.String, heat.Extra(extraNodeEnv)),
			heat.Param("ca_cert", heat.String, heat.Extra(extraCACert)),
			heat.Param("etcd_ca_cert", heat.String, heat.Extra(extraEtcdCACert)),
		}),
		Outputs: slices.Concat([]heat.OutputMapping{
			heat.MapOutput("api_address", heat.ClusterAttr("api_address"), heat.URL("tcp", APIPort)).OnlyWhen("tls_disabled", false),
			heat.MapOutput("api_address", heat.ClusterAttr("api_address"), heat.URL("tcp", InsecureAPIPort)).OnlyWhen("tls_disabled", true),
		},
			heat.AddressOutputs([2]string{"swarm_masters", "swarm_masters_private"}, [2]string{"swarm_nodes", "swarm_nodes_private"}, ngMaster, ngWorker),
			[]heat.OutputMapping{
				// Known outputs that are not stored.
				heat.MapOutput("api_private_address", heat.Source{}, nil),
				heat.MapOutput("etcd_address", heat.Source{}, nil),
				heat.MapOutput("swarm_node_ids", heat.Source{}, nil),
			},
			heat.CountOutputs("number_of_masters", "number_of_nodes", ngMaster, ngWorker),
		),
	}
}
