package magnum_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
)

// quotaStores are the stores the quota tests run on: each must count a
// project's use and add to it in one atomic step.
var quotaStores = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"memory", func(t *testing.T) store.Store {
		s := store.NewMemory()
		t.Cleanup(func() { assert.NoError(t, s.Close()) })
		return s
	}},
	{"sqlite", func(t *testing.T) store.Store {
		s, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "magnum.db"), sqlstore.Config{})
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, s.Close()) })
		return s
	}},
}

// createConcurrently calls CreateCluster n times at once for alice, cluster
// i named prefix-i with nodes worker nodes, and returns the clusters made
// and the errors of the others.
func createConcurrently(t *testing.T, m *magnum.Manager, prefix string, n, nodes int) ([]*cluster.Cluster, []error) {
	t.Helper()
	var (
		mu      sync.Mutex
		created []*cluster.Cluster
		failed  []error
		wg      sync.WaitGroup
		start   = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			c, err := m.CreateCluster(as(alice), &magnum.ClusterRequest{
				Name: fmt.Sprintf("%s-%d", prefix, i), ClusterTemplate: "k8s", NodeCount: &nodes})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = append(failed, err)
				return
			}
			created = append(created, c)
		})
	}
	close(start)
	wg.Wait()
	return created, failed
}

// projectClusters lists alice's clusters.
func projectClusters(t *testing.T, m *magnum.Manager) []*cluster.Cluster {
	t.Helper()
	cs, err := m.ListClusters(as(alice), magnum.ListOptions{Page: store.Page{Limit: 1000}})
	require.NoError(t, err)
	return cs
}

func TestQuotaClustersUnderConcurrentCreates(t *testing.T) {
	for _, st := range quotaStores {
		t.Run(st.name, func(t *testing.T) {
			e := newCloudEnv(t, magnum.Config{Store: st.open(t), Quota: &store.Quota{Clusters: store.AtMost(10)}, DefaultCaller: &alice})
			_, err := e.m.CreateClusterTemplate(as(alice), fakeK8sTemplate("k8s"))
			require.NoError(t, err)

			created, failed := createConcurrently(t, e.m, "c", 50, 1)
			assert.Len(t, created, 10, "exactly the quota")
			require.Len(t, failed, 40)
			for _, err := range failed {
				assert.ErrorIs(t, err, errdefs.ErrQuotaExceeded)
				var de *errdefs.Error
				if assert.ErrorAs(t, err, &de) {
					assert.Equal(t, "clusters", de.Field)
				}
			}
			assert.Len(t, projectClusters(t, e.m), 10, "no record of a refused create")

			// The clusters come up, and deleting one makes room for one more.
			for _, c := range created {
				syncUntil(t, e, as(alice), c.UUID, cluster.CreateComplete)
			}
			_, err = e.m.CreateCluster(as(alice), &magnum.ClusterRequest{Name: "one-more", ClusterTemplate: "k8s"})
			require.ErrorIs(t, err, errdefs.ErrQuotaExceeded)
			require.NoError(t, e.m.DeleteCluster(as(alice), created[0].UUID))
			syncUntil(t, e, as(alice), created[0].UUID, cluster.DeleteComplete)
			c, err := e.m.CreateCluster(as(alice), &magnum.ClusterRequest{Name: "one-more", ClusterTemplate: "k8s"})
			require.NoError(t, err)
			syncUntil(t, e, as(alice), c.UUID, cluster.CreateComplete)

			// Another project has a quota of its own.
			_, err = e.m.CreateClusterTemplate(as(bob), fakeK8sTemplate("k8s"))
			require.NoError(t, err)
			b, err := e.m.CreateCluster(as(bob), &magnum.ClusterRequest{Name: "bobs", ClusterTemplate: "k8s"})
			require.NoError(t, err)
			syncUntil(t, e, as(bob), b.UUID, cluster.CreateComplete)
		})
	}
}

