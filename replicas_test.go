package magnum_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
)

// countingOrch counts what the replicas ask of Heat.
type countingOrch struct {
	heat.Orchestrator
	tickLists atomic.Int64 // the sync ticks' list calls (stacks in progress): one per tick
	mu        sync.Mutex
	created   map[string][]string // cluster UUID → stack ids created for it
}

func (o *countingOrch) CreateStack(ctx context.Context, req heat.StackRequest) (string, error) {
	id, err := o.Orchestrator.CreateStack(ctx, req)
	if err == nil {
		o.mu.Lock()
		for _, t := range req.Tags {
			if t != heat.DefaultStackTag {
				o.created[t] = append(o.created[t], id)
			}
		}
		o.mu.Unlock()
	}
	return id, err
}

func (o *countingOrch) ListStacks(ctx context.Context, f heat.ListFilter) ([]heat.Stack, error) {
	if len(f.Tags) == 0 && len(f.IDs) == 0 && len(f.States) > 0 { // the sync tick's list
		o.tickLists.Add(1)
	}
	return o.Orchestrator.ListStacks(ctx, f)
}

// replica is one Manager of the group, with its own store connection.
type replica struct {
	m      *magnum.Manager
	st     *sqlstore.Store
	cancel context.CancelFunc
	done   chan error
	dead   atomic.Bool
}

// TestReplicasShareOneTruth runs 300 cluster lifecycles over three Managers
// sharing one database and one cloud, and kills one of them midway.
func TestReplicasShareOneTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "magnum.db")
		runReplicas(t, func() string { return path }, replicaCount(90))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("GOMAGNUM_POSTGRES_DSN")
		if dsn == "" {
			if os.Getenv("GOMAGNUM_REQUIRE_POSTGRES") != "" {
				t.Fatal("GOMAGNUM_POSTGRES_DSN is not set")
			}
			t.Skip("no PostgreSQL (GOMAGNUM_POSTGRES_DSN); scripts/postgres-test.sh provides one")
		}
		schema := freshSchema(t, dsn)
		runReplicas(t, func() string { return dsn + "&search_path=" + schema }, replicaCount(300))
	})
}

func replicaCount(def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("GOMAGNUM_REPLICA_CLUSTERS"), &n); err == nil && n > 0 {
		return n
	}
	return def
}

// freshSchema makes an empty schema for the test.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	schema := fmt.Sprintf("replicas_%d", rand.Uint32())
	_, err = db.ExecContext(t.Context(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		db, err := sql.Open("pgx", dsn)
		if err == nil {
			_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			_ = db.Close()
		}
	})
	return schema
}

func runReplicas(t *testing.T, dsn func() string, n int) {
	ctx := context.Background()
	cloud := openstacktest.New(openstacktest.Options{})
	t.Cleanup(cloud.Close)
	conn, err := cloud.Connect(ctx)
	require.NoError(t, err)
	base, err := conn.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	orch := &countingOrch{Orchestrator: base, created: map[string][]string{}}
	keys, err := certs.NewEphemeralKeys()
	require.NoError(t, err)

	const interval = 20 * time.Millisecond
	projects := (n + 99) / 100 // at most 100 clusters per project
	n -= n % projects
	perProject := n / projects
	replicas := make([]*replica, 3)
	for i := range replicas {
		st, err := sqlstore.Open(ctx, dsn(), sqlstore.Config{})
		require.NoError(t, err)
		cm, err := certs.New(certs.Config{Storage: certs.NewSealedStorage(st.Records("certs"), keys)})
		require.NoError(t, err)
		m, err := magnum.New(magnum.Config{
			Store: st, Orchestrator: orch, Images: conn, Resources: conn, Certs: cm,
			Nodes: nodeAccess(cloud.AuthOptions().IdentityEndpoint), Host: fmt.Sprintf("replica-%d", i),
			Quota: &store.Quota{Clusters: store.AtMost(perProject)}, SyncInterval: interval,
			ResumeAfter: 3 * time.Second, ServiceDownTime: 300 * time.Millisecond,
			Logger: testLogger(t, fmt.Sprintf("replica-%d", i)),
		})
		require.NoError(t, err)
		rctx, cancel := context.WithCancel(ctx)
		r := &replica{m: m, st: st, cancel: cancel, done: make(chan error, 1)}
		go func() { r.done <- m.Run(rctx) }()
		replicas[i] = r
	}
	t.Cleanup(func() {
		for _, r := range replicas {
			r.cancel()
			<-r.done
			_ = r.m.Close()
			_ = r.st.Close()
		}
	})
	// live picks a replica that is still alive.
	live := func() *replica {
		for {
			r := replicas[rand.IntN(len(replicas))]
			if !r.dead.Load() {
				return r
			}
		}
	}
	callers := make([]policy.Caller, projects)
	for p := range callers {
		callers[p] = policy.Caller{UserID: fmt.Sprintf("u%d", p), ProjectID: fmt.Sprintf("p%d", p), Roles: []string{"member"}}
		_, err := replicas[0].m.CreateClusterTemplate(as(callers[p]), fakeK8sTemplate("k8s"))
		require.NoError(t, err)
	}

	// Every project asks for more clusters than its quota, on all replicas
	// at once: exactly the quota is created.
	start := time.Now()
	var (
		wg       sync.WaitGroup
		refused  atomic.Int64
		mu       sync.Mutex
		problems []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	extra := 5
	var created atomic.Int64
	// How long each stage of a cluster may take: a safeguard against a
	// hang, not a performance target. With -race the test needs about a
	// minute of CPU at 300 clusters; on a loaded two-CPU machine it gets a
	// fraction of one, so the bound grows with the clusters.
	patience := max(60*time.Second, time.Duration(n)*time.Second)
	for i := range n + extra*projects {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := as(callers[i%projects])
			c, err := createOnLive(ctx, live, fmt.Sprintf("c%d", i))
			if errors.Is(err, errdefs.ErrQuotaExceeded) {
				refused.Add(1)
				return
			}
			if err != nil {
				fail("create %d: %v", i, err)
				return
			}
			created.Add(1)
			if err := lifecycleOnLive(ctx, live, c.UUID, patience); err != nil {
				fail("cluster %s: %v", c.UUID, err)
			}
		}()
	}
	// Kill one replica midway: its store connection goes and its loop
	// stops without handing the lease on.
	time.Sleep(300 * time.Millisecond)
	victim := replicas[0]
	victim.dead.Store(true)
	_ = victim.st.Close()
	victim.cancel()
	<-victim.done
	victim.done <- nil // for the cleanup

	wg.Wait()
	elapsed := time.Since(start)
	require.Empty(t, problems)
	assert.Equal(t, int64(n), created.Load(), "the quota held exactly")
	assert.Equal(t, int64(extra*projects), refused.Load())

	left, err := replicas[1].st.ListClusters(ctx, store.ClusterFilter{}, store.Page{})
	require.NoError(t, err)
	assert.Empty(t, left, "every cluster reached its end")
	stacks, err := base.ListStacks(ctx, heat.ListFilter{Tags: []string{heat.DefaultStackTag}})
	require.NoError(t, err)
	assert.Empty(t, stacks, "no stack left behind")
	orch.mu.Lock()
	assert.Len(t, orch.created, n)
	for id, ids := range orch.created {
		assert.Len(t, ids, 1, "cluster %s: one stack created", id)
	}
	orch.mu.Unlock()
	ticks := float64(elapsed) / float64(interval)
	assert.LessOrEqual(t, float64(orch.tickLists.Load()), ticks*1.2+5,
		"one list call per tick for the whole group (%d calls in %.0f ticks)", orch.tickLists.Load(), ticks)

	time.Sleep(400 * time.Millisecond)
	svcs, err := replicas[1].m.ListServices(as(admin))
	require.NoError(t, err)
	state := map[string]string{}
	for _, s := range svcs {
		state[s.Host] = s.State
	}
	assert.Equal(t, map[string]string{"replica-0": "down", "replica-1": "up", "replica-2": "up"}, state)
}

