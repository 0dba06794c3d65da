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

// clusterWithGroups stores a new cluster with its default master and
// worker groups and returns them as stored.
func (e *env) clusterWithGroups(tmpl string, opts ...func(*cluster.Cluster)) (c *cluster.Cluster, master, worker *cluster.NodeGroup) {
	e.t.Helper()
	c, groups := e.newCluster(tmpl, opts...)
	require.NoError(e.t, e.s.CreateCluster(e.ctx, c, groups))
	return c, groups[0], groups[1]
}

// assertStored checks that the store holds exactly c and groups.
func (e *env) assertStored(t *testing.T, c *cluster.Cluster, groups ...*cluster.NodeGroup) {
	t.Helper()
	got, err := e.s.GetCluster(e.ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, c, got, "cluster %s", c.Name)
	for _, g := range groups {
		got, err := e.s.GetNodeGroup(e.ctx, g.UUID)
		require.NoError(t, err)
		assert.Equal(t, g, got, "node group %s", g.Name)
	}
}

// changed returns copies of c and groups with new values everywhere a
// resize or a status sync writes them, at the revisions they carry.
func (e *env) changed(c *cluster.Cluster, groups ...*cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup) {
	at := e.now()
	uc := c.Clone()
	uc.NodeCount++
	uc.Status, uc.StatusReason, uc.UpdatedAt = cluster.UpdateInProgress, "resizing", &at
	ugs := make([]*cluster.NodeGroup, len(groups))
	for i, g := range groups {
		gat := e.now()
		ug := g.Clone()
		ug.NodeCount++
		ug.Status, ug.StatusReason, ug.UpdatedAt = cluster.UpdateInProgress, "resizing", &gat
		ug.NodeAddresses = append(ug.NodeAddresses, "192.0.2.10")
		ugs[i] = ug
	}
	return uc, ugs
}

