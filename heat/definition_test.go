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

type roleName string

type uuidLike [2]byte

func (u uuidLike) String() string { return fmt.Sprintf("%02x-%02x", u[0], u[1]) }

func TestParamMappings(t *testing.T) {
	intPtr := func(i int) *int { return &i }
	var nilInt *int
	in := Inputs{
		Template: Attrs{"keypair_id": "tkey", "dns": "8.8.8.8, 1.1.1.1", "volume": 0, "external_network_id": "public"},
		Cluster: AttrFunc(func(name string) (any, bool) {
			switch name {
			case "keypair":
				return "ckey", true
			case "master_count":
				return intPtr(3), true
			case "docker_volume_size":
				return nilInt, true // a nil pointer is "not set"
			case "uuid":
				return uuidLike{0xab, 0xcd}, true
			case "labels":
				return map[string]string{"a": "b"}, true
			}
			return nil, false
		}),
		NodeGroups: map[string]Attributes{"worker": Attrs{"node_count": 5, "role": roleName("worker")}},
		Labels:     map[string]string{"kube_tag": "v1.30", "boot_volume_size": "20", "verify": "yes", "cidrs": "10.0.0.0/8,192.168.0.0/16", "bad_number": "lots"},
		Extra:      Attrs{"servers": []string{"a", "b"}, "nothing": nil},
	}
	features := Features{"lb": true}
	tests := []struct {
		name    string
		mapping ParamMapping
		want    any // nil: not set
		wantErr string
	}{
		{"cluster wins over template", Param("ssh_key_name", String, ClusterAttr("keypair"), TemplateAttr("keypair_id")), "ckey", ""},
		{"falls back to template", Param("ssh_key_name", String, ClusterAttr("missing"), TemplateAttr("keypair_id")), "tkey", ""},
		{"unset is left out", Param("x", String, ClusterAttr("missing")), nil, ""},
		{"nil pointer is unset", Param("x", Number, ClusterAttr("docker_volume_size")), nil, ""},
		{"nil extra is unset", Param("x", String, Extra("nothing")), nil, ""},
		{"pointer is followed", Param("number_of_masters", Number, ClusterAttr("master_count")), 3, ""},
		{"zero is a value", Param("docker_volume_size", Number, TemplateAttr("volume")), 0, ""},
		{"node group", Param("number_of_minions", Number, NodeGroupAttr("worker", "node_count")), 5, ""},
		{"named string type", Param("role", String, NodeGroupAttr("worker", "role")), "worker", ""},
		{"stringer", Param("cluster_uuid", String, ClusterAttr("uuid")), "ab-cd", ""},
		{"missing node group", Param("x", Number, NodeGroupAttr("master", "node_count")), nil, ""},
		{"label string to number", Param("boot_volume_size", Number, Label("boot_volume_size")), 20, ""},
		{"label to boolean", Param("verify_ca", Boolean, Label("verify")), true, ""},
		{"label to list", Param("cidrs", CommaDelimitedList, Label("cidrs")), []string{"10.0.0.0/8", "192.168.0.0/16"}, ""},
		{"template string to list", Param("dns", CommaDelimitedList, TemplateAttr("dns")), []string{"8.8.8.8", "1.1.1.1"}, ""},
		{"slice to list", Param("minions_to_remove", CommaDelimitedList, Extra("servers")), []string{"a", "b"}, ""},
		{"map to json", Param("labels", JSON, ClusterAttr("labels")), map[string]any{"a": "b"}, ""},
		{"feature", Param("lb", Boolean, FeatureValue("lb")), true, ""},
		{"constant", Param("is_cluster_stack", Boolean, Constant(true)), true, ""},
		{"number to string", Param("count", String, NodeGroupAttr("worker", "node_count")), "5", ""},
		{"required and set", RequiredParam("external_network", String, TemplateAttr("external_network_id")), "public", ""},
		{"required and unset", RequiredParam("external_network", String, TemplateAttr("external_network"), ClusterAttr("external_network")),
			nil, "external_network: required (Heat parameter external_network) but not set"},
		{"required label", RequiredParam("x", String, Label("needed")), nil, "labels.needed: required"},
		{"wrong type", Param("n", Number, Label("bad_number")), nil, "labels.bad_number: cannot be Heat parameter n (number): a string"},
		{"map is not a string", Param("s", String, ClusterAttr("labels")), nil, "labels: cannot be Heat parameter s (string)"},
		{"transform", ParamMapping{Param: "port", Type: Number, From: []Source{FeatureValue("lb")},
			Transform: func(v any) (any, error) { return map[bool]int{true: 443, false: 80}[v.(bool)], nil }}, 443, ""},
		{"transform to nil", ParamMapping{Param: "x", Type: String, From: []Source{Constant("drop")},
			Transform: func(any) (any, error) { return nil, nil }}, nil, ""},
		{"transform error", ParamMapping{Param: "x", Type: String, From: []Source{Label("kube_tag")},
			Transform: func(any) (any, error) { return nil, errors.New("bad tag") }}, nil, "labels.kube_tag: Heat parameter x: bad tag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := &Definition{Params: []ParamMapping{tc.mapping}}
			got, err := d.params(&in, features, nil)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.True(t, errors.Is(err, errdefs.ErrInvalid))
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			if tc.want == nil {
				assert.NotContains(t, got, tc.mapping.Param)
				return
			}
			assert.Equal(t, tc.want, got[tc.mapping.Param])
		})
	}
}

