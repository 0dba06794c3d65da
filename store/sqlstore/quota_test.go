package sqlstore_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
)

// Several processes (here: Stores, each with its own connections) creating
// clusters of one project on one database at once never pass its quota
// together: exactly as many creates as it allows succeed. The same for
// heartbeats: every one is counted, whichever process sends it.
func TestQuotaAcrossProcesses(t *testing.T) { onEach(t, checkQuotaAcrossProcesses) }

func checkQuotaAcrossProcesses(t *testing.T, _ backend, dsn string) {
	ctx := t.Context()
	const procs, workers = 3, 60
	stores := make([]*sqlstore.Store, procs)
	for i := range stores {
		s, err := sqlstore.Open(ctx, dsn, sqlstore.Config{})
		require.NoError(t, err)
		defer s.Close()
		stores[i] = s
	}
	tm := newTemplate("quota")
	require.NoError(t, stores[0].CreateTemplate(ctx, tm))

	for _, tc := range []struct {
		name    string
		project string
		q       store.Quota
		field   string
	}{
		{"clusters", "p-clusters", store.Quota{Clusters: store.AtMost(7)}, "clusters"},
		{"nodes", "p-nodes", store.Quota{Nodes: store.AtMost(21)}, "nodes"}, // 3 nodes each
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := make([]error, workers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range workers {
				c := &cluster.Cluster{UUID: uuid.NewString(), Name: "c" + strconv.Itoa(i), ProjectID: tc.project,
					ClusterTemplateID: tm.UUID, NodeCount: 2, MasterCount: 1, CreatedAt: time.Now()}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = stores[i%procs].CreateClusterWithin(ctx, c, nil, tc.q)
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
				require.ErrorIs(t, err, errdefs.ErrQuotaExceeded)
			}
			assert.Equal(t, 7, ok)
			n, err := stores[1].CountClusters(ctx, store.ClusterFilter{ProjectID: tc.project})
			require.NoError(t, err)
			assert.Equal(t, 7, n)
		})
	}

	t.Run("heartbeats", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = stores[i%procs].HeartbeatService(ctx, &store.Service{Host: "h", Binary: "gomagnum-manager"}, time.Now())
			}()
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		list, err := stores[2].ListServices(ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, int64(workers), list[0].ReportCount)
	})
}
