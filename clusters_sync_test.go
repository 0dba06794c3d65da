package magnum_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// clock is a settable clock for the Manager.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestCreateClusterReportsEveryProblemAndStoresNothing(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	neg, three := -1, 3
	_, err = e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "9bad name", ClusterTemplate: "k8s",
		NodeCount: &neg, MasterCount: &three, CreateTimeout: -5})
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.ElementsMatch(t, []string{"name", "node_count", "create_timeout", "master_count"}, fields(err))

	// A keypair the cloud does not have, found only by the cloud check.
	_, err = e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "c", ClusterTemplate: "k8s", KeyPair: "nokey"})
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Equal(t, []string{"keypair"}, fields(err))

	_, err = e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "c", ClusterTemplate: "missing"})
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Equal(t, []string{"cluster_template_id"}, fields(err))

	// The driver's own rules: an even number of masters.
	two := 2
	lb := true
	_, err = e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "c", ClusterTemplate: "k8s", MasterCount: &two, MasterLBEnabled: &lb})
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Equal(t, []string{"master_count"}, fields(err))

	l, err := e.m.ListClusters(ctx, magnum.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, l, "nothing stored")
	assert.Zero(t, e.cloud.Heat().Requests(heattest.KindCreate), "nothing sent to Heat")
}

func TestClusterOperationsNeedACloudAndACapableDriver(t *testing.T) {
	m := newManager(t)
	ctx := as(alice)
	_, err := m.CreateClusterTemplate(ctx, k8sTemplate("k8s"))
	require.NoError(t, err)
	tpl := k8sTemplate("k8s-kp")
	tpl.KeyPairID = "kp"
	_, err = m.CreateClusterTemplate(ctx, tpl)
	require.NoError(t, err)
	_, err = m.CreateCluster(ctx, &magnum.ClusterRequest{ClusterTemplate: "k8s-kp"})
	require.ErrorIs(t, err, errdefs.ErrUnavailable, "no orchestrator configured")

	// A driver that only declares what it accepts cannot build clusters.
	reg, err := driver.NewRegistry(declareOnly{})
	require.NoError(t, err)
	m2 := newCloudEnv(t, magnum.Config{Drivers: reg}).m
	toy := &template.ClusterTemplate{Name: "toy", COE: "toy", ImageID: "fedora-atomic-latest", FlavorID: "m1.small"}
	_, err = m2.CreateClusterTemplate(ctx, toy)
	require.NoError(t, err)
	_, err = m2.CreateCluster(ctx, &magnum.ClusterRequest{ClusterTemplate: toy.Name, KeyPair: "kp"})
	require.ErrorIs(t, err, errdefs.ErrUnsupported, "a declare-only driver cannot build clusters")
}

// declareOnly is a driver that declares a COE and builds nothing.
type declareOnly struct{}

func (declareOnly) Info() driver.Info {
	return driver.Info{
		Name:         "toy_v1",
		Tuples:       []driver.Tuple{{ServerType: "vm", OSDistro: "fedora-atomic", COE: "toy"}},
		Capabilities: template.Capabilities{COE: "toy", ServerTypes: []string{"vm"}},
	}
}

func TestDefaultQuotaIsMagnums(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	for i := range magnum.DefaultClustersPerProject {
		_, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{ClusterTemplate: "k8s", Name: "c" + string(rune('a'+i))})
		require.NoError(t, err)
	}
	_, err = e.m.CreateCluster(ctx, &magnum.ClusterRequest{ClusterTemplate: "k8s"})
	require.ErrorIs(t, err, errdefs.ErrQuotaExceeded)
	// Another project has its own quota.
	_, err = e.m.CreateClusterTemplate(as(bob), fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	_, err = e.m.CreateCluster(as(bob), &magnum.ClusterRequest{ClusterTemplate: "k8s"})
	require.NoError(t, err)
}

