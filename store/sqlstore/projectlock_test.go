package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// A write held up before its quota step does not hold its project's lock:
// the project's other creates and resizes go on meanwhile. Here a row lock
// on the template holds the first create up at its INSERT; on a loaded
// machine it is the client itself, which the scheduler leaves waiting
// between two statements. When the lock was the transaction's first
// statement, every create and resize of the project queued behind such a
// create, each with a pooled connection, and the replicas of issue 11
// stalled.
func TestPostgresProjectLockOnlyAroundTheQuotaStep(t *testing.T) {
	ctx := t.Context()
	dsn := sqlstore.PostgresDSN(t)
	// A long busy timeout: here only the test's deadlines may end a wait.
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Config{MaxConns: 2, BusyTimeout: time.Minute})
	require.NoError(t, err)
	defer s.Close()
	held, free := newTemplate("held"), newTemplate("free")
	require.NoError(t, s.CreateTemplate(ctx, held))
	require.NoError(t, s.CreateTemplate(ctx, free))

	raw, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer raw.Close()
	lockTx, err := raw.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = lockTx.Rollback() }()
	_, err = lockTx.ExecContext(ctx, "SELECT 1 FROM cluster_templates WHERE uuid = $1 FOR UPDATE", held.UUID)
	require.NoError(t, err)

	quota := store.Quota{Clusters: store.AtMost(2), Nodes: store.AtMost(6)}
	newCluster := func(name, tmpl string) *cluster.Cluster {
		return &cluster.Cluster{UUID: uuid.NewString(), Name: name, ProjectID: "p-locked",
			ClusterTemplateID: tmpl, NodeCount: 1, MasterCount: 1, CreatedAt: time.Now()}
	}
	slow := newCluster("slow", held.UUID)
	slowDone := make(chan error, 1)
	go func() { slowDone <- s.CreateClusterWithin(ctx, slow, nil, quota) }()
	waitForLockWait(t, raw, "INSERT INTO clusters")

	// The project's lock is free while the first create waits: a create
	// and a resize of the same project finish well within a deadline.
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	fast := newCluster("fast", free.UUID)
	require.NoError(t, s.CreateClusterWithin(dctx, fast, nil, quota), "a create of the project while another waits")
	fast.NodeCount = 2
	require.NoError(t, s.UpdateClusterWithin(dctx, fast, quota), "a resize of the project while a create waits")
	ok, err := s.AcquireLease(dctx, "other-work", "me", time.Now(), time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "the pool has a connection for other work")

	require.NoError(t, lockTx.Rollback())
	select {
	case err := <-slowDone:
		require.NoError(t, err, "the held create goes through once its template is free")
	case <-time.After(30 * time.Second):
		t.Fatal("the held create did not finish after its template was freed")
	}
	// The quota still counts both: a third cluster, or a node more, is
	// refused.
	err = s.CreateClusterWithin(ctx, newCluster("third", free.UUID), nil, quota)
	assert.ErrorIs(t, err, errdefs.ErrQuotaExceeded)
	fast.NodeCount = 4
	err = s.UpdateClusterWithin(ctx, fast, quota)
	assert.ErrorIs(t, err, errdefs.ErrQuotaExceeded, "slow's 2 nodes and fast's 5 would be 7 of 6")
	var qe *errdefs.Error
	require.ErrorAs(t, err, &qe)
	assert.Contains(t, qe.Reason, "holds 5", "the use reported is the project's before the update")
}

// waitForLockWait waits until a session of the test's schema waits for a
// lock in a statement starting with prefix.
func waitForLockWait(t *testing.T, raw *sql.DB, prefix string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		err := raw.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM pg_stat_activity"+
			" WHERE wait_event_type = 'Lock' AND application_name = 'gomagnum' AND query LIKE $1 || '%'", prefix).Scan(&n)
		require.NoError(t, err)
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no session waits for a lock in %q", prefix)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Two stores (replicas) with pools of two connections each run the
// replicas' mix at once — quota-checked creates, resizes that take the
// project's lock, status writes of cluster and groups together, leases and
// heartbeats — under a deadline. Nothing may wait for a connection that a
// transaction of the same store holds, and the quota holds exactly.
func TestPostgresSmallPoolsUnderLoad(t *testing.T) {
	dsn := sqlstore.PostgresDSN(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	stores := make([]*sqlstore.Store, 2)
	for i := range stores {
		s, err := sqlstore.Open(ctx, dsn, sqlstore.Config{MaxConns: 2})
		require.NoError(t, err)
		defer s.Close()
		stores[i] = s
	}
	tm := newTemplate("small-pool")
	require.NoError(t, stores[0].CreateTemplate(ctx, tm))

	const workers, limit = 24, 16
	quota := store.Quota{Clusters: store.AtMost(limit)}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		errs    []error
	)
	report := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[i%len(stores)]
			host := fmt.Sprintf("replica-%d", i%len(stores))
			if _, err := s.AcquireLease(ctx, "status-sync", host, time.Now(), 50*time.Millisecond); err != nil {
				report(fmt.Errorf("lease: %w", err))
			}
			c := &cluster.Cluster{UUID: uuid.NewString(), Name: fmt.Sprintf("c%d", i), ProjectID: "p-small",
				ClusterTemplateID: tm.UUID, NodeCount: 1, MasterCount: 1, Status: cluster.CreateInProgress, CreatedAt: time.Now()}
			g := &cluster.NodeGroup{UUID: uuid.NewString(), Name: "default-worker", ProjectID: c.ProjectID,
				Role: cluster.RoleWorker, NodeCount: 1, IsDefault: true, Status: cluster.CreateInProgress, CreatedAt: time.Now()}
			err := s.CreateClusterWithin(ctx, c, []*cluster.NodeGroup{g}, quota)
			if errors.Is(err, errdefs.ErrQuotaExceeded) {
				return
			}
			if err != nil {
				report(fmt.Errorf("create: %w", err))
				return
			}
			mu.Lock()
			created++
			mu.Unlock()
			for step := range 3 {
				other := stores[(i+step+1)%len(stores)]
				if err := other.HeartbeatService(ctx, &store.Service{Host: host, Binary: "gomagnum-manager"}, time.Now()); err != nil {
					report(fmt.Errorf("heartbeat: %w", err))
				}
				c.NodeCount++ // takes the project's lock
				g.NodeCount, g.Status = c.NodeCount, cluster.UpdateInProgress
				c.Status = cluster.UpdateInProgress
				if err := other.UpdateClusterGroups(ctx, c, []*cluster.NodeGroup{g}, quota); err != nil {
					report(fmt.Errorf("resize: %w", err))
					return
				}
				c.Status, g.Status = cluster.UpdateComplete, cluster.UpdateComplete
				if err := s.UpdateClusterGroups(ctx, c, []*cluster.NodeGroup{g}, store.Quota{}); err != nil {
					report(fmt.Errorf("status: %w", err))
					return
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, ctx.Err(), "the mix finished within its deadline")
	assert.Empty(t, errs)
	assert.Equal(t, limit, created, "the quota held exactly")
	n, err := stores[1].CountClusters(ctx, store.ClusterFilter{ProjectID: "p-small"})
	require.NoError(t, err)
	assert.Equal(t, limit, n)
}
