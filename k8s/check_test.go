package k8s_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
)

func TestCheckCluster(t *testing.T) {
	on, off := true, false
	tests := []struct {
		name  string
		edit  func(in *k8s.Input)
		field string // "" for valid
	}{
		{"one master", func(*k8s.Input) {}, ""},
		{"three masters with LB", func(in *k8s.Input) { in.NodeGroups[0].NodeCount = 3; in.Template.MasterLBEnabled = true }, ""},
		{"cluster LB setting wins", func(in *k8s.Input) {
			in.NodeGroups[0].NodeCount = 3
			in.Template.MasterLBEnabled = true
			in.Cluster.MasterLBEnabled = &off
		}, "master_count"},
		{"three masters, cluster LB on", func(in *k8s.Input) { in.NodeGroups[0].NodeCount = 3; in.Cluster.MasterLBEnabled = &on }, ""},
		{"three masters without LB", func(in *k8s.Input) { in.NodeGroups[0].NodeCount = 3 }, "master_count"},
		{"even", func(in *k8s.Input) { in.NodeGroups[0].NodeCount = 2; in.Template.MasterLBEnabled = true }, "master_count"},
		{"too many", func(in *k8s.Input) { in.NodeGroups[0].NodeCount = 9; in.Template.MasterLBEnabled = true }, "master_count"},
		{"zero", func(in *k8s.Input) { in.NodeGroups[0].NodeCount = 0 }, "master_count"},
		{"negative minions", func(in *k8s.Input) { in.NodeGroups[1].NodeCount = -1 }, "node_count"},
		{"bad label", func(in *k8s.Input) { in.Cluster.Labels["flannel_backend"] = "x" }, "labels/flannel_backend"},
		{"calico pool overlaps services", func(in *k8s.Input) {
			in.Template.NetworkDriver = "calico"
			in.Cluster.Labels["service_cluster_ip_range"] = "10.100.0.0/16"
			in.Cluster.Labels["flannel_network_cidr"] = "10.200.0.0/16"
		}, "labels/service_cluster_ip_range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t, variant{})
			tt.edit(&in)
			err := k8s.CheckCluster(in)
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			probs := errdefs.Problems(err)
			if assert.Len(t, probs, 1, "%v", err) {
				assert.Equal(t, tt.field, probs[0].Field)
			}
		})
	}
	assert.ErrorIs(t, k8s.CheckCluster(k8s.Input{}), errdefs.ErrInvalid)
}
