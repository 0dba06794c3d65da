package heat_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/heat"
)

func TestApplyToCluster(t *testing.T) {
	newModels := func() (*cluster.Cluster, *cluster.NodeGroup, *cluster.NodeGroup) {
		return &cluster.Cluster{MasterCount: 1, NodeCount: 1},
			&cluster.NodeGroup{Role: cluster.RoleMaster, NodeCount: 1},
			&cluster.NodeGroup{Role: cluster.RoleWorker, NodeCount: 1}
	}
	tests := []struct {
		name    string
		vals    *heat.OutputValues
		check   func(t *testing.T, c *cluster.Cluster, m, w *cluster.NodeGroup)
		wantErr []string
	}{
		{
			name: "every attribute lands on its model",
			vals: &heat.OutputValues{
				Cluster: map[string]any{"api_address": "https://10.0.0.5:6443", "master_addresses": []string{"10.0.0.5"}, "node_addresses": []string{"10.0.0.6", "10.0.0.7"}},
				NodeGroups: map[string]map[string]any{
					"master": {"node_count": 3, "node_addresses": []string{"10.0.0.5"}},
					"worker": {"node_count": 2, "node_addresses": []string{"10.0.0.6", "10.0.0.7"}},
				},
			},
			check: func(t *testing.T, c *cluster.Cluster, m, w *cluster.NodeGroup) {
				assert.Equal(t, "https://10.0.0.5:6443", c.APIAddress)
				assert.Equal(t, []string{"10.0.0.5"}, c.MasterAddresses)
				assert.Equal(t, []string{"10.0.0.6", "10.0.0.7"}, c.NodeAddresses)
				assert.Equal(t, 3, m.NodeCount)
				assert.Equal(t, 3, c.MasterCount, "the master group's count is the cluster's master count")
				assert.Equal(t, 2, w.NodeCount)
				assert.Equal(t, 2, c.NodeCount, "the worker group's count is the cluster's node count")
				assert.Equal(t, []string{"10.0.0.5"}, m.NodeAddresses)
				assert.Equal(t, []string{"10.0.0.6", "10.0.0.7"}, w.NodeAddresses)
			},
		},
		{
			name: "roles other than the master role go to the worker group",
			vals: &heat.OutputValues{NodeGroups: map[string]map[string]any{"slaves": {"node_count": 4}}},
			check: func(t *testing.T, c *cluster.Cluster, m, w *cluster.NodeGroup) {
				assert.Equal(t, 4, w.NodeCount)
				assert.Equal(t, 4, c.NodeCount)
				assert.Equal(t, 1, m.NodeCount)
			},
		},
		{
			name: "wrong types and unknown names are errors, the rest is applied",
			vals: &heat.OutputValues{
				Cluster: map[string]any{"api_address": 5, "node_addresses": "10.0.0.6", "color": "red", "master_addresses": []string{"10.0.0.9"}},
				NodeGroups: map[string]map[string]any{
					"master": {"node_count": "3", "node_addresses": 1, "size": 2},
				},
			},
			check: func(t *testing.T, c *cluster.Cluster, m, _ *cluster.NodeGroup) {
				assert.Empty(t, c.APIAddress)
				assert.Equal(t, []string{"10.0.0.9"}, c.MasterAddresses)
				assert.Equal(t, 1, m.NodeCount)
			},
			wantErr: []string{
				"drv: api_address: unexpected int", "drv: node_addresses: unexpected string", `drv: no cluster attribute "color"`,
				"drv: node_count: unexpected string", "drv: node_addresses: unexpected int", `drv: no node group attribute "size"`,
			},
		},
		{
			name:  "no values",
			vals:  nil,
			check: func(t *testing.T, c *cluster.Cluster, _, _ *cluster.NodeGroup) { assert.Equal(t, 1, c.NodeCount) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m, w := newModels()
			err := tt.vals.ApplyToCluster("drv", c, "master", m, w)
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				for _, want := range tt.wantErr {
					assert.Contains(t, err.Error(), want)
				}
			}
			tt.check(t, c, m, w)
		})
	}
}