// testUpdateClusterGroups checks UpdateClusterGroups: all of the cluster and
// its given groups are written, at their revisions, or none.
func testUpdateClusterGroups(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()

	t.Run("writes all", func(t *testing.T) {
		e := e.with(t)
		c, master, worker := e.clusterWithGroups(tm.UUID)
		extra := e.group(c)
		uc, ugs := e.changed(c, master, worker)
		ugs[1].Name = "workers-renamed" // a rename to a free name is allowed
		cAt, wAt := *uc.UpdatedAt, *ugs[1].UpdatedAt
		require.NoError(t, s.UpdateClusterGroups(ctx, uc, ugs, store.Quota{Nodes: store.AtMost(100)}))

		assert.Equal(t, c.Revision+1, uc.Revision)
		assert.Equal(t, master.Revision+1, ugs[0].Revision)
		assert.Equal(t, worker.Revision+1, ugs[1].Revision)
		require.NotNil(t, uc.UpdatedAt)
		assert.Equal(t, normalised(cAt), *uc.UpdatedAt, "the cluster's times are written back normalised")
		assert.Equal(t, normalised(wAt), *ugs[1].UpdatedAt, "and the groups'")
		assert.Equal(t, normalised(worker.CreatedAt), ugs[1].CreatedAt)
		e.assertStored(t, uc, ugs...)
		e.assertStored(t, uc, extra) // a group not given is left alone

		found, err := s.FindNodeGroup(ctx, c.UUID, "workers-renamed")
		require.NoError(t, err)
		assert.Equal(t, worker.UUID, found.UUID)
		_, err = s.FindNodeGroup(ctx, c.UUID, cluster.DefaultWorkerGroup)
		assert.ErrorIs(t, err, errdefs.ErrNotFound, "the old name is free")
		g := e.newGroup(c, func(g *cluster.NodeGroup) { g.Name = cluster.DefaultWorkerGroup })
		require.NoError(t, s.CreateNodeGroup(ctx, g), "and can be taken")

		// The written-back revisions are the ones the next write needs.
		again, agains := e.changed(uc, ugs...)
		require.NoError(t, s.UpdateClusterGroups(ctx, again, agains, store.Quota{}))
		e.assertStored(t, again, agains...)
	})

	t.Run("no groups is UpdateClusterWithin", func(t *testing.T) {
		e := e.with(t)
		c, master, worker := e.clusterWithGroups(tm.UUID)
		for _, groups := range [][]*cluster.NodeGroup{nil, {}} {
			uc, _ := e.changed(c)
			require.NoError(t, s.UpdateClusterGroups(ctx, uc, groups, store.Quota{}))
			assert.Equal(t, c.Revision+1, uc.Revision)
			e.assertStored(t, uc, master, worker)
			c = uc
		}
		stale := c.Clone()
		stale.Revision--
		assert.ErrorIs(t, s.UpdateClusterGroups(ctx, stale, nil, store.Quota{}), errdefs.ErrConflict)
		missing, _ := e.newCluster(tm.UUID)
		missing.Revision = 1
		assert.ErrorIs(t, s.UpdateClusterGroups(ctx, missing, nil, store.Quota{}), errdefs.ErrNotFound)
		noTemplate := c.Clone()
		noTemplate.ClusterTemplateID = newUUID()
		assert.ErrorIs(t, s.UpdateClusterGroups(ctx, noTemplate, nil, store.Quota{}), errdefs.ErrNotFound)
		e.assertStored(t, c, master, worker)
	})

	// Each case fails and leaves the cluster, both default groups and the
	// passed records as they were.
	cases := []struct {
		name string
		kind error
		// prepare returns the update to try, from the stored records.
		prepare func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota)
	}{
		{"stale cluster", errdefs.ErrConflict, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			uc, ugs := e.changed(c, master, worker)
			uc.Revision--
			return uc, ugs, store.Quota{}
		}},
		{"stale group", errdefs.ErrConflict, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			uc, ugs := e.changed(c, master, worker)
			ugs[1].Revision++ // the first group is fine; the second fails
			return uc, ugs, store.Quota{}
		}},
		{"missing group", errdefs.ErrNotFound, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			uc, ugs := e.changed(c, master)
			gone := e.newGroup(c)
			gone.Revision = 1
			return uc, append(ugs, gone), store.Quota{}
		}},
		{"missing cluster", errdefs.ErrNotFound, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			_, ugs := e.changed(c, master, worker)
			other, _ := e.newCluster(c.ClusterTemplateID)
			other.UUID, other.Revision = c.UUID+"-missing", 1
			for _, g := range ugs {
				g.ClusterID = other.UUID
			}
			return other, ugs, store.Quota{}
		}},
		{"group of another cluster", errdefs.ErrInvalid, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			_, _, otherWorker := e.clusterWithGroups(c.ClusterTemplateID)
			uc, ugs := e.changed(c, master, otherWorker)
			return uc, ugs, store.Quota{}
		}},
		{"group moved into the cluster", errdefs.ErrInvalid, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			_, _, otherWorker := e.clusterWithGroups(c.ClusterTemplateID)
			uc, ugs := e.changed(c, master, otherWorker)
			ugs[1].ClusterID = c.UUID // stored in the other cluster
			return uc, ugs, store.Quota{}
		}},
		{"group without cluster", errdefs.ErrInvalid, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			uc, ugs := e.changed(c, master, worker)
			ugs[1].ClusterID = ""
			return uc, ugs, store.Quota{}
		}},
		{"group without UUID", errdefs.ErrInvalid, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			uc, ugs := e.changed(c, master, worker)
			ugs[1].UUID = ""
			return uc, ugs, store.Quota{}
		}},
		{"group given twice", errdefs.ErrInvalid, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			uc, ugs := e.changed(c, worker, worker)
			ugs[1].Name = "another-name"
			return uc, ugs, store.Quota{}
		}},
		{"renamed onto a sibling", errdefs.ErrConflict, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			uc, ugs := e.changed(c, worker)
			ugs[0].Name = master.Name
			return uc, ugs, store.Quota{}
		}},
		{"names swapped", errdefs.ErrConflict, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			uc, ugs := e.changed(c, master, worker)
			ugs[0].Name, ugs[1].Name = worker.Name, master.Name
			return uc, ugs, store.Quota{}
		}},
		{"two groups renamed alike", errdefs.ErrConflict, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			uc, ugs := e.changed(c, master, worker)
			ugs[0].Name, ugs[1].Name = "same", "same"
			return uc, ugs, store.Quota{}
		}},
		{"quota exceeded", errdefs.ErrQuotaExceeded, func(e *env, c *cluster.Cluster, master, worker *cluster.NodeGroup) (*cluster.Cluster, []*cluster.NodeGroup, store.Quota) {
			uc, ugs := e.changed(c, master, worker) // one node more
			return uc, ugs, store.Quota{Nodes: store.AtMost(c.NodeCount + c.MasterCount)}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			// A project of its own, so the quota case counts this cluster only.
			c, master, worker := e.clusterWithGroups(tm.UUID, inProject("p-"+newUUID()))
			uc, ugs, q := tc.prepare(e, c, master, worker)
			before := []int64{uc.Revision}
			for _, g := range ugs {
				before = append(before, g.Revision)
			}
			err := s.UpdateClusterGroups(ctx, uc, ugs, q)
			require.ErrorIs(t, err, tc.kind)
			var de *errdefs.Error
			assert.True(t, errors.As(err, &de), "an *errdefs.Error: %v", err)
			if tc.kind == errdefs.ErrQuotaExceeded {
				assertQuotaError(t, err, "nodes")
			}
			e.assertStored(t, c, master, worker)
			after := []int64{uc.Revision}
			for _, g := range ugs {
				after = append(after, g.Revision)
			}
			assert.Equal(t, before, after, "a refused update is not written back")
		})
	}

	t.Run("quota", func(t *testing.T) {
		e := e.with(t)
		const project = "groups-quota"
		c, master, worker := e.clusterWithGroups(tm.UUID, inProject(project), sized(3, 1))
		e.cluster(tm.UUID, inProject(project), sized(4, 1)) // the project holds 9
		tight := store.Quota{Nodes: store.AtMost(9)}
		// Lowering the count never fails, even at the limit.
		uc, ugs := e.changed(c, master, worker)
		uc.NodeCount, ugs[1].NodeCount = 2, 2
		require.NoError(t, s.UpdateClusterGroups(ctx, uc, ugs, tight))
		// 8 held: one more fits, two more do not.
		up, ups := e.changed(uc, ugs...)
		up.NodeCount, ups[1].NodeCount = 4, 4
		assertQuotaError(t, s.UpdateClusterGroups(ctx, up, ups, tight), "nodes")
		e.assertStored(t, uc, ugs...)
		up.NodeCount, ups[1].NodeCount = 3, 3
		require.NoError(t, s.UpdateClusterGroups(ctx, up, ups, tight))
		e.assertStored(t, up, ups...)
		// A zero quota limits nothing.
		big, bigs := e.changed(up, ups...)
		big.NodeCount, bigs[1].NodeCount = 50, 50
		require.NoError(t, s.UpdateClusterGroups(ctx, big, bigs, store.Quota{}))
		e.assertStored(t, big, bigs...)
	})
}