func TestParamsReportsAllProblems(t *testing.T) {
	d := &Definition{Params: []ParamMapping{
		RequiredParam("a", String, ClusterAttr("a")),
		Param("b", Number, Label("b")),
		RequiredParam("c", String, TemplateAttr("c")),
	}}
	_, err := d.params(&Inputs{Labels: map[string]string{"b": "x"}}, nil, nil)
	require.Error(t, err)
	assert.Len(t, errdefs.Problems(err), 3)
}

func TestConvertParamHidesValues(t *testing.T) {
	_, err := ConvertParam(Number, "hunter2-secret")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestFeatures(t *testing.T) {
	yes, no := true, false
	def := Definition{
		Name: "t", Template: "t.yaml",
		Features: []Feature{
			BoolFeature("master_lb", IsTrue(ClusterAttr("master_lb_enabled"), TemplateAttr("master_lb_enabled"))),
			BoolFeature("floating_ip", IsTrue(ClusterAttr("floating_ip_enabled"), TemplateAttr("floating_ip_enabled"))),
			BoolFeature("lb_fip", All(IsTrue(FeatureValue("master_lb")), IsTrue(Label("master_lb_floating_ip_enabled"), FeatureValue("floating_ip")))),
			BoolFeature("volume", IsSet(ClusterAttr("docker_volume_size"), TemplateAttr("docker_volume_size"))),
			BoolFeature("etcd_volume", AtLeast(1, Label("etcd_volume_size"))),
			EnumFeature("lb_kind", []string{"none", "octavia", "neutron"}, "none",
				Is("octavia", All(IsTrue(FeatureValue("master_lb")), IsTrue(Extra("octavia")))),
				Is("neutron", IsTrue(FeatureValue("master_lb")))),
			BoolFeature("calico", Equals("calico", TemplateAttr("network_driver"))),
			BoolFeature("not_calico", Not(IsTrue(FeatureValue("calico")))),
			BoolFeature("any_none", Any()),
			IntFeature("extra_nets", Label("extra_networks"), 0, 3, 0),
		},
	}
	require.NoError(t, def.validate())
	tests := []struct {
		name    string
		in      Inputs
		want    map[string]any
		wantErr string
	}{
		{"all unset", Inputs{}, map[string]any{
			"master_lb": false, "floating_ip": false, "lb_fip": false, "volume": false, "etcd_volume": false,
			"lb_kind": "none", "calico": false, "not_calico": true, "any_none": false, "extra_nets": 0}, ""},
		{"cluster overrides template", Inputs{
			Template: Attrs{"master_lb_enabled": true, "floating_ip_enabled": false},
			Cluster:  Attrs{"master_lb_enabled": &no, "floating_ip_enabled": &yes},
		}, map[string]any{"master_lb": false, "floating_ip": true, "lb_fip": false, "lb_kind": "none"}, ""},
		{"lb fip follows floating ip", Inputs{Template: Attrs{"master_lb_enabled": true, "floating_ip_enabled": true}},
			map[string]any{"lb_fip": true, "lb_kind": "neutron"}, ""},
		{"label overrides floating ip for the lb", Inputs{
			Template: Attrs{"master_lb_enabled": true, "floating_ip_enabled": true},
			Labels:   map[string]string{"master_lb_floating_ip_enabled": "false"},
			Extra:    Attrs{"octavia": true},
		}, map[string]any{"lb_fip": false, "lb_kind": "octavia"}, ""},
		{"volume truthiness", Inputs{Cluster: Attrs{"docker_volume_size": 0}, Template: Attrs{"docker_volume_size": 10}},
			map[string]any{"volume": false}, ""},
		{"volume set", Inputs{Cluster: Attrs{"docker_volume_size": 10}}, map[string]any{"volume": true}, ""},
		{"etcd volume", Inputs{Labels: map[string]string{"etcd_volume_size": "2"}}, map[string]any{"etcd_volume": true}, ""},
		{"enum equals", Inputs{Template: Attrs{"network_driver": "calico"}}, map[string]any{"calico": true, "not_calico": false}, ""},
		{"int feature", Inputs{Labels: map[string]string{"extra_networks": "2"}}, map[string]any{"extra_nets": 2}, ""},
		{"int out of range", Inputs{Labels: map[string]string{"extra_networks": "9"}}, nil, "labels.extra_networks: must be a whole number from 0 to 3"},
		{"bad boolean label", Inputs{Labels: map[string]string{"master_lb_floating_ip_enabled": "perhaps"}, Template: Attrs{"master_lb_enabled": true}},
			nil, "labels.master_lb_floating_ip_enabled: must be a boolean"},
		{"bad number label", Inputs{Labels: map[string]string{"etcd_volume_size": "big"}}, nil, "labels.etcd_volume_size: must be a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := def.Resolve(tc.in)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.True(t, errors.Is(err, errdefs.ErrInvalid))
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			for k, v := range tc.want {
				assert.Equal(t, v, got[k], "feature %s", k)
			}
		})
	}
}

