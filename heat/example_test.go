package heat_test

import (
	"fmt"
	"testing/fstest"

	"github.com/gomagnum/magnum/heat"
)

// A driver declares a definition over its embedded templates; the renderer
// turns inputs into a checked stack request. The load balancer is a
// structural choice made in the template text; the cluster's name is a
// user value and reaches Heat only as a parameter.
func Example() {
	templates := fstest.MapFS{
		"cluster.tmpl.yaml": {Data: []byte(`heat_template_version: rocky
parameters:
  cluster_name: {type: string}
  node_count: {type: number, default: 1}
resources:
  nodes:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: node_count}
      resource_def:
        type: OS::Nova::Server
        properties:
          name: {list_join: ['-', [{get_param: cluster_name}, '%index%']]}
{{- if .master_lb }}
  api_lb:
    type: OS::Octavia::LoadBalancer
    properties: {vip_subnet: private}
{{- end }}
outputs:
  api_address:
{{- if .master_lb }}
    value: {get_attr: [api_lb, vip_address]}
{{- else }}
    value: {get_attr: [nodes, resource.0.first_address]}
{{- end }}
`)},
	}
	def := heat.Definition{
		Name:     "example",
		Template: "cluster.yaml",
		Features: []heat.Feature{
			heat.BoolFeature("master_lb", heat.IsTrue(heat.ClusterAttr("master_lb_enabled"), heat.TemplateAttr("master_lb_enabled"))),
		},
		Params: []heat.ParamMapping{
			heat.RequiredParam("cluster_name", heat.String, heat.ClusterAttr("name")),
			heat.Param("node_count", heat.Number, heat.NodeGroupAttr("worker", "node_count")),
		},
		Outputs: []heat.OutputMapping{
			heat.MapOutput("api_address", heat.ClusterAttr("api_address"), heat.URL("https", 6443)),
		},
	}
	r, err := heat.NewRenderer(templates, def)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := r.Render(heat.Inputs{
		Template:   heat.Attrs{"master_lb_enabled": true},
		Cluster:    heat.Attrs{"name": "demo: {get_param: x}"},
		NodeGroups: map[string]heat.Attributes{"worker": heat.Attrs{"node_count": 3}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	tpl, _ := heat.ParseTemplate("cluster.yaml", out.Request.Template)
	fmt.Println("load balancer:", tpl.Resources["api_lb"] != nil)
	fmt.Println("parameters:", out.Request.Parameters)
	fmt.Println("outputs read back:", out.Outputs)

	// Later, with the stack's outputs from Heat:
	vals, _ := def.ApplyOutputs(&heat.Stack{Outputs: map[string]any{"api_address": "172.24.4.10"}}, out.Features)
	fmt.Println("api_address:", vals.Cluster["api_address"])
	// Output:
	// load balancer: true
	// parameters: map[cluster_name:demo: {get_param: x} node_count:3]
	// outputs read back: [api_address]
	// api_address: https://172.24.4.10:6443
}

// Check reports every problem of a stack request at once, with the file and
// the path of each.
func ExampleCheck() {
	err := heat.Check(heat.StackRequest{
		Template: []byte(`heat_template_version: rocky
resources:
  server:
    type: node.yaml
    properties:
      image: {get_param: image}
`),
		Parameters: map[string]any{"flavor": "m1.small"},
	}, []string{"api_address"})
	fmt.Println(err)
	// Output:
	// template: resources.server.properties.image.get_param: get_param "image" is not a declared parameter
	// template: resources.server.type: nested template "node.yaml" is not in files
	// template: outputs: output "api_address" that the driver maps is not defined
	// parameters: flavor: not a parameter of template
}
