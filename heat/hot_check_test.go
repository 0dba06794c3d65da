package heat

import (
	"errors"
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

const checkTop = `
heat_template_version: rocky
parameters:
  count: {type: number, default: 1}
  image: {type: string}
  flavor: {type: string, default: m1.small, constraints: [{allowed_values: [m1.small, m1.large]}]}
resources:
  cfg:
    type: OS::Heat::SoftwareConfig
    properties:
      config: {get_file: fragments/boot.sh}
  nodes:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: count}
      resource_def:
        type: node.yaml
        properties:
          image: {get_param: image}
          flavor: {get_param: flavor}
          config: {get_resource: cfg}
  lb:
    type: Example::LB
    properties:
      subnet: x
outputs:
  addresses: {value: {get_attr: [nodes, ip]}}
  first: {value: {get_attr: [nodes, resource.0.ip]}}
  lb_ip: {value: {get_attr: [lb, vip]}}
`

const checkNode = `
heat_template_version: rocky
parameters:
  image: {type: string}
  flavor: {type: string}
  config: {type: string}
  key: {type: string}
resources:
  server:
    type: OS::Nova::Server
    properties:
      image: {get_param: image}
      flavor: {get_param: flavor}
      key_name: {get_param: key}
      user_data: {get_param: config}
outputs:
  ip: {value: {get_attr: [server, first_address]}}
`

const checkLB = `
heat_template_version: rocky
parameters:
  subnet: {type: string}
resources:
  lb: {type: OS::Octavia::LoadBalancer, properties: {vip_subnet: {get_param: subnet}}}
outputs:
  vip: {value: {get_attr: [lb, vip_address]}}
`

const checkEnv = `
resource_registry:
  Example::LB: lb.yaml
parameter_defaults:
  key: mykey
`

func checkRequest() StackRequest {
	return StackRequest{
		Name:     "demo",
		Template: []byte(checkTop),
		Files: map[string]string{
			"node.yaml":          checkNode,
			"lb.yaml":            checkLB,
			"fragments/boot.sh":  "#!/bin/sh\ntrue\n",
			"unused/notes.txt":   "not referenced; harmless",
			"not-a-template.txt": "{{",
		},
		Environment: []byte(checkEnv),
		Parameters:  map[string]any{"image": "fedora", "count": "3"},
	}
}

func TestCheckGood(t *testing.T) {
	require.NoError(t, CheckNamed("top.yaml", checkRequest(), []string{"addresses", "lb_ip"}))
	require.NoError(t, Check(checkRequest(), nil))
}

func TestCheckProblems(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(r *StackRequest)
		outputs []string
		want    []string
	}{
		{"missing nested template", func(r *StackRequest) { delete(r.Files, "node.yaml") },
			nil, []string{`top.yaml: resources.nodes.properties.resource_def.type: nested template "node.yaml" is not in files`}},
		{"missing get_file", func(r *StackRequest) { delete(r.Files, "fragments/boot.sh") },
			nil, []string{`top.yaml: resources.cfg.properties.config.get_file: get_file "fragments/boot.sh" is not in files`}},
		{"missing registry file", func(r *StackRequest) { delete(r.Files, "lb.yaml") },
			nil, []string{`environment: resource_registry.Example::LB: template "lb.yaml" is not in files`}},
		{"missing output", nil, []string{"api_address"},
			[]string{`top.yaml: outputs: output "api_address" that the driver maps is not defined`}},
		{"undeclared parameter passed", func(r *StackRequest) { r.Parameters["imag"] = "x" },
			nil, []string{`parameters: imag: not a parameter of top.yaml`}},
		{"wrong parameter type", func(r *StackRequest) { r.Parameters["count"] = "many" },
			nil, []string{`parameters: count: parameter count is a number, got a string`}},
		{"constraint", func(r *StackRequest) { r.Parameters["flavor"] = "m1.huge" },
			nil, []string{`parameters: flavor: parameter flavor must be one of the allowed values`}},
		{"required parameter missing", func(r *StackRequest) { delete(r.Parameters, "image") },
			nil, []string{`parameters: image: top.yaml needs a value`}},
		{"nested parameter without value", func(r *StackRequest) { r.Environment = []byte("resource_registry: {Example::LB: lb.yaml}") },
			nil, []string{`top.yaml: resources.nodes.properties.resource_def.properties: node.yaml needs parameter "key" (it has no default)`}},
		{"unknown nested property", func(r *StackRequest) {
			r.Files["node.yaml"] = checkNode[:len(checkNode)-len("outputs:\n  ip: {value: {get_attr: [server, first_address]}}\n")] +
				"outputs:\n  ipv4: {value: {get_attr: [server, first_address]}}\n"
			r.Files["lb.yaml"] = "heat_template_version: rocky\nresources: {}\noutputs: {vip: {value: 1}}\n"
		}, nil, []string{
			`top.yaml: resources.lb.properties.subnet: "subnet" is not a parameter of lb.yaml`,
			`top.yaml: outputs.addresses.value.get_attr: get_attr nodes.ip: members (node.yaml) have no output "ip"`,
			`top.yaml: outputs.first.value.get_attr: get_attr nodes.resource.0.ip: node.yaml has no output "ip"`,
		}},
		{"nested template problems are reported with their file", func(r *StackRequest) {
			r.Files["lb.yaml"] = "heat_template_version: rocky\nparameters: {subnet: {type: string}}\nresources:\n  lb: {type: OS::Octavia::LoadBalancer, properties: {vip_subnet: {get_param: net}}}\noutputs: {vip: {value: 1}}\n"
		}, nil, []string{`lb.yaml: resources.lb.properties.vip_subnet.get_param: get_param "net" is not a declared parameter`}},
		{"yml is not a template for heat", func(r *StackRequest) {
			r.Environment = []byte("resource_registry: {Example::LB: lb.yml}\nparameter_defaults: {key: k}")
			r.Files["lb.yml"] = checkLB
		}, nil, []string{`environment: resource_registry.Example::LB: "lb.yml": Heat treats only .yaml and .template names as templates`}},
		{"self nesting", func(r *StackRequest) {
			r.Files["lb.yaml"] = "heat_template_version: rocky\nparameters: {subnet: {type: string}}\nresources:\n  again: {type: lb.yaml, properties: {subnet: {get_param: subnet}}}\noutputs: {vip: {value: 1}}\n"
		}, nil, []string{`lb.yaml: resources.again.type: template "lb.yaml" nests itself (lb.yaml -> lb.yaml)`}},
		{"environment problems", func(r *StackRequest) {
			r.Environment = []byte("resource_registry: {Example::LB: lb.yaml, X: 3}\nparameter_defaults: {key: k, kye: k}\nparameters: {nope: 1}\nresources: {}\n")
		}, nil, []string{
			`environment: resource_registry.X: must map to a resource type or a template file`,
			`environment: resources: unknown environment section`,
			`environment: parameter_defaults.kye: "kye" is not a parameter of any template of the stack`,
			`parameters: environment parameters.nope: not a parameter of top.yaml`,
		}},
		{"top-level not yaml", func(r *StackRequest) { r.Template = []byte("{") },
			nil, []string{`top.yaml: not valid YAML`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := checkRequest()
			req.Files = maps.Clone(req.Files)
			if tc.mutate != nil {
				tc.mutate(&req)
			}
			err := CheckNamed("top.yaml", req, tc.outputs)
			require.Error(t, err)
			assert.True(t, errors.Is(err, errdefs.ErrInvalid))
			probs := errdefs.Problems(err)
			require.Len(t, probs, len(tc.want), "problems: %v", err)
			for i, want := range tc.want {
				assert.Contains(t, probs[i].Error(), want)
			}
		})
	}
}

