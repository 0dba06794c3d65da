package k3s_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/driver/drivertest"
	"github.com/gomagnum/magnum/examples/thirdparty/k3s"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

func k3sTemplate() *template.ClusterTemplate {
	return &template.ClusterTemplate{
		Name: "k3s", COE: k3s.COE, ImageID: "ubuntu-mesos", ClusterDistro: "ubuntu",
		KeyPairID: "testkey", ExternalNetworkID: "public", DNSNameServer: "8.8.8.8",
		FlavorID: "m1.small", MasterFlavorID: "m1.medium",
	}
}

// TestConformance runs drivertest on the example driver, registered
// alongside the built-in Kubernetes driver as a program would serve it.
func TestConformance(t *testing.T) {
	with := func(f func(*template.ClusterTemplate)) *template.ClusterTemplate {
		tm := k3sTemplate()
		f(tm)
		return tm
	}
	drivertest.Run(t, k3s.New(), drivertest.Options{
		Good: []drivertest.Case{
			{Name: "default", Template: k3sTemplate(), Workers: 2},
			{Name: "latest", Template: with(func(tm *template.ClusterTemplate) { tm.Labels = labels.Labels{"k3s_channel": "latest"} })},
		},
		Bad: []drivertest.Case{
			{Name: "channel", Template: k3sTemplate(), Labels: labels.Labels{"k3s_channel": "nightly; rm -rf /"}, BadFields: []string{"labels/k3s_channel"}},
			{Name: "three-servers", Template: with(func(tm *template.ClusterTemplate) { tm.MasterLBEnabled = true }), Masters: 3, BadFields: []string{"master_count"}},
			{Name: "calico", Template: with(func(tm *template.ClusterTemplate) { tm.NetworkDriver = "calico" }), BadFields: []string{"network_driver"}},
			{Name: "bare-metal", Template: with(func(tm *template.ClusterTemplate) { tm.ServerType = "bm" }), BadFields: []string{"server_type"}},
			{Name: "volume-driver", Template: with(func(tm *template.ClusterTemplate) { tm.VolumeDriver = "cinder" }), BadFields: []string{"volume_driver"}},
		},
		Combinations: []drivertest.Case{
			{Name: "no-agents", Template: k3sTemplate(), Workers: 0},
			{Name: "no-dns", Template: with(func(tm *template.ClusterTemplate) { tm.DNSNameServer = "" })},
		},
		RequiredOutputs: []string{"api_address", "server_addresses", "agent_addresses"},
		Alongside:       []driver.Driver{k8s.NewFedoraAtomic(), k8s.NewCoreOS()},
		NodesToRemove:   func(*driver.Request) []string { return []string{"0"} },
		Live: map[string]func(*testing.T, drivertest.Env){
			"api-port": func(t *testing.T, env drivertest.Env) {
				c := env.Request.Cluster
				assert.True(t, strings.HasPrefix(c.APIAddress, "https://"+c.MasterAddresses[0]+":6443"), "api %q, server %v", c.APIAddress, c.MasterAddresses)
			},
		},
	})
}

func TestScaleStackNamesVictims(t *testing.T) {
	req := &driver.Request{
		Template: k3sTemplate(), Cluster: &cluster.Cluster{UUID: "u"},
		NodeGroups: []*cluster.NodeGroup{
			{Role: cluster.RoleMaster, IsDefault: true, NodeCount: 1},
			{Role: cluster.RoleWorker, IsDefault: true, NodeCount: 2},
		},
		NodesToRemove: []string{"3", "srv-1"},
	}
	upd, err := k3s.New().ScaleStack(req)
	require.NoError(t, err)
	assert.True(t, upd.Existing)
	assert.Equal(t, map[string]any{"number_of_servers": 1, "number_of_agents": 2, "agents_to_remove": "3,srv-1"}, upd.Parameters)
	assert.Empty(t, upd.ClearParameters)

	req.NodesToRemove = nil
	upd, err = k3s.New().ScaleStack(req)
	require.NoError(t, err)
	assert.Equal(t, []string{"agents_to_remove"}, upd.ClearParameters, "earlier victims are forgotten")
}

func TestApplyOutputsKeepsGoodOutputs(t *testing.T) {
	c := &cluster.Cluster{}
	groups := []*cluster.NodeGroup{{Role: cluster.RoleMaster, IsDefault: true}, {Role: cluster.RoleWorker, IsDefault: true}}
	s := &heat.Stack{
		Outputs:    map[string]any{"api_address": "172.24.4.10", "server_addresses": []any{"172.24.4.10"}, "agent_addresses": "oops"},
		Parameters: map[string]string{"number_of_servers": "1", "number_of_agents": "x"},
	}
	err := k3s.New().ApplyOutputs(s, nil, c, groups)
	require.Error(t, err)
	assert.ErrorContains(t, err, "agent_addresses")
	assert.ErrorContains(t, err, "number_of_agents")
	assert.Equal(t, "https://172.24.4.10:6443", c.APIAddress)
	assert.Equal(t, []string{"172.24.4.10"}, c.MasterAddresses)
	assert.Equal(t, []string{"172.24.4.10"}, groups[0].NodeAddresses)
	assert.Equal(t, 1, c.MasterCount)
	assert.Nil(t, c.NodeAddresses)
}
