package k8s

import (
	"embed"
	"io/fs"
	"slices"

	"github.com/gomagnum/magnum/heat"
)

// The Heat templates (templates/) and the node scripts they send with
// get_file (scripts/), as one file system: templates refer to each other
// as "templates/<name>.yaml" and to scripts as "scripts/<name>".
//
//go:embed templates scripts
var files embed.FS

// Templates returns the drivers' template file system: the Heat templates
// under templates/ (cluster.yaml at the top; Go templates are stored as
// *.tmpl.yaml) and the node scripts under scripts/.
func Templates() fs.FS { return files }

// Distro values of the "distro" feature.
const (
	distroFedoraAtomic = "fedora_atomic"
	distroCoreOS       = "coreos"
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
	typeEtcdVolume       = "GoMagnum::Optional::EtcdVolume"
	typeEtcdAttachment   = "GoMagnum::Optional::EtcdVolumeAttachment"
)

// Extra values RenderCluster computes.
const (
	extraNamePrefix    = "name_prefix"
	extraSubnetCIDR    = "fixed_subnet_cidr"
	extraPodsCIDR      = "pods_network_cidr"
	extraNodesToRemove = "nodes_to_remove"
	extraBatchSize     = "max_batch_size"
	extraWaitTimeout   = "wait_condition_timeout"
	extraNodeEnv       = "node_env"
	extraMasterEnv     = "master_env"
	extraCACert        = "ca_cert"
	extraEtcdCACert    = "etcd_ca_cert"
	extraFrontProxyCA  = "front_proxy_ca_cert"
)

// Node group roles as the definition names them.
const (
	ngMaster = "master"
	ngWorker = "worker"
)

// definition is the Heat definition of a Kubernetes driver for one distro.
//
// Features (the structural choices; nothing else reaches template text):
//   - distro: fedora_atomic (multipart MIME user data) or coreos
//     (cloud-config with a bootstrap unit), fixed per driver;
//   - master_lb, floating_ip: the cluster's setting, else the template's;
//   - lb_floating_ip: a master LB and label master_lb_floating_ip_enabled,
//     else floating_ip;
//   - lb_monitor: a master LB and label octavia_lb_healthcheck (default true);
//   - docker_volume: a docker volume size of the worker group, the cluster
//     or the template;
//   - etcd_volume: label etcd_volume_size ≥ 1;
//   - network: "existing" when the cluster or template names a fixed
//     network, else "create";
//   - tls_disabled: the template's tls_disabled;
//   - network_driver: flannel or calico (security group rules differ).
func definition(distro string) heat.Definition {
	apiPort := func(v any) (any, error) {
		if disabled, _ := v.(bool); disabled {
			return insecurePort, nil
		}
		return securePort, nil
	}
	return heat.Definition{
		Name:     "k8s_" + distro + "_v1",
		Template: "templates/cluster.yaml",
		Features: []heat.Feature{
			heat.EnumFeature("distro", []string{distroFedoraAtomic, distroCoreOS}, distro),
			heat.MasterLBFeature(),
			heat.FloatingIPFeature(),
			heat.LBFloatingIPFeature(),
			heat.BoolFeature("lb_monitor", heat.All(
				heat.IsTrue(heat.FeatureValue("master_lb")),
				heat.IsTrue(heat.Label("octavia_lb_healthcheck"), heat.Constant(true)))),
			heat.DockerVolumeFeature(ngWorker),
			heat.BoolFeature("etcd_volume", heat.AtLeast(1, heat.Label("etcd_volume_size"))),
			heat.NetworkFeature(),
			heat.BoolFeature("tls_disabled", heat.IsTrue(heat.TemplateAttr("tls_disabled"))),
			heat.EnumFeature("network_driver", []string{"flannel", "calico"}, "flannel",
				heat.Is("calico", heat.Equals("calico", heat.TemplateAttr("network_driver")))),
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
			heat.OptionalRules("etcd_volume", map[string]string{
				typeEtcdVolume:     "OS::Cinder::Volume",
				typeEtcdAttachment: "OS::Cinder::VolumeAttachment",
			}),
		),
		Params: slices.Concat(heat.NetworkParams(), heat.ServerParams("minion", ngMaster, ngWorker, extraNodesToRemove), []heat.ParamMapping{
			heat.Param("docker_volume_type", heat.String, heat.Label("docker_volume_type")),
			heat.Param("etcd_volume_size", heat.Number, heat.Label("etcd_volume_size")),
			heat.Param("etcd_volume_type", heat.String, heat.Label("etcd_volume_type")),
			heat.Param("availability_zone", heat.String, heat.Label("availability_zone")),
			heat.Param("nodes_affinity_policy", heat.String, heat.Label("nodes_affinity_policy")),
			{Param: "kubernetes_port", Type: heat.Number, From: []heat.Source{heat.FeatureValue("tls_disabled")}, Transform: apiPort},
			heat.RequiredParam("pods_network_cidr", heat.String, heat.Extra(extraPodsCIDR)),
			heat.Param("master_lb_allowed_cidrs", heat.CommaDelimitedList, heat.Label("master_lb_allowed_cidrs")),
			heat.Param("octavia_lb_algorithm", heat.String, heat.Label("octavia_lb_algorithm")),
			heat.Param("update_max_batch_size", heat.Number, heat.Extra(extraBatchSize)),
			heat.Param("wait_condition_timeout", heat.Number, heat.Extra(extraWaitTimeout)),
			heat.RequiredParam("node_env", heat.String, heat.Extra(extraNodeEnv)),
			heat.Param("master_env", heat.String, heat.Extra(extraMasterEnv)),
			heat.Param("ca_cert", heat.String, heat.Extra(extraCACert)),
			heat.Param("etcd_ca_cert", heat.String, heat.Extra(extraEtcdCACert)),
			heat.Param("front_proxy_ca_cert", heat.String, heat.Extra(extraFrontProxyCA)),
		}),
		Outputs: slices.Concat([]heat.OutputMapping{
			heat.MapOutput("api_address", heat.ClusterAttr("api_address"), heat.URL("https", securePort)).OnlyWhen("tls_disabled", false),
			heat.MapOutput("api_address", heat.ClusterAttr("api_address"), heat.URL("http", insecurePort)).OnlyWhen("tls_disabled", true),
		},
			heat.AddressOutputs([2]string{"kube_masters", "kube_masters_private"}, [2]string{"kube_minions", "kube_minions_private"}, ngMaster, ngWorker),
			[]heat.OutputMapping{
				// Known outputs that are not stored: the scale-down choice and
				// the health monitor read them.
				heat.MapOutput("api_private_address", heat.Source{}, nil),
				heat.MapOutput("kube_master_ids", heat.Source{}, nil),
				heat.MapOutput("kube_minion_ids", heat.Source{}, nil),
				heat.MapOutput("kube_minion_members", heat.Source{}, nil),
				heat.MapOutput("kube_minion_names", heat.Source{}, nil),
			},
			heat.CountOutputs("number_of_masters", "number_of_minions", ngMaster, ngWorker),
		),
	}
}

// The Kubernetes API ports: TLS, and the plain HTTP endpoint of clusters
// with TLS disabled.
const (
	securePort   = 6443
	insecurePort = 8080
)
