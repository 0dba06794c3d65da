package magnum_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

// TestQuotaRecordsEnforced: a project's quota rows override Config.Quota on
// cluster create and resize, for that project only.
func TestQuotaRecordsEnforced(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{})
	_, err := e.m.CreateClusterTemplate(as(alice), fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	_, err = e.m.CreateQuota(as(admin), alice.ProjectID, store.ResourceCluster, 1)
	require.NoError(t, err)
	_, err = e.m.CreateQuota(as(admin), alice.ProjectID, store.ResourceNode, 3)
	require.NoError(t, err)

	c, err := e.m.CreateCluster(as(alice), &magnum.ClusterRequest{Name: "one", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	syncUntil(t, e, as(alice), c.UUID, cluster.CreateComplete)
	_, err = e.m.CreateCluster(as(alice), &magnum.ClusterRequest{Name: "two", ClusterTemplate: "k8s"})
	require.ErrorIs(t, err, errdefs.ErrQuotaExceeded)

	_, err = e.m.ResizeCluster(as(alice), c.UUID, magnum.ResizeRequest{NodeCount: 3})
	require.ErrorIs(t, err, errdefs.ErrQuotaExceeded, "1 master + 3 workers > 3 nodes")
	_, err = e.m.ResizeCluster(as(alice), c.UUID, magnum.ResizeRequest{NodeCount: 2})
	require.NoError(t, err)
	syncUntil(t, e, as(alice), c.UUID, cluster.UpdateComplete)

	// Raising the quota lets the second create through.
	_, err = e.m.UpdateQuota(as(admin), alice.ProjectID, store.ResourceCluster, 2)
	require.NoError(t, err)
	_, err = e.m.UpdateQuota(as(admin), alice.ProjectID, store.ResourceNode, 10)
	require.NoError(t, err)
	_, err = e.m.CreateCluster(as(alice), &magnum.ClusterRequest{Name: "two", ClusterTemplate: "k8s"})
	assert.NoError(t, err)
}

// TestQuotaZeroRefusesCreates: a hard_limit of 0, as Magnum accepts it,
// stops the project's cluster creates while other projects go on, and
// raising it lets them through.
func TestQuotaZeroRefusesCreates(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{})
	_, err := e.m.CreateClusterTemplate(as(alice), fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	q, err := e.m.CreateQuota(as(admin), alice.ProjectID, store.ResourceCluster, 0)
	require.NoError(t, err, "0 is a valid hard_limit")
	assert.Equal(t, 0, q.HardLimit)
	got, err := e.m.GetQuota(as(alice), alice.ProjectID, store.ResourceCluster)
	require.NoError(t, err)
	assert.Equal(t, 0, got.HardLimit, "shown as 0, not as the default or unlimited")

	_, err = e.m.CreateCluster(as(alice), &magnum.ClusterRequest{Name: "none", ClusterTemplate: "k8s"})
	require.ErrorIs(t, err, errdefs.ErrQuotaExceeded)
	assert.ErrorIs(t, err, errdefs.ErrForbidden, "403 through the API, as Magnum")
	list, err := e.m.ListClusters(as(alice), magnum.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, list, "nothing was created")

	_, err = e.m.UpdateQuota(as(admin), alice.ProjectID, store.ResourceCluster, 1)
	require.NoError(t, err)
	_, err = e.m.CreateCluster(as(alice), &magnum.ClusterRequest{Name: "one", ClusterTemplate: "k8s"})
	assert.NoError(t, err)
}
