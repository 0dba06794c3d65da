package k8s_test

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
)

// healthRequest is a request for the fake API's cluster built from a
// template variant.
func (f *fakeAPI) healthRequest(t *testing.T, v variant) *driver.HealthRequest {
	in := input(t, v)
	in.Cluster.APIAddress = f.srv.URL
	return &driver.HealthRequest{Template: in.Template, Cluster: in.Cluster, NodeGroups: in.NodeGroups, CA: f.ca, Client: f.client}
}

func TestDriverCheckHealth(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	reachable := variant{FloatingIP: true}
	tests := []struct {
		name    string
		v       variant
		nodes   []map[string]any
		status  cluster.HealthStatus
		reasons map[string]string
		polled  bool
	}{
		{"healthy", reachable, []map[string]any{nodeItem("m-0", "True"), nodeItem("w-0", "True")},
			cluster.Healthy, map[string]string{"api": "ok", "m-0.Ready": "True", "w-0.Ready": "True"}, true},
		{"one node NotReady", reachable, []map[string]any{nodeItem("m-0", "True"), nodeItem("w-0", "False")},
			cluster.Unhealthy, map[string]string{"api": "ok", "m-0.Ready": "True", "w-0.Ready": "False"}, true},
		{"LB with a floating IP", variant{MasterLB: true, FloatingIP: true, Masters: 3}, []map[string]any{nodeItem("m-0", "True")},
			cluster.Healthy, map[string]string{"api": "ok", "m-0.Ready": "True"}, true},
		{"no floating IP: not accessible", variant{}, nil,
			cluster.Unknown, map[string]string{"api": "The cluster prod-cluster is not accessible."}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.nodes = tt.nodes
			h := d.CheckHealth(context.Background(), f.healthRequest(t, tt.v))
			assert.Equal(t, tt.status, h.Status)
			assert.Equal(t, tt.reasons, h.Reasons)
			if tt.polled {
				assert.Equal(t, []string{"/healthz", "/api/v1/nodes?limit=500"}, f.paths)
			} else {
				assert.Empty(t, f.paths)
			}
			for _, u := range f.users {
				assert.Equal(t, "admin", u)
			}
		})
	}
}

func TestDriverCheckHealthUnreachable(t *testing.T) {
	d := k8s.NewCoreOS()
	f := newFakeAPI(t)
	req := f.healthRequest(t, variant{FloatingIP: true})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	req.Cluster.APIAddress = "https://" + l.Addr().String()
	require.NoError(t, l.Close())
	h := d.CheckHealth(context.Background(), req)
	assert.Equal(t, cluster.Unknown, h.Status)
	assert.Contains(t, h.Reasons["api"], "not reachable")

	// Labels the driver cannot read: UNKNOWN with the reason, no request.
	req = f.healthRequest(t, variant{FloatingIP: true})
	req.Cluster.Labels = labels.Labels{"flannel_network_cidr": "not a cidr"}
	h = d.CheckHealth(context.Background(), req)
	assert.Equal(t, cluster.Unknown, h.Status)
	assert.Contains(t, h.Reasons["api"], "cannot poll")
	assert.Empty(t, f.paths)

	for _, r := range []*driver.HealthRequest{nil, {}} {
		h = d.CheckHealth(context.Background(), r)
		assert.Equal(t, cluster.Unknown, h.Status)
	}
}

func TestDriverReportsOwnHealth(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	var _ driver.HealthChecker = d
	assert.False(t, d.ReportsOwnHealth(nil))
	assert.False(t, d.ReportsOwnHealth(labels.Labels{"auto_healing_enabled": "true", "auto_healing_controller": "draino"}))
	assert.False(t, d.ReportsOwnHealth(labels.Labels{"auto_healing_enabled": "false", "auto_healing_controller": "magnum-auto-healer"}))
	assert.True(t, d.ReportsOwnHealth(labels.Labels{"auto_healing_enabled": "true", "auto_healing_controller": "magnum-auto-healer"}))
}