// createRecorded records a cluster as a crashed Manager would have left it:
// in CREATE_IN_PROGRESS with no stack recorded.
func createRecorded(t *testing.T, e *cloudEnv, name string) *cluster.Cluster {
	t.Helper()
	ctx := as(alice)
	tpl, err := e.m.GetClusterTemplate(ctx, "k8s")
	require.NoError(t, err)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c := &cluster.Cluster{UUID: "0f1e2d3c-0000-4000-8000-" + name, Name: name, ProjectID: alice.ProjectID, UserID: alice.UserID,
		ClusterTemplateID: tpl.UUID, KeyPair: "testkey", NodeCount: 1, MasterCount: 1, CreateTimeout: 60,
		Status: cluster.CreateInProgress, CreatedAt: now}
	groups := []*cluster.NodeGroup{
		{UUID: c.UUID[:24] + "m" + name, Name: cluster.DefaultMasterGroup, Role: cluster.RoleMaster, NodeCount: 1, IsDefault: true, Status: cluster.CreateInProgress, CreatedAt: now},
		{UUID: c.UUID[:24] + "w" + name, Name: cluster.DefaultWorkerGroup, Role: cluster.RoleWorker, NodeCount: 1, IsDefault: true, Status: cluster.CreateInProgress, CreatedAt: now},
	}
	require.NoError(t, e.m.Store().CreateCluster(context.Background(), c, groups))
	return c
}

func TestSyncAdoptsAStackWhoseIDWasNeverRecorded(t *testing.T) {
	clk := newClock()
	e := newCloudEnv(t, magnum.Config{Clock: clk.Now})
	ctx := as(alice)
	tpl, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c := createRecorded(t, e, "adopted")
	// The crashed process did reach Heat.
	d := heat.NewBackend(e.orch, heat.BackendConfig{}).Driver(k8s.NewFedoraAtomic())
	groups, err := e.m.Store().ListNodeGroups(context.Background(), store.NodeGroupFilter{ClusterID: c.UUID}, store.Page{})
	require.NoError(t, err)
	req := &driver.Request{Template: tpl, Cluster: c, NodeGroups: groups, Name: magnum.StackName(c),
		Nodes: nodeAccess(e.cloud.AuthOptions().IdentityEndpoint)}
	id, err := d.Create(context.Background(), req)
	require.NoError(t, err)

	// Its stack has settled, so it is not among those in progress: sync
	// repeats the create once the intent is old, and Heat's refusal of the
	// name leads it to the stack.
	require.NoError(t, e.m.SyncOnce(ctx))
	clk.Add(2 * time.Minute)
	got := syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	assert.Equal(t, id, got.StackID, "adopted, not duplicated")
	stacks, err := e.orch.ListStacks(context.Background(), heat.ListFilter{Tags: []string{c.UUID}})
	require.NoError(t, err)
	assert.Len(t, stacks, 1)
}

func TestSyncResumesACreateThatNeverReachedTheCloud(t *testing.T) {
	clk := newClock()
	e := newCloudEnv(t, magnum.Config{Clock: clk.Now, ResumeAfter: time.Minute})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c := createRecorded(t, e, "resumed")

	require.NoError(t, e.m.SyncOnce(ctx))
	assert.Zero(t, e.cloud.Heat().Requests(heattest.KindCreate), "too early: the creator may still be at work")

	clk.Add(2 * time.Minute)
	require.NoError(t, e.m.SyncOnce(ctx))
	got := waitFor(t, e, c.UUID, func(c *cluster.Cluster) bool { return c.StackID != "" })
	assert.NotEmpty(t, got.CACertRef, "certificates made")
	got = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	assert.Len(t, got.NodeAddresses, 1)
	assert.Equal(t, 1, e.cloud.Heat().Requests(heattest.KindCreate), "one stack")
}

// waitFor polls the store until cond holds for the cluster.
func waitFor(t *testing.T, e *cloudEnv, id string, cond func(*cluster.Cluster) bool) *cluster.Cluster {
	t.Helper()
	var c *cluster.Cluster
	require.Eventually(t, func() bool {
		var err error
		c, err = e.m.Store().GetCluster(context.Background(), id)
		require.NoError(t, err)
		return cond(c)
	}, 5*time.Second, 5*time.Millisecond)
	return c
}