func TestQuotaNodes(t *testing.T) {
	for _, st := range quotaStores {
		t.Run(st.name, func(t *testing.T) {
			// Each cluster of 1 master + 1 worker counts 2 nodes: 5 fit in 10.
			e := newCloudEnv(t, magnum.Config{Store: st.open(t), Quota: &store.Quota{Nodes: store.AtMost(10)}, DefaultCaller: &alice})
			_, err := e.m.CreateClusterTemplate(as(alice), fakeK8sTemplate("k8s"))
			require.NoError(t, err)

			created, failed := createConcurrently(t, e.m, "n", 20, 1)
			assert.Len(t, created, 5, "exactly the node quota")
			require.Len(t, failed, 15)
			for _, err := range failed {
				assert.ErrorIs(t, err, errdefs.ErrQuotaExceeded)
				var de *errdefs.Error
				if assert.ErrorAs(t, err, &de) {
					assert.Equal(t, "nodes", de.Field)
				}
			}
			require.Len(t, projectClusters(t, e.m), 5)
			for _, c := range created {
				syncUntil(t, e, as(alice), c.UUID, cluster.CreateComplete)
			}
			st, err := e.m.Stats(as(alice), "")
			require.NoError(t, err)
			assert.Equal(t, magnum.Stats{Clusters: 5, Nodes: 10}, st)

			// Growing any cluster goes beyond the quota and changes nothing:
			// not the record, not its node groups, not the stack.
			target := created[0]
			before, err := e.m.GetCluster(as(alice), target.UUID)
			require.NoError(t, err)
			groupsBefore, err := e.m.NodeGroups(as(alice), target.UUID)
			require.NoError(t, err)
			heatSrv := e.cloud.Heat()
			writes := func() int {
				return heatSrv.Requests(heattest.KindUpdate) + heatSrv.Requests(heattest.KindPatch) + heatSrv.Requests(heattest.KindCreate)
			}
			writesBefore := writes()
			_, err = e.m.ResizeCluster(as(alice), target.UUID, magnum.ResizeRequest{NodeCount: 2})
			require.ErrorIs(t, err, errdefs.ErrQuotaExceeded)
			var de *errdefs.Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "nodes", de.Field)
			require.NoError(t, e.m.SyncOnce(context.Background()))
			after, err := e.m.GetCluster(as(alice), target.UUID)
			require.NoError(t, err)
			assert.Equal(t, before, after, "the refused resize left the cluster as it was")
			groupsAfter, err := e.m.NodeGroups(as(alice), target.UUID)
			require.NoError(t, err)
			assert.Equal(t, groupsBefore, groupsAfter)
			assert.Equal(t, writesBefore, writes(), "Heat was not asked to change anything")
			st, err = e.m.Stats(as(alice), "")
			require.NoError(t, err)
			assert.Equal(t, magnum.Stats{Clusters: 5, Nodes: 10}, st)

			// Shrinking frees nodes (even at the quota), which a resize of
			// another cluster may then take.
			require.NoError(t, e.m.DeleteCluster(as(alice), created[1].UUID))
			syncUntil(t, e, as(alice), created[1].UUID, cluster.DeleteComplete)
			_, err = e.m.ResizeCluster(as(alice), target.UUID, magnum.ResizeRequest{NodeCount: 4})
			require.ErrorIs(t, err, errdefs.ErrQuotaExceeded, "8 nodes + 3 is beyond 10")
			_, err = e.m.ResizeCluster(as(alice), target.UUID, magnum.ResizeRequest{NodeCount: 3})
			require.NoError(t, err, "8 nodes − 2 + 4 is 10")
			c := syncUntil(t, e, as(alice), target.UUID, cluster.UpdateComplete)
			assert.Equal(t, 3, c.NodeCount)
			st, err = e.m.Stats(as(alice), "")
			require.NoError(t, err)
			assert.Equal(t, magnum.Stats{Clusters: 4, Nodes: 10}, st)
		})
	}
}