func TestRegistryRules(t *testing.T) {
	def := SampleDefinition()
	reg := def.registry(Features{"floating_ip": true, "docker_volume": false})
	assert.Equal(t, map[string]string{
		"Sample::Optional::FloatingIP":       "OS::Neutron::FloatingIP",
		"Sample::Optional::Volume":           "OS::Heat::None",
		"Sample::Optional::VolumeAttachment": "OS::Heat::None",
	}, reg)
	reg = def.registry(Features{"floating_ip": false, "docker_volume": true})
	assert.Equal(t, "OS::Heat::None", reg["Sample::Optional::FloatingIP"])
	assert.Equal(t, "OS::Cinder::Volume", reg["Sample::Optional::Volume"])
}

func TestDefinitionValidate(t *testing.T) {
	tests := []struct {
		name string
		def  Definition
		want []string
	}{
		{"empty", Definition{Name: "d"}, []string{"definition d: Template: no top-level template"}},
		{"features", Definition{Name: "d", Template: "t.yaml", Features: []Feature{
			{Name: "bad name", When: &Cond{}},
			BoolFeature("a", IsTrue(FeatureValue("b"))),
			BoolFeature("b", IsTrue(Label("x"))),
			BoolFeature("b", IsTrue(Label("x"))),
			EnumFeature("e", []string{"x", "y z"}, "w", Is("q", IsTrue(Label("l")))),
			{Name: "two", When: &Cond{op: condTrue, src: []Source{Label("x")}}, Int: &IntRange{From: Label("x"), Max: 1}},
			IntFeature("i", Label("n"), 0, 1000, 0),
			{Name: "none"},
		}}, []string{
			`Features[0]: feature name "bad name" must be an identifier`,
			"Features[0]: feature bad name: zero Cond",
			`Features[3]: duplicate feature "b"`,
			`Features[4]: feature e: enum value "y z" must be an identifier`,
			`Features[4]: feature e: default "w" is not one of the values`,
			`Features[4]: feature e: case value "q" is not one of the values`,
			"Features[5]: feature two: needs exactly one of When, Values, Int",
			"Features[6]: feature i: an int feature spans at most 64 values",
			"Features[7]: feature none: needs exactly one of When, Values, Int",
			"Features[1]: feature a uses feature b, which is not defined before it",
		}},
		{"params, registry, outputs", Definition{Name: "d", Template: "t.yaml",
			Features: []Feature{BoolFeature("f", IsTrue(Label("x")))},
			Registry: []RegistryRule{
				WhenFeature("g", true, map[string]string{"A": "B"}),
				WhenFeature("f", "yes", map[string]string{"A": ""}),
			},
			Params: []ParamMapping{
				Param("p", "list", Label("x")),
				Param("p", String),
				Param("", String, Source{Kind: 99}),
				Param("q", String, NodeGroupAttr("", "x"), FeatureValue("nope")),
			},
			Outputs: []OutputMapping{
				{},
				MapOutput("o", Label("x"), nil),
				MapOutput("o", ClusterAttr("a"), nil).OnlyWhen("f", 3),
			},
		}, []string{
			`Registry[0]: feature "g" is not defined`,
			"Registry[1]: feature f never has the value yes",
			`Registry[1]: empty resource_registry entry "A": ""`,
			`Params[0]: "list" is not a Heat parameter type`,
			`Params[1]: Heat parameter "p" is mapped twice`,
			"Params[1]: parameter p has no source",
			"Params[2]: no Heat parameter name",
			"Params[2]: source of unknown kind 99",
			"Params[3]: nodegroup source needs a role and a name",
			`Params[3]: feature "nope" is not defined`,
			"Outputs[0]: no output keys",
			"Outputs[1]: outputs go to cluster or node group attributes, not label",
			"Outputs[2]: feature f never has the value 3",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.def.validate()
			require.Error(t, err)
			assert.True(t, errors.Is(err, errdefs.ErrInvalid))
			probs := errdefs.Problems(err)
			var msgs []string
			for _, p := range probs {
				msgs = append(msgs, p.Error())
			}
			for _, want := range tc.want {
				found := false
				for _, m := range msgs {
					found = found || strings.Contains(m, want)
				}
				assert.True(t, found, "want %q in %q", want, msgs)
			}
			assert.Len(t, probs, len(tc.want), "%q", msgs)
		})
	}
	require.NoError(t, func() error { d := SampleDefinition(); return d.validate() }())
}

func TestCondString(t *testing.T) {
	c := All(IsTrue(ClusterAttr("a"), TemplateAttr("a")), Not(AtLeast(1, Label("n"))), Any(Equals("x", NodeGroupAttr("w", "r")), IsSet(Extra("e"))))
	assert.Equal(t, `all(is_true(cluster.a | template.a), not(at_least(1, label.n)), any(equals("x", nodegroup[w].r), is_set(extra.e)))`, c.String())
}

func TestParamFor(t *testing.T) {
	def := SampleDefinition()
	p, ok := def.ParamFor(NodeGroupAttr("worker", "node_count"))
	assert.True(t, ok)
	assert.Equal(t, "number_of_minions", p)
	p, ok = def.ParamFor(ClusterAttr("coe_version"))
	assert.True(t, ok)
	assert.Equal(t, "kube_tag", p)
	_, ok = def.ParamFor(ClusterAttr("nothing"))
	assert.False(t, ok)
	_, ok = def.ParamFor(Constant(true))
	assert.False(t, ok, "constants are not attributes")
}
