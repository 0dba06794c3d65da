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

// assertQuotaError checks err is a quota failure about field.
func assertQuotaError(t *testing.T, err error, field string) {
	t.Helper()
	require.ErrorIs(t, err, errdefs.ErrQuotaExceeded)
	assert.ErrorIs(t, err, errdefs.ErrForbidden, "a quota failure is also forbidden, as in Magnum")
	var de *errdefs.Error
	require.True(t, errors.As(err, &de), "an *errdefs.Error: %v", err)
	assert.Equal(t, "cluster", de.Resource)
	assert.Equal(t, field, de.Field)
	assert.NotEmpty(t, de.Reason)
}

// sized sets a cluster's node and master counts.
func sized(nodes, masters int) func(*cluster.Cluster) {
	return func(c *cluster.Cluster) { c.NodeCount, c.MasterCount = nodes, masters }
}

func inProject(p string) func(*cluster.Cluster) {
	return func(c *cluster.Cluster) { c.ProjectID = p }
}

// countIn counts the clusters and node groups of project p.
func (e *env) countIn(p string) (clusters, groups int) {
	e.t.Helper()
	n, err := e.s.CountClusters(e.ctx, store.ClusterFilter{ProjectID: p})
	require.NoError(e.t, err)
	gs, err := e.s.ListNodeGroups(e.ctx, store.NodeGroupFilter{ProjectID: p}, store.Page{})
	require.NoError(e.t, err)
	return n, len(gs)
}

// testQuotaClusters bounds the number of clusters of a project.
func testQuotaClusters(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	q := store.Quota{Clusters: store.AtMost(2)}
	for range 2 {
		c, groups := e.newCluster(tm.UUID)
		require.NoError(t, s.CreateClusterWithin(ctx, c, groups, q))
		assert.Equal(t, int64(1), c.Revision)
	}
	// Any status counts: a failed cluster still holds its place.
	c, groups := e.newCluster(tm.UUID, func(c *cluster.Cluster) { c.Status = cluster.CreateFailed })
	err := s.CreateClusterWithin(ctx, c, groups, q)
	assertQuotaError(t, err, "clusters")
	assert.Contains(t, err.Error(), "2", "the reason says the limit and the use")
	assert.Zero(t, c.Revision, "a refused record is not written back")
	_, err = s.GetCluster(ctx, c.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "nothing is stored on failure")
	for _, g := range groups {
		_, err := s.GetNodeGroup(ctx, g.UUID)
		assert.ErrorIs(t, err, errdefs.ErrNotFound, "none of the groups either")
	}
	n, ng := e.countIn("p1")
	assert.Equal(t, 2, n)
	assert.Equal(t, 4, ng)

	// Other projects neither count nor are limited by p1's use.
	other, otherGroups := e.newCluster(tm.UUID, inProject("p2"))
	require.NoError(t, s.CreateClusterWithin(ctx, other, otherGroups, q))
	// The zero Quota limits nothing; nor does a negative bound.
	for _, unlimited := range []store.Quota{{}, {Clusters: store.AtMost(-1), Nodes: store.AtMost(-1)}, {Clusters: store.NoLimit(), Nodes: store.NoLimit()}} {
		c, groups := e.newCluster(tm.UUID)
		require.NoError(t, s.CreateClusterWithin(ctx, c, groups, unlimited))
	}
	plain, plainGroups := e.newCluster(tm.UUID)
	require.NoError(t, s.CreateCluster(ctx, plain, plainGroups), "CreateCluster is unlimited")
	n, _ = e.countIn("p1")
	assert.Equal(t, 6, n, "two within the limit, three unlimited, one plain")

	// A deleted cluster frees its place.
	two := store.Quota{Clusters: store.AtMost(2)}
	x, xg := e.newCluster(tm.UUID, inProject("p3"))
	require.NoError(t, s.CreateClusterWithin(ctx, x, xg, two))
	y, yg := e.newCluster(tm.UUID, inProject("p3"))
	require.NoError(t, s.CreateClusterWithin(ctx, y, yg, two))
	z, zg := e.newCluster(tm.UUID, inProject("p3"))
	assertQuotaError(t, s.CreateClusterWithin(ctx, z, zg, two), "clusters")
	require.NoError(t, s.DeleteCluster(ctx, x.UUID, 0))
	require.NoError(t, s.CreateClusterWithin(ctx, z, zg, two))
}

