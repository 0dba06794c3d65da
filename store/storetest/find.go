package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

func testFindTemplate(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	unique := e.template(func(x *template.ClusterTemplate) { x.Name = "unique" })
	e.template(func(x *template.ClusterTemplate) { x.Name = "twin" })
	e.template(func(x *template.ClusterTemplate) { x.Name = "twin" })
	theirs := e.template(func(x *template.ClusterTemplate) { x.Name = "theirs"; x.ProjectID = "p2" })
	// A template whose name is another one's UUID: the UUID wins.
	e.template(func(x *template.ClusterTemplate) { x.Name = unique.UUID })

	mine := store.TemplateFilter{ProjectID: "p1"}
	got, err := s.FindTemplate(ctx, mine, unique.UUID)
	require.NoError(t, err)
	assert.Equal(t, unique, got, "by UUID")
	got, err = s.FindTemplate(ctx, mine, "unique")
	require.NoError(t, err)
	assert.Equal(t, unique, got, "by name")

	_, err = s.FindTemplate(ctx, mine, "twin")
	assert.ErrorIs(t, err, errdefs.ErrConflict, "a name two records share is ambiguous")
	_, err = s.FindTemplate(ctx, mine, "nothing")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = s.FindTemplate(ctx, mine, newUUID())
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = s.FindTemplate(ctx, mine, "")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)

	_, err = s.FindTemplate(ctx, mine, "theirs")
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "the filter applies to names")
	_, err = s.FindTemplate(ctx, mine, theirs.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "the filter applies to UUIDs")
	got, err = s.FindTemplate(ctx, store.TemplateFilter{}, "theirs")
	require.NoError(t, err)
	assert.Equal(t, theirs, got)

	// Two projects may use the same name; the filter tells them apart.
	e.template(func(x *template.ClusterTemplate) { x.Name = "unique"; x.ProjectID = "p2" })
	got, err = s.FindTemplate(ctx, mine, "unique")
	require.NoError(t, err)
	assert.Equal(t, unique.UUID, got.UUID)
	_, err = s.FindTemplate(ctx, store.TemplateFilter{}, "unique")
	assert.ErrorIs(t, err, errdefs.ErrConflict)
}

func testFindCluster(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	one := e.cluster(tm.UUID, func(c *cluster.Cluster) { c.Name = "one" })
	e.cluster(tm.UUID, func(c *cluster.Cluster) { c.Name = "dup" })
	e.cluster(tm.UUID, func(c *cluster.Cluster) { c.Name = "dup" })
	theirs := e.cluster(tm.UUID, func(c *cluster.Cluster) { c.Name = "theirs"; c.ProjectID = "p2" })
	e.cluster(tm.UUID, func(c *cluster.Cluster) { c.Name = one.UUID })

	mine := store.ClusterFilter{ProjectID: "p1"}
	got, err := s.FindCluster(ctx, mine, one.UUID)
	require.NoError(t, err)
	assert.Equal(t, one, got)
	got, err = s.FindCluster(ctx, mine, "one")
	require.NoError(t, err)
	assert.Equal(t, one, got)
	_, err = s.FindCluster(ctx, mine, "dup")
	assert.ErrorIs(t, err, errdefs.ErrConflict)
	_, err = s.FindCluster(ctx, mine, "none")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = s.FindCluster(ctx, mine, "")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = s.FindCluster(ctx, mine, theirs.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = s.FindCluster(ctx, mine, "theirs")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	got, err = s.FindCluster(ctx, store.ClusterFilter{ProjectID: "p2"}, "theirs")
	require.NoError(t, err)
	assert.Equal(t, theirs, got)
	_, err = s.FindCluster(ctx, store.ClusterFilter{ProjectID: "p1", Statuses: []cluster.Status{cluster.CreateComplete}}, "one")
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "every filter field applies")
}

func testFindNodeGroup(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	a := e.cluster(tm.UUID)
	b := e.cluster(tm.UUID)
	ga := e.group(a, func(g *cluster.NodeGroup) { g.Name = "gpu" })
	gb := e.group(b, func(g *cluster.NodeGroup) { g.Name = "gpu" })

	got, err := s.FindNodeGroup(ctx, a.UUID, "gpu")
	require.NoError(t, err)
	assert.Equal(t, ga, got, "by name, within the cluster")
	got, err = s.FindNodeGroup(ctx, b.UUID, "gpu")
	require.NoError(t, err)
	assert.Equal(t, gb, got)
	got, err = s.FindNodeGroup(ctx, a.UUID, ga.UUID)
	require.NoError(t, err)
	assert.Equal(t, ga, got, "by UUID")
	got, err = s.FindNodeGroup(ctx, a.UUID, cluster.DefaultWorkerGroup)
	require.NoError(t, err)
	assert.True(t, got.IsDefault)
	assert.Equal(t, a.UUID, got.ClusterID)

	_, err = s.FindNodeGroup(ctx, a.UUID, gb.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "another cluster's group")
	_, err = s.FindNodeGroup(ctx, a.UUID, "none")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = s.FindNodeGroup(ctx, a.UUID, "")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = s.FindNodeGroup(ctx, newUUID(), "gpu")
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "a missing cluster")
}
