package heat

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

const goodTemplate = `
heat_template_version: 2018-08-31
description: a small stack
parameters:
  name: {type: string, default: demo}
  count:
    type: number
    default: 2
    constraints:
      - range: {min: 0, max: 10}
  lb_enabled: {type: boolean, default: false}
  dns: {type: comma_delimited_list, default: "8.8.8.8, 1.1.1.1"}
  meta: {type: json, default: {a: 1}}
  flavor:
    type: string
    constraints:
      - allowed_pattern: "[a-z0-9.]+"
conditions:
  lb: {equals: [{get_param: lb_enabled}, true]}
  no_lb: {not: lb}
resources:
  net:
    type: OS::Neutron::Net
    properties:
      name: {list_join: ['-', [{get_param: name}, net]]}
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.0.0.0/24
      dns_nameservers: {get_param: dns}
  lb:
    type: OS::Octavia::LoadBalancer
    condition: lb
    properties:
      vip_subnet: {get_resource: subnet}
  group:
    type: OS::Heat::ResourceGroup
    depends_on: subnet
    properties:
      count: {get_param: count}
      resource_def:
        type: OS::Nova::Server
        properties:
          name: {str_replace: {template: "$N-%index%", params: {$N: {get_param: name}}}}
          flavor: {get_param: flavor}
outputs:
  api_address:
    value: {if: [lb, {get_attr: [lb, vip_address]}, {get_attr: [group, resource.0.first_address]}]}
  names:
    value: {get_attr: [group, name]}
`

func TestParseTemplateGood(t *testing.T) {
	tpl, err := ParseTemplate("good.yaml", []byte(goodTemplate))
	require.NoError(t, err)

	assert.Equal(t, "2018-08-31", tpl.Version)
	assert.Equal(t, "a small stack", tpl.Description)
	require.Len(t, tpl.Parameters, 6)
	assert.Equal(t, "number", tpl.Parameters["count"].Type)
	assert.Equal(t, 2, tpl.Parameters["count"].Default)
	assert.Equal(t, []string{"8.8.8.8", "1.1.1.1"}, tpl.Parameters["dns"].Default)
	assert.Equal(t, map[string]any{"a": 1}, tpl.Parameters["meta"].Default)
	assert.False(t, tpl.Parameters["flavor"].HasDefault)
	require.Len(t, tpl.Parameters["count"].Constraints, 1)
	assert.Equal(t, 10.0, *tpl.Parameters["count"].Constraints[0].Range.Max)

	group := tpl.Resources["group"]
	require.NotNil(t, group)
	assert.Equal(t, "OS::Heat::ResourceGroup", group.Type)
	assert.Equal(t, []string{"subnet"}, group.DependsOn)
	require.NotNil(t, group.Member)
	assert.Equal(t, "OS::Nova::Server", group.Member.Type)
	assert.Contains(t, group.Member.Properties, "flavor")

	assert.Equal(t, []string{"net"}, tpl.Resources["subnet"].Requires)
	assert.Equal(t, []string{"subnet"}, tpl.Resources["lb"].Requires)
	assert.Equal(t, "lb", tpl.Resources["lb"].Condition)
	assert.Nil(t, tpl.Resources["net"].Condition)

	require.Contains(t, tpl.Outputs, "api_address")
	fn, args, ok := Intrinsic(tpl.Outputs["api_address"].Value)
	require.True(t, ok)
	assert.Equal(t, "if", fn)
	assert.Len(t, args, 3)
	assert.Contains(t, tpl.Conditions, "no_lb")
}

func TestParseTemplateYAMLQuirks(t *testing.T) {
	tpl, err := ParseTemplate("q.yaml", []byte(`
heat_template_version: queens
parameters:
  a: &p {type: boolean, default: yes}
  b: *p
  c:
    <<: *p
    default: off
  d: {type: string, default: "yes"}
  e: {type: string, default: !!str on}
resources: {}
outputs:
  plain: {value: [yes, no, on, off]}
`))
	require.NoError(t, err)
	assert.Equal(t, "queens", tpl.Version)
	assert.Equal(t, true, tpl.Parameters["a"].Default, "PyYAML reads yes as true, so does Heat")
	assert.Equal(t, true, tpl.Parameters["b"].Default)
	assert.Equal(t, false, tpl.Parameters["c"].Default)
	assert.Equal(t, "boolean", tpl.Parameters["c"].Type)
	assert.Equal(t, "yes", tpl.Parameters["d"].Default, "a quoted yes stays text")
	assert.Equal(t, "on", tpl.Parameters["e"].Default, "an explicitly tagged on stays text")
	assert.Equal(t, []any{true, false, true, false}, tpl.Outputs["plain"].Value)

	// JSON is YAML.
	tpl, err = ParseTemplate("j.json", []byte(`{"heat_template_version": "2016-10-14", "resources": {"x": {"type": "OS::Heat::None"}}}`))
	require.NoError(t, err)
	assert.Equal(t, "OS::Heat::None", tpl.Resources["x"].Type)
}