func TestFailedCreateShowsFaultsAndCanBeDeleted(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	e.cloud.Heat().FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: "No valid host was found."})
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "doomed", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	got := syncUntil(t, e, ctx, c.UUID, cluster.CreateFailed)
	require.NotEmpty(t, got.Faults)
	for part, reason := range got.Faults {
		assert.Contains(t, reason, "No valid host", part)
	}
	e.cloud.Heat().ClearFaults()
	require.NoError(t, e.m.DeleteCluster(ctx, "doomed"))
	syncUntil(t, e, ctx, c.UUID, cluster.DeleteComplete)
}

func TestAStackThatVanishesFailsTheOperation(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "gone", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	c = waitFor(t, e, c.UUID, func(c *cluster.Cluster) bool { return c.StackID != "" })
	require.NoError(t, e.orch.DeleteStack(context.Background(), c.StackID))
	got := syncUntil(t, e, ctx, c.UUID, cluster.CreateFailed)
	assert.Contains(t, got.StatusReason, "disappeared")
}

func TestWaitFollowsRun(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{SyncInterval: 5 * time.Millisecond})
	ctx := as(alice)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.m.Run(runCtx) }()
	defer func() { cancel(); <-done }()

	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "waited", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	got, err := e.m.Wait(wctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, cluster.CreateComplete, got.Status)

	require.NoError(t, e.m.DeleteCluster(ctx, c.UUID))
	got, err = e.m.Wait(wctx, c.UUID, cluster.DeleteComplete)
	require.NoError(t, err)
	assert.Nil(t, got)

	svcs, err := e.m.ListServices(as(admin))
	require.NoError(t, err)
	require.Len(t, svcs, 1)
	assert.Equal(t, "up", svcs[0].State)
	assert.Equal(t, magnum.ServiceBinary, svcs[0].Binary)
	_, err = e.m.ListServices(ctx)
	require.ErrorIs(t, err, errdefs.ErrForbidden)
}

func TestStatsScope(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{})
	for _, who := range []struct {
		ctx   context.Context
		nodes int
	}{{ctx: as(alice), nodes: 3}, {ctx: as(bob), nodes: 1}} {
		_, err := e.m.CreateClusterTemplate(who.ctx, fakeK8sTemplate("k8s"))
		require.NoError(t, err)
		n := who.nodes
		_, err = e.m.CreateCluster(who.ctx, &magnum.ClusterRequest{ClusterTemplate: "k8s", NodeCount: &n})
		require.NoError(t, err)
	}
	s, err := e.m.Stats(as(alice), "")
	require.NoError(t, err)
	assert.Equal(t, magnum.Stats{Clusters: 1, Nodes: 4}, s)
	_, err = e.m.Stats(as(alice), bob.ProjectID)
	require.ErrorIs(t, err, errdefs.ErrForbidden)
	s, err = e.m.Stats(as(admin), "*")
	require.NoError(t, err)
	assert.Equal(t, magnum.Stats{Clusters: 2, Nodes: 6}, s)
}

func TestDrainWaitsForBackgroundSteps(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "drained", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	require.NoError(t, e.m.Drain(ctx))
	got, err := e.m.Store().GetCluster(context.Background(), c.UUID)
	require.NoError(t, err)
	assert.NotEmpty(t, got.StackID, "the stack was created and recorded before Drain returned")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.NoError(t, e.m.Drain(cancelled), "nothing left to wait for")
}

func TestHealthReportsDoNotPostponeTheWatchdog(t *testing.T) {
	clk := newClock()
	e := newCloudEnv(t, magnum.Config{Clock: clk.Now})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c := createRecorded(t, e, "busy")
	before, err := e.m.Store().GetCluster(context.Background(), c.UUID)
	require.NoError(t, err)
	clk.Add(time.Minute)
	got, err := e.m.UpdateCluster(ctx, c.UUID, ops(t, `[{"op":"replace","path":"/health_status","value":"UNHEALTHY"}]`), magnum.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, cluster.Unhealthy, got.HealthStatus)
	assert.Equal(t, before.UpdatedAt, got.UpdatedAt, "in progress: updated_at keeps the operation's last progress")
}