// testLogger logs warnings to the test log when GOMAGNUM_TEST_LOG is set.
func testLogger(t *testing.T, name string) *slog.Logger {
	if os.Getenv("GOMAGNUM_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("m", name)
}

// createOnLive creates a cluster on some live replica, moving on to
// another when the one picked dies under the call.
func createOnLive(ctx context.Context, live func() *replica, name string) (*cluster.Cluster, error) {
	for {
		r := live()
		c, err := r.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: name, ClusterTemplate: "k8s"})
		if err != nil && r.dead.Load() {
			// The replica died under the call: was the cluster recorded?
			if c, ferr := live().m.GetCluster(ctx, name); ferr == nil {
				return c, nil
			}
			continue
		}
		return c, err
	}
}

// lifecycleOnLive waits for the create, resizes to 2, waits, deletes and
// waits until the cluster is gone, each step on some live replica and
// within patience.
func lifecycleOnLive(ctx context.Context, live func() *replica, id string, patience time.Duration) error {
	wait := func(until ...cluster.Status) (*cluster.Cluster, error) {
		deadline := time.Now().Add(patience)
		for time.Now().Before(deadline) {
			r := live()
			// Long enough not to turn 300 waiters into a load of their own
			// (each new Wait reads the store twice); a dead replica's Wait
			// fails at once with its closed store.
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			c, err := r.m.Wait(wctx, id, until...)
			cancel()
			if err == nil {
				return c, nil
			}
			if !errors.Is(err, context.DeadlineExceeded) && !r.dead.Load() {
				return c, err
			}
		}
		return nil, fmt.Errorf("timed out waiting %v for %v", patience, until)
	}
	retry := func(op func(m *magnum.Manager) error) error {
		for {
			r := live()
			err := op(r.m)
			if err == nil || !r.dead.Load() {
				return err
			}
		}
	}
	if c, err := wait(cluster.CreateComplete, cluster.CreateFailed); err != nil || c.Status != cluster.CreateComplete {
		return fmt.Errorf("create: %v %v", status(c), err)
	}
	if err := retry(func(m *magnum.Manager) error {
		_, err := m.ResizeCluster(ctx, id, magnum.ResizeRequest{NodeCount: 2})
		return err
	}); err != nil {
		return fmt.Errorf("resize: %w", err)
	}
	c, err := wait(cluster.UpdateComplete, cluster.UpdateFailed)
	if err != nil || c.Status != cluster.UpdateComplete || c.NodeCount != 2 {
		return fmt.Errorf("resize: %v %v", status(c), err)
	}
	if err := retry(func(m *magnum.Manager) error { return m.DeleteCluster(ctx, id) }); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if _, err := wait(cluster.DeleteComplete); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	return nil
}

func status(c *cluster.Cluster) string {
	if c == nil {
		return "(none)"
	}
	return fmt.Sprintf("%s (%s) nodes=%d", c.Status, c.StatusReason, c.NodeCount)
}
