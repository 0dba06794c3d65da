package k8s_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/k8s"
)

func TestCapabilities(t *testing.T) {
	c := k8s.Capabilities()
	assert.Equal(t, "kubernetes", c.COE)
	assert.Equal(t, k8s.COE, c.COE)
	// §3.1 (Rocky–2024): flannel (default) and calico; cinder; vm and bm.
	assert.Equal(t, []string{"flannel", "calico"}, c.NetworkDrivers)
	assert.Equal(t, "flannel", c.DefaultNetworkDriver)
	assert.Equal(t, []string{"cinder"}, c.VolumeDrivers)
	assert.Equal(t, []string{"vm", "bm"}, c.ServerTypes)
	// Heat's external_network parameter is required.
	assert.Equal(t, []string{"external_network_id"}, c.RequiredFields)
	require.NotNil(t, c.ValidateLabels, "Kubernetes checks the labels it interprets")
	assert.NoError(t, c.ValidateLabels(nil))
	assert.Error(t, c.ValidateLabels(map[string]string{"flannel_backend": "gre"}))

	// Each call returns fresh slices.
	c.NetworkDrivers[0] = "changed"
	assert.Equal(t, "flannel", k8s.Capabilities().NetworkDrivers[0])
}

func TestDrivers(t *testing.T) {
	tests := []struct {
		d      *k8s.Driver
		name   string
		distro string
	}{
		{k8s.NewFedoraAtomic(), "k8s_fedora_atomic_v1", "fedora-atomic"},
		{k8s.NewCoreOS(), "k8s_coreos_v1", "coreos"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var _ driver.Driver = tt.d
			info := tt.d.Info()
			assert.Equal(t, tt.name, info.Name)
			assert.Equal(t, []driver.Tuple{{ServerType: "vm", OSDistro: tt.distro, COE: "kubernetes"}}, info.Tuples)
			assert.Equal(t, k8s.Capabilities().NetworkDrivers, info.Capabilities.NetworkDrivers)
			assert.Equal(t, k8s.Capabilities().DefaultNetworkDriver, info.Capabilities.DefaultNetworkDriver)
		})
	}
}

func TestBothDriversRegisterTogether(t *testing.T) {
	reg, err := driver.NewRegistry(k8s.NewFedoraAtomic(), k8s.NewCoreOS())
	require.NoError(t, err)
	caps, ok := reg.Capabilities(k8s.COE)
	require.True(t, ok)
	assert.Equal(t, "flannel", caps.DefaultNetworkDriver)
	assert.Equal(t, []string{"flannel", "calico"}, caps.NetworkDrivers)
	assert.Equal(t, []string{"cinder"}, caps.VolumeDrivers)
	assert.Equal(t, []string{"vm", "bm"}, caps.ServerTypes)
}
