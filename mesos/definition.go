package mesos

import (
	"embed"
	"io/fs"

	"github.com/gomagnum/magnum/heat"
)

// The Heat templates (templates/) and the node scripts they send with
// get_file (scripts/), as one file system: templates refer to each other
// as "templates/<name>.yaml" and to scripts as "scripts/<name>".
//
//go:embed templates scripts
var files embed.FS

// Templates returns the driver's template file system: the Heat templates
// under templates/ (cluster.yaml at the top; Go templates are stored as
// *.tmpl.yaml) and the node scripts under scripts/.
func Templates() fs.FS { return files }

// Custom resource types the environment maps per variant.
const (
	typeNetwork          = "GoMagnum::Network"
	typeAPILB            = "GoMagnum::APILoadBalancer"
	typePoolMember       = "GoMagnum::Optional::PoolMember"
	typeFloatingIP       = "GoMagnum::Optional::FloatingIP"
	typeDockerVolume     = "GoMagnum::Optional::DockerVolume"
	typeDockerAttachment = "GoMagnum::Optional::DockerVolumeAttachment"
)

// Extra values the driver computes.
const (
	extraNamePrefix     = "name_prefix"
	extraSubnetCIDR     = "fixed_subnet_cidr"
	extraSlavesToRemove = "slaves_to_remove"
	extraWaitTimeout    = "wait_condition_timeout"
	extraNodeEnv        = "node_env"
	extraSecretEnv      = "secret_env"
)

// Node group roles as the definition names them.
const (
	ngMaster = "master"
	ngWorker = "worker"
)

// MarathonPort is where Marathon (the cluster's API) listens, on the
// masters and on the API load balancer; MasterPort is the Mesos masters'
// HTTP port (state, leader), SlavePort the slaves'.
const (
	MarathonPort = 8080
	MasterPort   = 5050
	SlavePort    = 5051
)

// definition is the Heat definition of the Mesos driver.
//
// Features (the structural choices; nothing else reaches template text):
//   - master_lb, floating_ip: the cluster's setting, else the template's;
//   - lb_floating_ip: a master LB and label master_lb_floating_ip_enabled,
//     else floating_ip;
//   - docker_volume: a docker volume size of the worker group, the cluster
//     or the template (the slaves get a Cinder volume for docker);
//   - network: "existing" when the cluster or template names a fixed
//     network, else "create".
func definition() heat.Definition {
	master := func(attr string) heat.Source { return heat.NodeGroupAttr(ngMaster, attr) }
	worker := func(attr string) heat.Source { return heat.NodeGroupAttr(ngWorker, attr) }
	return heat.Definition{
		Name:     "mesos_ubuntu_v1",
		Template: "templates/cluster.yaml",
		Features: []heat.Feature{
			heat.BoolFeature("master_lb", heat.IsTrue(heat.ClusterAttr("master_lb_enabled"), heat.TemplateAttr("master_lb_enabled"))),
			heat.BoolFeature("floating_ip", heat.IsTrue(heat.ClusterAttr("floating_ip_enabled"), heat.TemplateAttr("floating_ip_enabled"))),
			heat.BoolFeature("lb_floating_ip", heat.All(
				heat.IsTrue(heat.FeatureValue("master_lb")),
				heat.IsTrue(heat.Label("master_lb_floating_ip_enabled"), heat.FeatureValue("floating_ip")))),
			heat.BoolFeature("docker_volume", heat.IsSet(worker("docker_volume_size"), heat.ClusterAttr("docker_volume_size"), heat.TemplateAttr("docker_volume_size"))),
			heat.EnumFeature("network", []string{"create", "existing"}, "create",
				heat.Is("existing", heat.IsSet(heat.ClusterAttr("fixed_network"), heat.TemplateAttr("fixed_network")))),
		},
		Registry: []heat.RegistryRule{
			heat.WhenFeature("network", "create", map[string]string{typeNetwork: "templates/network_private.yaml"}),
			heat.WhenFeature("network", "existing", map[string]string{typeNetwork: "templates/network_existing.yaml"}),
			heat.WhenFeature("master_lb", true, map[string]string{
				typeAPILB:      "templates/lb_api.yaml",
				typePoolMember: "OS::Octavia::PoolMember",
			}),
			heat.WhenFeature("master_lb", false, map[string]string{
				typeAPILB:      "templates/lb_none.yaml",
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
			heat.RequiredParam("slave_image", heat.String, worker("image_id"), heat.TemplateAttr("image_id")),
			heat.Param("master_flavor", heat.String, master("flavor_id"), heat.ClusterAttr("master_flavor_id"), heat.TemplateAttr("master_flavor_id")),
			heat.Param("slave_flavor", heat.String, worker("flavor_id"), heat.ClusterAttr("flavor_id"), heat.TemplateAttr("flavor_id")),
			heat.RequiredParam("number_of_masters", heat.Number, master("node_count")),
			heat.RequiredParam("number_of_slaves", heat.Number, worker("node_count")),
			heat.Param("slaves_to_remove", heat.CommaDelimitedList, heat.Extra(extraSlavesToRemove)),
			heat.Param("docker_volume_size", heat.Number, worker("docker_volume_size"), heat.ClusterAttr("docker_volume_size"), heat.TemplateAttr("docker_volume_size")),
			heat.Param("docker_volume_type", heat.String, heat.Label("docker_volume_type")),
			heat.Param("availability_zone", heat.String, heat.Label("availability_zone")),
			heat.Param("wait_condition_timeout", heat.Number, heat.Extra(extraWaitTimeout)),
			heat.RequiredParam("node_env", heat.String, heat.Extra(extraNodeEnv)),
			heat.RequiredParam("secret_env", heat.String, heat.Extra(extraSecretEnv)),
		},
		Outputs: []heat.OutputMapping{
			heat.MapOutput("api_address", heat.ClusterAttr("api_address"), heat.URL("http", MarathonPort)),
			heat.MapOutput("mesos_master", heat.ClusterAttr("master_addresses"), heat.AddressList).OnlyWhen("floating_ip", true),
			heat.MapOutput("mesos_master_private", heat.ClusterAttr("master_addresses"), heat.AddressList).OnlyWhen("floating_ip", false),
			heat.MapOutput("mesos_slaves", heat.ClusterAttr("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", true),
			heat.MapOutput("mesos_slaves_private", heat.ClusterAttr("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", false),
			heat.MapOutput("mesos_master", master("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", true),
			heat.MapOutput("mesos_master_private", master("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", false),
			heat.MapOutput("mesos_slaves", worker("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", true),
			heat.MapOutput("mesos_slaves_private", worker("node_addresses"), heat.AddressList).OnlyWhen("floating_ip", false),
			// Known outputs that are not stored: the scale-down choice and
			// the health monitor read them.
			heat.MapOutput("api_private_address", heat.Source{}, nil),
			heat.MapOutput("mesos_master_private", heat.Source{}, nil),
			heat.MapOutput("mesos_slaves_private", heat.Source{}, nil),
			heat.MapOutput("mesos_slave_ids", heat.Source{}, nil),
			heat.MapOutput("mesos_slave_members", heat.Source{}, nil),
			heat.MapParam("number_of_masters", master("node_count"), heat.Integer),
			heat.MapParam("number_of_slaves", worker("node_count"), heat.Integer),
		},
	}
}
