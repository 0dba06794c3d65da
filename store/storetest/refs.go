package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

func testTemplateInUse(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	c1 := e.cluster(tm.UUID)
	c2 := e.cluster(tm.UUID)

	err := s.DeleteTemplate(ctx, tm.UUID, 0)
	require.ErrorIs(t, err, errdefs.ErrInUse)
	assert.ErrorIs(t, err, errdefs.ErrInvalid, "in use is also invalid, as in Magnum")
	got, err := s.GetTemplate(ctx, tm.UUID)
	require.NoError(t, err, "a template in use stays")
	assert.Equal(t, tm, got)

	require.NoError(t, s.DeleteCluster(ctx, c1.UUID, 0))
	assert.ErrorIs(t, s.DeleteTemplate(ctx, tm.UUID, 0), errdefs.ErrInUse, "one cluster still refers to it")

	// Moving the last cluster to another template frees this one.
	other := e.template()
	c2.ClusterTemplateID = other.UUID
	require.NoError(t, s.UpdateCluster(ctx, c2))
	assert.ErrorIs(t, s.DeleteTemplate(ctx, other.UUID, 0), errdefs.ErrInUse)
	require.NoError(t, s.DeleteTemplate(ctx, tm.UUID, tm.Revision))
	_, err = s.GetTemplate(ctx, tm.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)

	// A cluster cannot move to a template that does not exist.
	before := c2.Clone()
	c2.ClusterTemplateID = newUUID()
	assert.ErrorIs(t, s.UpdateCluster(ctx, c2), errdefs.ErrNotFound)
	got2, err := s.GetCluster(ctx, c2.UUID)
	require.NoError(t, err)
	assert.Equal(t, before, got2, "a refused update changes nothing")

	// Nor be created from one.
	orphan, groups := e.newCluster(newUUID())
	require.ErrorIs(t, s.CreateCluster(ctx, orphan, groups), errdefs.ErrNotFound)
	_, err = s.GetCluster(ctx, orphan.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	for _, g := range groups {
		_, err := s.GetNodeGroup(ctx, g.UUID)
		assert.ErrorIs(t, err, errdefs.ErrNotFound)
	}
	deleted, groups := e.newCluster(tm.UUID)
	assert.ErrorIs(t, s.CreateCluster(ctx, deleted, groups), errdefs.ErrNotFound, "a deleted template")
}

// testTemplateDeleteRace races deleting a template with creating clusters
// from it: whatever the interleaving, no cluster may outlive its template.
func testTemplateDeleteRace(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	const rounds, creators = 10, 4
	for r := 0; r < rounds; r++ {
		tm := e.template()
		var wg sync.WaitGroup
		created := make([]*cluster.Cluster, creators)
		errs := make([]error, creators+1)
		for i := 0; i < creators; i++ {
			c, groups := e.newCluster(tm.UUID)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if errs[i] = s.CreateCluster(ctx, c, groups); errs[i] == nil {
					created[i] = c
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[creators] = s.DeleteTemplate(ctx, tm.UUID, 0)
		}()
		wg.Wait()

		delErr := errs[creators]
		n := 0
		for i, c := range created {
			if c == nil {
				require.ErrorIs(t, errs[i], errdefs.ErrNotFound, "a create may only fail for want of the template")
				continue
			}
			n++
		}
		_, getErr := s.GetTemplate(ctx, tm.UUID)
		switch {
		case delErr == nil:
			assert.Zero(t, n, "the template was deleted, so no cluster may refer to it")
			assert.ErrorIs(t, getErr, errdefs.ErrNotFound)
		case errors.Is(delErr, errdefs.ErrInUse):
			assert.NotZero(t, n, "in use, so some cluster exists")
			assert.NoError(t, getErr)
		default:
			require.NoError(t, delErr)
		}
		count, err := s.CountClusters(ctx, store.ClusterFilter{TemplateID: tm.UUID})
		require.NoError(t, err)
		assert.Equal(t, n, count)
	}
}

func testCreateClusterAtomic(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	existing := e.cluster(tm.UUID)
	taken := e.group(existing)

	absent := func(t *testing.T, c *cluster.Cluster, groups []*cluster.NodeGroup) {
		t.Helper()
		_, err := s.GetCluster(ctx, c.UUID)
		assert.ErrorIs(t, err, errdefs.ErrNotFound, "the cluster is not stored")
		for _, g := range groups {
			if g.UUID == taken.UUID || g.UUID == "" {
				continue
			}
			_, err := s.GetNodeGroup(ctx, g.UUID)
			assert.ErrorIs(t, err, errdefs.ErrNotFound, "no group is stored")
		}
		assert.Zero(t, c.Revision, "a refused create leaves the passed record alone")
	}
	cases := []struct {
		name  string
		spoil func(c *cluster.Cluster, groups []*cluster.NodeGroup) []*cluster.NodeGroup
		kind  error
	}{
		{"the last group's UUID is taken", func(c *cluster.Cluster, gs []*cluster.NodeGroup) []*cluster.NodeGroup {
			extra := e.newGroup(c)
			extra.UUID = taken.UUID
			return append(gs, extra)
		}, errdefs.ErrConflict},
		{"two groups share a name", func(c *cluster.Cluster, gs []*cluster.NodeGroup) []*cluster.NodeGroup {
			extra := e.newGroup(c)
			extra.Name = gs[0].Name
			return append(gs, extra)
		}, errdefs.ErrConflict},
		{"two groups share a UUID", func(c *cluster.Cluster, gs []*cluster.NodeGroup) []*cluster.NodeGroup {
			gs[1].UUID = gs[0].UUID
			return gs
		}, errdefs.ErrConflict},
		{"a group has no UUID", func(c *cluster.Cluster, gs []*cluster.NodeGroup) []*cluster.NodeGroup {
			gs[1].UUID = ""
			return gs
		}, errdefs.ErrInvalid},
		{"a group belongs to another cluster", func(c *cluster.Cluster, gs []*cluster.NodeGroup) []*cluster.NodeGroup {
			gs[1].ClusterID = existing.UUID
			return gs
		}, errdefs.ErrInvalid},
		{"the template is missing", func(c *cluster.Cluster, gs []*cluster.NodeGroup) []*cluster.NodeGroup {
			c.ClusterTemplateID = newUUID()
			return gs
		}, errdefs.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, groups := e.newCluster(tm.UUID)
			groups = tc.spoil(c, groups)
			assert.ErrorIs(t, s.CreateCluster(ctx, c, groups), tc.kind)
			absent(t, c, groups)
		})
	}
	n, err := s.CountClusters(ctx, store.ClusterFilter{})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	list, err := s.ListNodeGroups(ctx, store.NodeGroupFilter{}, store.Page{})
	require.NoError(t, err)
	assert.Len(t, list, 3, "only the existing cluster's groups")
}

func testDeleteClusterCascades(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	doomed := e.cluster(tm.UUID)
	extra := e.group(doomed)
	kept := e.cluster(tm.UUID)
	keptExtra := e.group(kept, func(g *cluster.NodeGroup) { g.Name = extra.Name })

	doomedGroups, err := s.ListNodeGroups(ctx, store.NodeGroupFilter{ClusterID: doomed.UUID}, store.Page{})
	require.NoError(t, err)
	require.Len(t, doomedGroups, 3)

	require.NoError(t, s.DeleteCluster(ctx, doomed.UUID, doomed.Revision))
	for _, g := range doomedGroups {
		_, err := s.GetNodeGroup(ctx, g.UUID)
		assert.ErrorIs(t, err, errdefs.ErrNotFound, "group %s goes with its cluster", g.Name)
	}
	left, err := s.ListNodeGroups(ctx, store.NodeGroupFilter{ClusterID: doomed.UUID}, store.Page{})
	require.NoError(t, err)
	assert.Empty(t, left)
	_, err = s.FindNodeGroup(ctx, doomed.UUID, extra.Name)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)

	all, err := s.ListNodeGroups(ctx, store.NodeGroupFilter{}, store.Page{})
	require.NoError(t, err)
	assert.Len(t, all, 3, "the other cluster's groups stay")
	got, err := s.GetNodeGroup(ctx, keptExtra.UUID)
	require.NoError(t, err)
	assert.Equal(t, keptExtra, got)

	// The UUIDs are free again: a new cluster may take the old group UUIDs.
	again, groups := e.newCluster(tm.UUID)
	groups[0].UUID = doomedGroups[0].UUID
	require.NoError(t, s.CreateCluster(ctx, again, groups))
}