func TestEnvironmentResolveType(t *testing.T) {
	env, err := ParseEnvironment("env.yaml", []byte(`
resource_registry:
  "OS::Nova::*": "OS::Heat::None"
  "OS::Nova::Server": fake-server.yaml
  "Magnum::Optional::Neutron::FloatingIP": "OS::Neutron::FloatingIP"
  "OS::Neutron::FloatingIP": "OS::Heat::None"
  "My::Old::*": "My::New::*"
  resources:
    special:
      "OS::Nova::Server": real-server.yaml
      hooks: [pre-create]
`))
	require.NoError(t, err)
	assert.Equal(t, "OS::Heat::None", env.ResolveType("any", "OS::Nova::Server"), "the glob sorts first and wins, as in Heat")
	assert.Equal(t, "real-server.yaml", env.ResolveType("special", "OS::Nova::Server"))
	assert.Equal(t, "OS::Heat::None", env.ResolveType("fip", "Magnum::Optional::Neutron::FloatingIP"), "chains are followed")
	assert.Equal(t, "My::New::Thing", env.ResolveType("x", "My::Old::Thing"))
	assert.Equal(t, "OS::Cinder::Volume", env.ResolveType("x", "OS::Cinder::Volume"))
	var none *Environment
	assert.Equal(t, "OS::Cinder::Volume", none.ResolveType("x", "OS::Cinder::Volume"))
}
