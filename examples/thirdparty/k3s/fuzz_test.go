package k3s_test

import (
	"testing"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/examples/thirdparty/k3s"
	"github.com/gomagnum/magnum/heat"
)

// FuzzApplyOutputs feeds the driver stack outputs and parameters as Heat
// could send them: it must never panic, and counts it sets are never
// negative.
func FuzzApplyOutputs(f *testing.F) {
	f.Add("172.24.4.3", "172.24.4.3", "10.0.0.4", "1", "2")
	f.Add("", "", "", "-1", "x")
	f.Fuzz(func(t *testing.T, api, server, agent, servers, agents string) {
		c := &cluster.Cluster{NodeCount: 7}
		groups := []*cluster.NodeGroup{{Role: cluster.RoleMaster, IsDefault: true}, {Role: cluster.RoleWorker, IsDefault: true}}
		s := &heat.Stack{
			Outputs:    map[string]any{"api_address": api, "server_addresses": []any{server}, "agent_addresses": []any{agent, 3}},
			Parameters: map[string]string{"number_of_servers": servers, "number_of_agents": agents},
		}
		_ = k3s.New().ApplyOutputs(s, nil, c, groups)
		if c.MasterCount < 0 || c.NodeCount < 0 || groups[0].NodeCount < 0 || groups[1].NodeCount < 0 {
			t.Fatalf("negative count: %+v", c)
		}
		if c.NodeAddresses != nil {
			t.Fatalf("a malformed agent list was applied: %v", c.NodeAddresses)
		}
	})
}
