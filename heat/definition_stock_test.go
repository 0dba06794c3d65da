package heat_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat"
)

func TestOptionalRules(t *testing.T) {
	rules := heat.OptionalRules("docker_volume", map[string]string{"A::Volume": "OS::Cinder::Volume", "A::Attach": "OS::Cinder::VolumeAttachment"})
	require.Len(t, rules, 2)
	assert.Equal(t, heat.RegistryRule{Feature: "docker_volume", Value: true,
		Entries: map[string]string{"A::Volume": "OS::Cinder::Volume", "A::Attach": "OS::Cinder::VolumeAttachment"}}, rules[0])
	assert.Equal(t, heat.RegistryRule{Feature: "docker_volume", Value: false,
		Entries: map[string]string{"A::Volume": heat.NoneType, "A::Attach": heat.NoneType}}, rules[1])
}

func TestServerParamsNames(t *testing.T) {
	var names []string
	for _, p := range heat.ServerParams("slave", "m", "w", "victims") {
		names = append(names, p.Param)
	}
	assert.Equal(t, []string{"master_image", "slave_image", "master_flavor", "slave_flavor",
		"number_of_masters", "number_of_slaves", "slaves_to_remove", "docker_volume_size"}, names)
}

// TestStockDefinition resolves and renders parameters of a definition made
// only of stock parts: the features, registry and parameters work together.
func TestStockDefinition(t *testing.T) {
	def := heat.Definition{
		Name:     "stock",
		Template: "templates/cluster.yaml",
		Features: []heat.Feature{
			heat.MasterLBFeature(), heat.FloatingIPFeature(), heat.LBFloatingIPFeature(),
			heat.DockerVolumeFeature("worker"), heat.NetworkFeature(),
		},
		Registry: slices.Concat(heat.NetworkRules("X::Network"),
			heat.OptionalRules("floating_ip", map[string]string{"X::FIP": "OS::Neutron::FloatingIP"})),
		Params: slices.Concat(heat.NetworkParams(), heat.ServerParams("node", "master", "worker", "to_remove")),
		Outputs: slices.Concat(
			heat.AddressOutputs([2]string{"masters", "masters_private"}, [2]string{"nodes", "nodes_private"}, "master", "worker"),
			heat.CountOutputs("number_of_masters", "number_of_nodes", "master", "worker")),
	}
	in := heat.Inputs{
		Template:   heat.Attrs{"fixed_network": "net", "master_lb_enabled": true, "floating_ip_enabled": false},
		Cluster:    heat.Attrs{"uuid": "u"},
		NodeGroups: map[string]heat.Attributes{"master": heat.Attrs{"node_count": 1}, "worker": heat.Attrs{"node_count": 2, "docker_volume_size": 5}},
		Labels:     map[string]string{"master_lb_floating_ip_enabled": "true"},
	}
	f, err := def.Resolve(in)
	require.NoError(t, err)
	assert.Equal(t, heat.Features{"master_lb": true, "floating_ip": false, "lb_floating_ip": true, "docker_volume": true, "network": "existing"}, f)
	assert.Equal(t, []string{"masters_private", "nodes_private"}, def.RequiredOutputs(f))
	p, ok := def.ParamFor(heat.NodeGroupAttr("worker", "node_count"))
	assert.True(t, ok)
	assert.Equal(t, "number_of_nodes", p)
	stack := &heat.Stack{
		Outputs:    map[string]any{"masters": []any{"172.24.4.10"}, "masters_private": []any{"10.0.0.10"}, "nodes": []any{"172.24.4.11"}, "nodes_private": []any{"10.0.0.11"}},
		Parameters: map[string]string{"number_of_masters": "1", "number_of_nodes": "3"},
	}
	vals, err := def.ApplyOutputs(stack, heat.Features{"floating_ip": false})
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.10"}, vals.Cluster["master_addresses"])
	assert.Equal(t, []string{"10.0.0.11"}, vals.NodeGroups["worker"]["node_addresses"])
	assert.Equal(t, 3, vals.NodeGroups["worker"]["node_count"])
	vals, err = def.ApplyOutputs(stack, heat.Features{"floating_ip": true})
	require.NoError(t, err)
	assert.Equal(t, []string{"172.24.4.10"}, vals.NodeGroups["master"]["node_addresses"])
}
