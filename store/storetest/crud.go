package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

func testTemplateCRUD(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.newTemplate()
	tm.Revision = 42 // Create ignores it
	require.NoError(t, s.CreateTemplate(ctx, tm))
	assert.Equal(t, int64(1), tm.Revision, "Create sets revision 1 on the passed record")

	got, err := s.GetTemplate(ctx, tm.UUID)
	require.NoError(t, err)
	assert.Equal(t, tm, got)

	got.Name = "renamed"
	got.Labels["extra"] = "x"
	got.UpdatedAt = ptr(e.now())
	require.NoError(t, s.UpdateTemplate(ctx, got))
	assert.Equal(t, int64(2), got.Revision, "Update increments the revision on the passed record")
	again, err := s.GetTemplate(ctx, tm.UUID)
	require.NoError(t, err)
	assert.Equal(t, got, again)
	assert.Equal(t, "renamed", again.Name)

	dup := e.newTemplate(func(x *template.ClusterTemplate) { x.UUID = tm.UUID })
	assert.ErrorIs(t, s.CreateTemplate(ctx, dup), errdefs.ErrConflict, "a taken UUID")
	noID := e.newTemplate(func(x *template.ClusterTemplate) { x.UUID = "" })
	assert.ErrorIs(t, s.CreateTemplate(ctx, noID), errdefs.ErrInvalid, "an empty UUID")
	still, err := s.GetTemplate(ctx, tm.UUID)
	require.NoError(t, err)
	assert.Equal(t, again, still, "a refused create changes nothing")

	missing := e.newTemplate()
	missing.Revision = 1
	assert.ErrorIs(t, s.UpdateTemplate(ctx, missing), errdefs.ErrNotFound)
	_, err = s.GetTemplate(ctx, missing.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "updating a missing record does not create it")

	require.NoError(t, s.DeleteTemplate(ctx, tm.UUID, again.Revision))
	_, err = s.GetTemplate(ctx, tm.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	assert.ErrorIs(t, s.DeleteTemplate(ctx, tm.UUID, 0), errdefs.ErrNotFound)
	list, err := s.ListTemplates(ctx, store.TemplateFilter{}, store.Page{})
	require.NoError(t, err)
	assert.Empty(t, list)
}

func testClusterCRUD(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	c, groups := e.newCluster(tm.UUID)
	groups[0].ClusterID = "" // an empty ClusterID is set to the cluster's
	c.Revision = 7
	require.NoError(t, s.CreateCluster(ctx, c, groups))
	assert.Equal(t, int64(1), c.Revision)
	for _, g := range groups {
		assert.Equal(t, int64(1), g.Revision)
		assert.Equal(t, c.UUID, g.ClusterID)
		got, err := s.GetNodeGroup(ctx, g.UUID)
		require.NoError(t, err)
		assert.Equal(t, g, got)
	}

	got, err := s.GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, c, got)

	got.Status = cluster.CreateComplete
	got.APIAddress = "https://192.0.2.10:6443"
	got.MasterAddresses = []string{"192.0.2.10"}
	got.HealthStatusReason = map[string]string{"api": "ok"}
	got.UpdatedAt = ptr(e.now())
	require.NoError(t, s.UpdateCluster(ctx, got))
	assert.Equal(t, int64(2), got.Revision)
	again, err := s.GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, got, again)

	n, err := s.CountClusters(ctx, store.ClusterFilter{})
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	dup, dupGroups := e.newCluster(tm.UUID, func(x *cluster.Cluster) { x.UUID = c.UUID })
	assert.ErrorIs(t, s.CreateCluster(ctx, dup, dupGroups), errdefs.ErrConflict)
	for _, g := range dupGroups {
		_, err := s.GetNodeGroup(ctx, g.UUID)
		assert.ErrorIs(t, err, errdefs.ErrNotFound, "a refused cluster stores none of its groups")
	}
	noID, _ := e.newCluster(tm.UUID, func(x *cluster.Cluster) { x.UUID = "" })
	assert.ErrorIs(t, s.CreateCluster(ctx, noID, nil), errdefs.ErrInvalid)

	bare, _ := e.newCluster(tm.UUID)
	require.NoError(t, s.CreateCluster(ctx, bare, nil), "a cluster without groups")
	n, err = s.CountClusters(ctx, store.ClusterFilter{})
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	missing, _ := e.newCluster(tm.UUID)
	missing.Revision = 1
	assert.ErrorIs(t, s.UpdateCluster(ctx, missing), errdefs.ErrNotFound)

	require.NoError(t, s.DeleteCluster(ctx, c.UUID, again.Revision))
	_, err = s.GetCluster(ctx, c.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	assert.ErrorIs(t, s.DeleteCluster(ctx, c.UUID, 0), errdefs.ErrNotFound)
	n, err = s.CountClusters(ctx, store.ClusterFilter{})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func testNodeGroupCRUD(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	c := e.cluster(e.template().UUID)
	g := e.newGroup(c, func(g *cluster.NodeGroup) {
		g.MaxNodeCount = ptr(5)
		g.NodeTaints = []cluster.Taint{{Key: "gpu", Value: "true", Effect: "NoSchedule"}}
		g.NodeLabels = labels.Labels{"tier": "gpu"}
	})
	g.Revision = 9
	require.NoError(t, s.CreateNodeGroup(ctx, g))
	assert.Equal(t, int64(1), g.Revision)

	got, err := s.GetNodeGroup(ctx, g.UUID)
	require.NoError(t, err)
	assert.Equal(t, g, got)

	got.MinNodeCount = 1
	got.MaxNodeCount = nil
	got.NodeTaints = append(got.NodeTaints, cluster.Taint{Key: "spot", Effect: "PreferNoSchedule"})
	got.UpdatedAt = ptr(e.now())
	require.NoError(t, s.UpdateNodeGroup(ctx, got))
	assert.Equal(t, int64(2), got.Revision)
	again, err := s.GetNodeGroup(ctx, g.UUID)
	require.NoError(t, err)
	assert.Equal(t, got, again)

	dup := e.newGroup(c, func(x *cluster.NodeGroup) { x.UUID = g.UUID })
	assert.ErrorIs(t, s.CreateNodeGroup(ctx, dup), errdefs.ErrConflict)
	noID := e.newGroup(c, func(x *cluster.NodeGroup) { x.UUID = "" })
	assert.ErrorIs(t, s.CreateNodeGroup(ctx, noID), errdefs.ErrInvalid)
	noCluster := e.newGroup(c, func(x *cluster.NodeGroup) { x.ClusterID = newUUID() })
	assert.ErrorIs(t, s.CreateNodeGroup(ctx, noCluster), errdefs.ErrNotFound, "the cluster must exist")
	_, err = s.GetNodeGroup(ctx, noCluster.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)

	moved := again.Clone()
	moved.ClusterID = e.cluster(e.template().UUID).UUID
	assert.ErrorIs(t, s.UpdateNodeGroup(ctx, moved), errdefs.ErrInvalid, "a group cannot change cluster")

	missing := e.newGroup(c)
	missing.Revision = 1
	assert.ErrorIs(t, s.UpdateNodeGroup(ctx, missing), errdefs.ErrNotFound)

	require.NoError(t, s.DeleteNodeGroup(ctx, g.UUID, again.Revision))
	_, err = s.GetNodeGroup(ctx, g.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	assert.ErrorIs(t, s.DeleteNodeGroup(ctx, g.UUID, 0), errdefs.ErrNotFound)
	list, err := s.ListNodeGroups(ctx, store.NodeGroupFilter{ClusterID: c.UUID}, store.Page{})
	require.NoError(t, err)
	assert.Len(t, list, 2, "the default groups remain")
}