// testQuotaZero checks that a limit of 0 (Magnum's hard_limit 0) is a
// limit: a project allowed no clusters or no nodes may create none, while
// lowering what it already holds still works.
func testQuotaZero(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	none := store.Quota{Clusters: store.AtMost(0)}
	c, groups := e.newCluster(tm.UUID, inProject("p-zero"))
	err := s.CreateClusterWithin(ctx, c, groups, none)
	assertQuotaError(t, err, "clusters")
	assert.Contains(t, err.Error(), "at most 0 cluster", "the reason says the limit")
	assert.Zero(t, c.Revision)
	_, err = s.GetCluster(ctx, c.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "nothing is stored")
	n, ng := e.countIn("p-zero")
	assert.Zero(t, n)
	assert.Zero(t, ng)

	// Nodes at most 0: a cluster with a node is refused, one of none is not.
	noNodes := store.Quota{Nodes: store.AtMost(0)}
	big, bigG := e.newCluster(tm.UUID, inProject("p-zero"), sized(1, 0))
	assertQuotaError(t, s.CreateClusterWithin(ctx, big, bigG, noNodes), "nodes")
	empty, emptyG := e.newCluster(tm.UUID, inProject("p-zero"), sized(0, 0))
	require.NoError(t, s.CreateClusterWithin(ctx, empty, emptyG, noNodes))

	// A project already holding clusters when its limit drops to 0 may
	// shrink them but neither grow them nor add clusters.
	held := e.cluster(tm.UUID, inProject("p-zero-held"), sized(3, 1))
	zero := store.Quota{Clusters: store.AtMost(0), Nodes: store.AtMost(0)}
	grow := held.Clone()
	grow.NodeCount = 4
	assertQuotaError(t, s.UpdateClusterWithin(ctx, grow, zero), "nodes")
	shrink := held.Clone()
	shrink.NodeCount = 2
	require.NoError(t, s.UpdateClusterWithin(ctx, shrink, zero))
	more, moreG := e.newCluster(tm.UUID, inProject("p-zero-held"), sized(0, 0))
	assertQuotaError(t, s.CreateClusterWithin(ctx, more, moreG, zero), "clusters")
}