// testClusterGroupsRace has ten updates of a cluster and its worker group
// each race for the last nodes of a project's quota, and many writers race
// for one cluster's revision: the quota holds, exactly one writer of a
// revision wins, and a cluster's and its worker group's counts never
// diverge.
func testClusterGroupsRace(t *testing.T, e *env) {
	tm := e.template()

	t.Run("quota", func(t *testing.T) {
		e := e.with(t)
		const project = "race-groups"
		q := store.Quota{Nodes: store.AtMost(30)}
		type job struct {
			c      *cluster.Cluster
			worker *cluster.NodeGroup
		}
		jobs := make([]job, 10) // 2 nodes each; each update adds 2
		for i := range jobs {
			c, _, worker := e.clusterWithGroups(tm.UUID, inProject(project), sized(1, 1))
			c.NodeCount += 2
			worker.NodeCount = c.NodeCount
			jobs[i] = job{c, worker}
		}
		errs := make([]error, len(jobs))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if i%2 == 0 { // mixed with plain updates, which take the same quota
					errs[i] = e.s.UpdateClusterGroups(e.ctx, j.c, []*cluster.NodeGroup{j.worker}, q)
				} else {
					errs[i] = e.s.UpdateClusterWithin(e.ctx, j.c, q)
				}
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			assertQuotaError(t, err, "nodes")
		}
		assert.Equal(t, 5, ok, "successful updates")
		nodes := 0
		for i, j := range jobs {
			c, err := e.s.GetCluster(e.ctx, j.c.UUID)
			require.NoError(t, err)
			nodes += c.NodeCount + c.MasterCount
			if i%2 == 0 {
				w, err := e.s.GetNodeGroup(e.ctx, j.worker.UUID)
				require.NoError(t, err)
				assert.Equal(t, c.NodeCount, w.NodeCount, "the worker group was written with its cluster, or not at all")
			}
		}
		assert.Equal(t, 30, nodes, "stored nodes")
	})

	t.Run("revision", func(t *testing.T) {
		e := e.with(t)
		c, master, worker := e.clusterWithGroups(tm.UUID)
		const writers = 20
		errs := make([]error, writers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range writers {
			uc, ugs := c.Clone(), []*cluster.NodeGroup{master.Clone(), worker.Clone()}
			uc.NodeCount, ugs[1].NodeCount = 10+i, 10+i
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if i%4 == 3 { // a lone group update competes for the worker's revision
					errs[i] = e.s.UpdateNodeGroup(e.ctx, ugs[1])
					return
				}
				errs[i] = e.s.UpdateClusterGroups(e.ctx, uc, ugs, store.Quota{})
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			assert.ErrorIs(t, err, errdefs.ErrConflict)
		}
		assert.Equal(t, 1, won, "one writer of the worker's revision wins")
		w, err := e.s.GetNodeGroup(e.ctx, worker.UUID)
		require.NoError(t, err)
		assert.Equal(t, worker.Revision+1, w.Revision)
		got, err := e.s.GetCluster(e.ctx, c.UUID)
		require.NoError(t, err)
		if got.Revision == c.Revision+1 { // a cluster-and-groups writer won
			assert.Equal(t, got.NodeCount, w.NodeCount)
			m, err := e.s.GetNodeGroup(e.ctx, master.UUID)
			require.NoError(t, err)
			assert.Equal(t, master.Revision+1, m.Revision)
		} else {
			assert.Equal(t, c, got, "the lone group update won; the cluster is untouched")
		}
	})
}
