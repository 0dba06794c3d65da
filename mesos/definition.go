package mesos

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
	return heat.Definition{
		Name:     "mesos_ubuntu_v1",
		Template: "templates/cluster.yaml",
		Features: []heat.Feature{
			heat.MasterLBFeature(),
			heat.FloatingIPFeature(),
			heat.LBFloatingIPFeature(),
			heat.DockerVolumeFeature(ngWorker),
			heat.NetworkFeature(),
		},
		Registry: slices.Concat(heat.NetworkRules(typeNetwork), []heat.RegistryRule{
			heat.WhenFeature("master_lb", true, map[string]string{
				typeAPILB:      "templates/lb_api.yaml",
				typePoolMember: "OS::Octavia::PoolMember",
			}),
			heat.WhenFeature("master_lb", false, map[string]string{
				typeAPILB:      "templates/lb_none.yaml",
				typePoolMember: "OS::Heat::None",
			}),
		},
			heat.OptionalRules("floating_ip", map[string]string{typeFloatingIP: "OS::Neutron::FloatingIP"}),
			heat.OptionalRules("docker_volume", map[string]string{
				typeDockerVolume:     "OS::Cinder::Volume",
				typeDockerAttachment: "OS::Cinder::VolumeAttachment",
			}),
		),
		Params: slices.Concat(heat.NetworkParams(), heat.ServerParams("slave", ngMaster, ngWorker, extraSlavesToRemove), []heat.ParamMapping{
			heat.Param("docker_volume_type", heat.String, heat.Label("docker_volume_type")),
			heat.Param("availability_zone", heat.String, heat.Label("availability_zone")),
			heat.Param("wait_condition_timeout", heat.Number, heat.Extra(extraWaitTimeout)),
			heat.RequiredParam("node_env", heat.String, heat.Extra(extraNodeEnv)),
			heat.RequiredParam("secret_env", heat.String, heat.Extra(extraSecretEnv)),
		}),
		Outputs: slices.Concat([]heat.OutputMapping{
			heat.MapOutput("api_address", heat.ClusterAttr("api_address"), heat.URL("http", MarathonPort)),
		},
			heat.AddressOutputs([2]string{"mesos_master", "mesos_master_private"}, [2]string{"mesos_slaves", "mesos_slaves_private"}, ngMaster, ngWorker),
			[]heat.OutputMapping{
				// Known outputs that are not stored: the scale-down choice and
				// the health monitor read them.
				heat.MapOutput("api_private_address", heat.Source{}, nil),
				heat.MapOutput("mesos_master_private", heat.Source{}, nil),
				heat.MapOutput("mesos_slaves_private", heat.Source{}, nil),
				heat.MapOutput("mesos_slave_ids", heat.Source{}, nil),
				heat.MapOutput("mesos_slave_members", heat.Source{}, nil),
			},
			heat.CountOutputs("number_of_masters", "number_of_slaves", ngMaster, ngWorker),
		),
	}
}