// testQuotaNodes bounds the sum of node and master counts of a project.
func testQuotaNodes(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	q := store.Quota{Nodes: store.AtMost(10)}
	a, ag := e.newCluster(tm.UUID, sized(3, 1))
	require.NoError(t, s.CreateClusterWithin(ctx, a, ag, q))
	b, bg := e.newCluster(tm.UUID, sized(4, 1))
	require.NoError(t, s.CreateClusterWithin(ctx, b, bg, q)) // 9 of 10

	tooBig, tbg := e.newCluster(tm.UUID, sized(1, 1))
	err := s.CreateClusterWithin(ctx, tooBig, tbg, q)
	assertQuotaError(t, err, "nodes")
	assert.Contains(t, err.Error(), "10", "the reason says the limit")
	assert.Contains(t, err.Error(), "9", "and the use")
	_, err = s.GetCluster(ctx, tooBig.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	for _, g := range tbg {
		_, err := s.GetNodeGroup(ctx, g.UUID)
		assert.ErrorIs(t, err, errdefs.ErrNotFound)
	}

	fits, fg := e.newCluster(tm.UUID, sized(1, 0))
	require.NoError(t, s.CreateClusterWithin(ctx, fits, fg, q), "exactly the limit is within it")
	empty, eg := e.newCluster(tm.UUID, sized(0, 0))
	require.NoError(t, s.CreateClusterWithin(ctx, empty, eg, q), "a cluster of no nodes adds none")
	one, og := e.newCluster(tm.UUID, sized(1, 0))
	assertQuotaError(t, s.CreateClusterWithin(ctx, one, og, q), "nodes")

	// Both limits: the clusters one is reported first.
	both, bothG := e.newCluster(tm.UUID, sized(5, 5))
	assertQuotaError(t, s.CreateClusterWithin(ctx, both, bothG, store.Quota{Clusters: store.AtMost(4), Nodes: store.AtMost(10)}), "clusters")

	other, otherG := e.newCluster(tm.UUID, inProject("p2"), sized(9, 1))
	require.NoError(t, s.CreateClusterWithin(ctx, other, otherG, q), "p1's nodes do not count for p2")
}

// testQuotaUpdate checks UpdateClusterWithin: raising a count past the
// limit fails, lowering or keeping it never does.
func testQuotaUpdate(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	a := e.cluster(tm.UUID, sized(3, 1))
	b := e.cluster(tm.UUID, sized(4, 1)) // p1 holds 9
	e.cluster(tm.UUID, inProject("p2"), sized(50, 3))
	q := store.Quota{Nodes: store.AtMost(10), Clusters: store.AtMost(1)} // Clusters does not apply to updates

	up := a.Clone()
	up.NodeCount = 5 // +2: 11
	err := s.UpdateClusterWithin(ctx, up, q)
	assertQuotaError(t, err, "nodes")
	assert.Equal(t, a.Revision, up.Revision, "a refused update is not written back")
	got, err := s.GetCluster(ctx, a.UUID)
	require.NoError(t, err)
	assert.Equal(t, a, got, "nothing is stored on failure")

	up.NodeCount = 4 // +1: 10
	require.NoError(t, s.UpdateClusterWithin(ctx, up, q))
	assert.Equal(t, a.Revision+1, up.Revision)

	// Keeping the count never fails, even beyond a quota lowered since.
	tight := store.Quota{Nodes: store.AtMost(5)}
	keep := b.Clone()
	keep.Status = cluster.UpdateComplete
	require.NoError(t, s.UpdateClusterWithin(ctx, keep, tight))
	// Nor does lowering it, nor moving nodes between workers and masters.
	lower := keep.Clone()
	lower.NodeCount = 2
	require.NoError(t, s.UpdateClusterWithin(ctx, lower, tight))
	swap := lower.Clone()
	swap.NodeCount, swap.MasterCount = 1, 2
	require.NoError(t, s.UpdateClusterWithin(ctx, swap, tight))
	// p1 holds 5+3 = 8 now; raising past 5 fails, within 10 does not.
	raise := swap.Clone()
	raise.NodeCount = 2
	assertQuotaError(t, s.UpdateClusterWithin(ctx, raise, tight), "nodes")
	require.NoError(t, s.UpdateClusterWithin(ctx, raise, q))
	// Zero limits nothing, and UpdateCluster is unlimited.
	big := raise.Clone()
	big.NodeCount = 100
	require.NoError(t, s.UpdateClusterWithin(ctx, big, store.Quota{}))
	big.NodeCount = 200
	require.NoError(t, s.UpdateCluster(ctx, big))

	// The ordinary update errors come before the quota.
	stale := a.Clone()
	stale.NodeCount = 1000
	assert.ErrorIs(t, s.UpdateClusterWithin(ctx, stale, q), errdefs.ErrConflict)
	missing, _ := e.newCluster(tm.UUID)
	missing.Revision = 1
	assert.ErrorIs(t, s.UpdateClusterWithin(ctx, missing, q), errdefs.ErrNotFound)

	// Deleting frees nodes for creates.
	require.NoError(t, s.DeleteCluster(ctx, big.UUID, 0))
	nodesOnly := store.Quota{Nodes: q.Nodes}
	c, groups := e.newCluster(tm.UUID, sized(5, 1)) // 4 + 1 + 6 = 11
	assertQuotaError(t, s.CreateClusterWithin(ctx, c, groups, nodesOnly), "nodes")
	c.NodeCount = 4
	require.NoError(t, s.CreateClusterWithin(ctx, c, groups, nodesOnly))
}

// testQuotaRace has many goroutines create clusters in one project at once:
// exactly as many as the quota allows are stored.
func testQuotaRace(t *testing.T, e *env) {
	tm := e.template()
	const workers = 50
	cases := []struct {
		name    string
		project string
		q       store.Quota
	}{
		{"clusters", "race-clusters", store.Quota{Clusters: store.AtMost(10)}},
		{"nodes", "race-nodes", store.Quota{Nodes: store.AtMost(20)}}, // 2 nodes each
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			type job struct {
				c      *cluster.Cluster
				groups []*cluster.NodeGroup
			}
			jobs := make([]job, workers)
			for i := range jobs {
				jobs[i].c, jobs[i].groups = e.newCluster(tm.UUID, inProject(tc.project), sized(1, 1))
			}
			errs := make([]error, workers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range jobs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = e.s.CreateClusterWithin(e.ctx, jobs[i].c, jobs[i].groups, tc.q)
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
				assertQuotaError(t, err, tc.name)
			}
			assert.Equal(t, 10, ok, "successful creates")
			n, ng := e.countIn(tc.project)
			assert.Equal(t, 10, n, "stored clusters")
			assert.Equal(t, 20, ng, "stored node groups")
		})
	}

	t.Run("update", func(t *testing.T) {
		e := e.with(t)
		// Ten clusters of 2 nodes under a limit of 30: ten updates that
		// each add 2 nodes to a cluster of their own race for 10 nodes.
		const project = "race-update"
		q := store.Quota{Nodes: store.AtMost(30)}
		cs := make([]*cluster.Cluster, 10)
		for i := range cs {
			cs[i] = e.cluster(tm.UUID, inProject(project), sized(1, 1))
		}
		errs := make([]error, len(cs))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, c := range cs {
			up := c.Clone()
			up.NodeCount += 2
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = e.s.UpdateClusterWithin(e.ctx, up, q)
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
		list, err := e.s.ListClusters(e.ctx, store.ClusterFilter{ProjectID: project}, store.Page{})
		require.NoError(t, err)
		nodes := 0
		for _, c := range list {
			nodes += c.NodeCount + c.MasterCount
		}
		assert.Equal(t, 30, nodes, "stored nodes")
	})
}