func testNodeGroupNames(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	a := e.cluster(tm.UUID)
	b := e.cluster(tm.UUID)
	gpu := e.group(a, func(g *cluster.NodeGroup) { g.Name = "gpu" })

	dup := e.newGroup(a, func(g *cluster.NodeGroup) { g.Name = "gpu" })
	assert.ErrorIs(t, s.CreateNodeGroup(ctx, dup), errdefs.ErrConflict, "names are unique within a cluster")
	_, err := s.GetNodeGroup(ctx, dup.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	dupDefault := e.newGroup(a, func(g *cluster.NodeGroup) { g.Name = cluster.DefaultWorkerGroup })
	assert.ErrorIs(t, s.CreateNodeGroup(ctx, dupDefault), errdefs.ErrConflict)

	e.group(b, func(g *cluster.NodeGroup) { g.Name = "gpu" }) // another cluster may use it

	cpu := e.group(a, func(g *cluster.NodeGroup) { g.Name = "cpu" })
	cpu.Name = "gpu"
	assert.ErrorIs(t, s.UpdateNodeGroup(ctx, cpu), errdefs.ErrConflict, "no rename onto a sibling's name")
	got, err := s.GetNodeGroup(ctx, cpu.UUID)
	require.NoError(t, err)
	assert.Equal(t, "cpu", got.Name)

	got.Name = "cpu-2"
	require.NoError(t, s.UpdateNodeGroup(ctx, got), "a rename to a free name")
	e.group(a, func(g *cluster.NodeGroup) { g.Name = "cpu" }) // the old name is free

	require.NoError(t, s.DeleteNodeGroup(ctx, gpu.UUID, 0))
	e.group(a, func(g *cluster.NodeGroup) { g.Name = "gpu" }) // free after a delete
}