func TestParseTemplateProblems(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // substrings, each of a distinct problem
	}{
		{"not yaml", "heat_template_version: [", []string{"bad.yaml: not valid YAML"}},
		{"empty", "  \n", []string{"empty document"}},
		{"list", "- a", []string{"a template must be a mapping"}},
		{"recursive alias", "a: &a [b, *a]", []string{"alias *a refers to a node that contains it"}},
		{"alias bomb", aliasBomb(), []string{"document expands to more than"}},
		{"too deep", "a: " + strings.Repeat("[", 300) + strings.Repeat("]", 300), []string{"nested deeper than 256 levels"}},
		{"two docs", "heat_template_version: queens\n---\na: 1\n", []string{"more than one YAML document"}},
		{"duplicate key", "heat_template_version: queens\nresources: {}\nresources: {}\n", []string{`duplicate key "resources"`}},
		{"no version", "resources: {}", []string{"heat_template_version: missing"}},
		{"bad version", "heat_template_version: zed", []string{`heat_template_version: "zed" is not a HOT version Heat 19 accepts`}},
		{"unknown section", "heat_template_version: queens\nmappings: {}", []string{"bad.yaml: mappings: unknown template section"}},
		{"param type", "heat_template_version: queens\nparameters: {a: {type: list}}", []string{`parameters.a.type: "list" is not a parameter type`}},
		{"param missing type", "heat_template_version: queens\nparameters: {a: {default: x}}", []string{"parameters.a: missing type"}},
		{"bad default", "heat_template_version: queens\nparameters: {a: {type: number, default: abc}}", []string{"parameters.a.default: parameter a is a number, got a string"}},
		{"default breaks constraint", "heat_template_version: queens\nparameters: {a: {type: number, default: 11, constraints: [{range: {max: 10}}]}}", []string{"parameters.a.default: parameter a must be in [-inf, 10]"}},
		{"bad pattern", "heat_template_version: queens\nparameters: {a: {type: string, constraints: [{allowed_pattern: '(?<=x)'}]}}", []string{"allowed_pattern is not a regular expression"}},
		{"undeclared get_param", `
heat_template_version: queens
resources:
  s:
    type: OS::Nova::Server
    properties:
      image: {get_param: img}
      networks: [{port: {get_param: [ports, 0]}}]
`, []string{
			`bad.yaml: resources.s.properties.image.get_param: get_param "img" is not a declared parameter`,
			`bad.yaml: resources.s.properties.networks[0].port.get_param: get_param "ports" is not a declared parameter`,
		}},
		{"undeclared resources", `
heat_template_version: queens
resources:
  a:
    type: OS::Neutron::Port
    depends_on: [b, a]
    properties:
      network: {get_resource: net}
outputs:
  ip: {value: {get_attr: [server, first_address]}}
`, []string{
			`resources.a.depends_on[0]: depends_on "b" is not a declared resource`,
			`resources.a.depends_on[1]: resource "a" depends on itself`,
			`resources.a.properties.network.get_resource: get_resource "net" is not a declared resource`,
			`outputs.ip.value.get_attr: get_attr "server" is not a declared resource`,
		}},
		{"cycle", `
heat_template_version: queens
resources:
  a: {type: OS::Heat::None, properties: {x: {get_resource: b}}}
  b: {type: OS::Heat::None, properties: {x: {get_attr: [a, y]}}}
`, []string{"resources.a: circular dependency: a -> b -> a"}},
		{"resource keys", `
heat_template_version: queens
resources:
  a: {type: OS::Heat::None, propertys: {}}
  b: {properties: {}}
  g:
    type: OS::Heat::ResourceGroup
    properties:
      resource_def: {type: OS::Heat::None, depends_on: a}
`, []string{
			"resources.a.propertys: unknown resource key",
			"resources.b: missing type",
			"resources.g.properties.resource_def.depends_on: not allowed in a group member definition",
		}},
		{"conditions", `
heat_template_version: queens
parameters: {x: {type: string, default: a}}
conditions:
  c1: {equals: [{get_param: y}, a]}
  c2: {not: nope}
  c3: {and: [c4]}
  c4: {or: [c5, true]}
  c5: {not: c4}
  c6: {get_resource: r}
  c7: c1
resources:
  r: {type: OS::Heat::None, condition: missing}
outputs:
  o: {value: {if: [other, 1, 2]}, condition: {not: c1}}
`, []string{
			`conditions.c1.equals[0].get_param: get_param "y" is not a declared parameter`,
			`conditions.c2.not: condition "nope" is not declared`,
			`conditions.c3.and: needs a list of at least two conditions`,
			`conditions.c6: "get_resource" is not a condition function`,
			`conditions.c7: a condition definition must be a bool or a condition function`,
			`conditions.c4: condition refers to itself`,
			`conditions.c5: condition refers to itself`,
			`resources.r.condition: condition "missing" is not declared`,
			`outputs.o.value.if[0]: condition "other" is not declared`,
		}},
		{"version gates", `
heat_template_version: 2015-04-30
conditions: {c: true}
parameters:
  p: {type: number, tags: [a], constraints: [{modulo: {step: 2, offset: 0}}]}
resources:
  r:
    type: OS::Heat::None
    external_id: abc
    properties:
      a: {str_split: [',', 'a,b']}
      b: {map_merge: [{a: 1}, {b: 2}]}
      c: {Fn::Join: ['', [a, b]]}
`, []string{
			"parameters.p.constraints[0].modulo: a modulo constraint needs heat_template_version 2017-02-24 or later",
			"parameters.p.tags: tags needs heat_template_version 2018-03-02 or later",
			"conditions: needs heat_template_version 2016-10-14 (newton) or later, this template is 2015-04-30",
			"resources.r.external_id: external_id needs heat_template_version 2016-10-14 or later",
			"resources.r.properties.a.str_split: str_split needs heat_template_version 2015-10-15",
			"resources.r.properties.b.map_merge: map_merge needs heat_template_version 2016-04-08",
			"resources.r.properties.c.Fn::Join: Fn::Join is a CloudFormation function",
		}},
		{"function shapes", `
heat_template_version: rocky
resources:
  r:
    type: OS::Heat::None
    properties:
      a: {get_file: {x: 1}}
      b: {str_replace: {template: x, parms: {}}}
      c: {get_attr: []}
      d: {if: [true]}
      e: {repeat: {template: x}}
      f: {if: [true, 1]}
`, []string{
			"resources.r.properties.a.get_file: needs a file name",
			"resources.r.properties.b.str_replace: missing params",
			"resources.r.properties.b.str_replace.parms: unknown key",
			"resources.r.properties.c.get_attr: needs a list",
			"resources.r.properties.d.if: needs [condition",
			"resources.r.properties.e.repeat: missing for_each",
			"resources.r.properties.f.if: if without a value for false needs heat_template_version 2021-04-16",
		}},
		{"outputs and groups", `
heat_template_version: rocky
parameter_groups:
  - label: g
    parameters: [nope]
outputs:
  a: {description: no value}
  b: {value: 1, extra: 2}
`, []string{
			"parameter_groups[0].parameters[0]: \"nope\" is not a declared parameter",
			"outputs.a: missing value",
			"outputs.b.extra: unknown output key",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := ParseTemplate("bad.yaml", []byte(tc.doc))
			require.Error(t, err)
			assert.Nil(t, tpl)
			assert.True(t, errors.Is(err, errdefs.ErrInvalid))
			probs := errdefs.Problems(err)
			require.Len(t, probs, len(tc.want), "problems: %v", err)
			for i, want := range tc.want {
				assert.Contains(t, probs[i].Error(), want)
				assert.Equal(t, "bad.yaml", probs[i].ID)
			}
		})
	}
}

func TestHOTVersions(t *testing.T) {
	v := HOTVersions()
	for _, want := range []string{"2013-05-23", "newton", "queens", "rocky", "2021-04-16", "wallaby"} {
		assert.Contains(t, v, want)
	}
	for _, not := range []string{"xena", "yoga", "zed", "2023-01-01"} {
		assert.NotContains(t, v, not)
	}
}

func TestIsTemplateFile(t *testing.T) {
	assert.True(t, IsTemplateFile("node.yaml"))
	assert.True(t, IsTemplateFile("a/b.template"))
	assert.False(t, IsTemplateFile("node.yml"))
	assert.False(t, IsTemplateFile("OS::Nova::Server"))
}

func TestDescribeDoesNotEchoLongStrings(t *testing.T) {
	secret := strings.Repeat("s3cr3t", 20)
	_, err := ParseTemplate("x.yaml", []byte("heat_template_version: queens\ndescription: [1]\nresources:\n  r: {type: OS::Heat::None, deletion_policy: "+secret+"}\n"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
}

// aliasBomb is a YAML "billion laughs": ten levels of ten aliases each.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}
