//go:build integration

package openstack_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/openstack"
)

// On the lab (Keystone and Heat only) the resource checks read the real
// catalog, find no Glance, Nova or Neutron, and say so per field at once,
// without a request and without hanging.
func TestLabResourceChecksWithoutServices(t *testing.T) {
	cloud := labCloud(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := cloud.CheckResources(ctx, openstack.Resources{
		Image: "fedora-atomic-latest", Flavor: "m1.small", Keypair: "testkey", ExternalNetwork: "public",
	})
	got := map[string]error{}
	for _, p := range errdefs.Problems(err) {
		got[p.Field] = p.Kind
		assert.Contains(t, p.Reason, "endpoint in the catalog")
	}
	assert.Equal(t, map[string]error{
		"image_id": errdefs.ErrUnavailable, "flavor_id": errdefs.ErrUnavailable,
		"keypair_id": errdefs.ErrUnavailable, "external_network_id": errdefs.ErrUnavailable,
	}, got)
	_, err = cloud.OSDistro(ctx, "coreos")
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	_, err = cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err, "the same catalog has Heat")
}
