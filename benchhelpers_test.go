package magnum_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// neverFinish keeps fake stacks in progress for any realistic number of
// reads, so the clusters of a sync benchmark stay in flight.
const neverFinish = 1 << 30

// placeholderStack is the template of the stacks seeded for store-populated
// clusters: Heat's list answer carries no template data, so an empty stack
// answers a list exactly as a Kubernetes stack does, at a fraction of the
// setup cost.
const placeholderStack = "heat_template_version: 2018-08-31\nresources: {}\n"

// syncEnv is a Manager whose in-flight clusters the benchmarks sync.
type syncEnv struct {
	m     *magnum.Manager
	store *store.Memory
	orch  heat.Orchestrator
	// requests returns the Heat requests made so far: list calls and all
	// calls (without Keystone's).
	requests func() (list, total int)
	reset    func()
	// proto is the cluster created through CreateCluster, with its groups;
	// seeded clusters are copies of it.
	proto  *cluster.Cluster
	groups []*cluster.NodeGroup
	seeded int // clusters seed has added
}

// newHTTPSyncEnv is a Manager on the fake cloud (openstacktest over
// loopback HTTP, gophercloud client), whose stacks never finish.
func newHTTPSyncEnv(tb testing.TB) *syncEnv {
	tb.Helper()
	srv := openstacktest.New(openstacktest.Options{Heat: heattest.Options{PollsToComplete: neverFinish}})
	tb.Cleanup(srv.Close)
	cloud, err := srv.Connect(context.Background())
	require.NoError(tb, err)
	orch, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(tb, err)
	h := srv.Heat()
	e := &syncEnv{
		orch:     orch,
		requests: func() (int, int) { return h.Requests(heattest.KindList), h.TotalRequests() },
		reset:    h.ResetCounts,
	}
	e.start(tb, magnum.Config{Orchestrator: orch, Images: cloud, Resources: cloud,
		Nodes: nodeAccess(srv.AuthOptions().IdentityEndpoint)}, fakeK8sTemplate("k8s"))
	return e
}

// newDoubleSyncEnv is a Manager on countingHeat, an in-memory Heat.
func newDoubleSyncEnv(tb testing.TB) *syncEnv {
	tb.Helper()
	orch := newCountingHeat()
	e := &syncEnv{
		orch: orch,
		requests: func() (int, int) {
			return int(orch.lists.Load()), int(orch.total())
		},
		reset: orch.resetCounts,
	}
	tpl := fakeK8sTemplate("k8s")
	tpl.ClusterDistro = "fedora-atomic" // no Glance to tell it
	e.start(tb, magnum.Config{Orchestrator: orch, Nodes: nodeAccess("https://keystone.example.com:5000/v3")}, tpl)
	return e
}

// start makes the Manager and creates the prototype cluster through the
// public API, waiting until its stack is recorded.
func (e *syncEnv) start(tb testing.TB, cfg magnum.Config, tpl *template.ClusterTemplate) {
	tb.Helper()
	e.store = store.NewMemory()
	tb.Cleanup(func() { _ = e.store.Close() })
	cfg.Store = e.store
	cfg.Quota = &store.Quota{}
	cfg.DefaultCaller = &alice
	m, err := magnum.New(cfg)
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, m.Close()) })
	e.m = m
	ctx := as(alice)
	_, err = m.CreateClusterTemplate(ctx, tpl)
	require.NoError(tb, err)
	c, err := m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "proto", ClusterTemplate: tpl.Name})
	require.NoError(tb, err)
	e.proto = waitStackIDs(tb, m, []string{c.UUID})[0]
	require.Equal(tb, cluster.CreateInProgress, e.proto.Status)
	e.groups, err = e.store.ListNodeGroups(context.Background(), store.NodeGroupFilter{ClusterID: c.UUID}, store.Page{})
	require.NoError(tb, err)
}

// seed adds n more in-flight clusters straight to the store (no certificates,
// no template rendering): copies of the prototype in CREATE_IN_PROGRESS
// with their own groups, each with a placeholder stack, named and tagged
// as the Manager names and tags stacks, already created in the fake.
func (e *syncEnv) seed(tb testing.TB, n int) {
	tb.Helper()
	e.seedIn(tb, n, cluster.CreateInProgress)
}

// seedIn is seed with the clusters recorded in status s (their stacks are
// in progress in the fake whatever s is; only the list answer matters).
func (e *syncEnv) seedIn(tb testing.TB, n int, s cluster.Status) {
	tb.Helper()
	ctx := context.Background()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	first := e.seeded
	e.seeded += n
	for i := first; i < first+n; i++ {
		g.Go(func() error {
			c := e.proto.Clone()
			c.UUID = uuid.NewString()
			c.Name = fmt.Sprintf("bench-%06d", i)
			c.Revision, c.Status = 0, s
			c.CreatedAt = time.Now().UTC()
			c.UpdatedAt = nil
			id, err := e.orch.CreateStack(gctx, heat.StackRequest{
				Name: magnum.StackName(c), Template: []byte(placeholderStack),
				Tags: []string{heat.DefaultStackTag, c.UUID},
			})
			if err != nil {
				return err
			}
			c.StackID = id
			groups := make([]*cluster.NodeGroup, len(e.groups))
			for j, pg := range e.groups {
				ng := pg.Clone()
				ng.UUID, ng.ClusterID, ng.Revision, ng.Status = uuid.NewString(), c.UUID, 0, s
				groups[j] = ng
			}
			return e.store.CreateCluster(gctx, c, groups)
		})
	}
	require.NoError(tb, g.Wait())
}

// inFlight counts the clusters in CREATE_IN_PROGRESS.
func (e *syncEnv) inFlight(tb testing.TB) int {
	tb.Helper()
	n, err := e.store.CountClusters(context.Background(), store.ClusterFilter{Statuses: []cluster.Status{cluster.CreateInProgress}})
	require.NoError(tb, err)
	return n
}

// waitStackIDs polls until every cluster has its stack recorded, and
// returns them.
func waitStackIDs(tb testing.TB, m *magnum.Manager, ids []string) []*cluster.Cluster {
	tb.Helper()
	ctx := as(alice)
	out := make([]*cluster.Cluster, len(ids))
	deadline := time.Now().Add(2 * time.Minute)
	for i, id := range ids {
		for {
			c, err := m.GetCluster(ctx, id)
			require.NoError(tb, err)
			if c.StackID != "" {
				out[i] = c
				break
			}
			require.Equal(tb, cluster.CreateInProgress, c.Status, c.StatusReason)
			require.True(tb, time.Now().Before(deadline), "cluster %s got no stack", id)
			time.Sleep(200 * time.Microsecond)
		}
	}
	return out
}

// countingHeat is an in-memory heat.Orchestrator that counts its calls.
// Stacks stay in the status they were created in (CREATE_IN_PROGRESS):
// it is the cost of the Manager's side of a tick that it exposes, without
// HTTP, JSON or a fake Heat engine.
type countingHeat struct {
	mu     sync.RWMutex
	stacks map[string]*heat.Stack
	byName map[string]string
	order  []string // creation order, as Heat lists
	next   atomic.Int64

	creates, updates, deletes, gets, lists, failed atomic.Int64
}

var _ heat.Orchestrator = (*countingHeat)(nil)

func newCountingHeat() *countingHeat {
	return &countingHeat{stacks: map[string]*heat.Stack{}, byName: map[string]string{}}
}

func (h *countingHeat) total() int64 {
	return h.creates.Load() + h.updates.Load() + h.deletes.Load() + h.gets.Load() + h.lists.Load() + h.failed.Load()
}

func (h *countingHeat) resetCounts() {
	for _, c := range []*atomic.Int64{&h.creates, &h.updates, &h.deletes, &h.gets, &h.lists, &h.failed} {
		c.Store(0)
	}
}

func (h *countingHeat) CreateStack(_ context.Context, req heat.StackRequest) (string, error) {
	h.creates.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.byName[req.Name]; ok {
		return "", errdefs.Conflict("stack", req.Name, "a stack named %s exists", req.Name)
	}
	id := fmt.Sprintf("stack-%08d", h.next.Add(1))
	h.stacks[id] = &heat.Stack{ID: id, Name: req.Name, Status: string(cluster.CreateInProgress),
		StatusReason: "Stack CREATE started", Tags: slices.Clone(req.Tags), CreatedAt: time.Now().UTC()}
	h.byName[req.Name] = id
	h.order = append(h.order, id)
	return id, nil
}

func (h *countingHeat) UpdateStack(_ context.Context, id string, _ heat.UpdateRequest) error {
	h.updates.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.stacks[id]
	if !ok {
		return errdefs.NotFound("stack", id)
	}
	s.Status, s.StatusReason = string(cluster.UpdateInProgress), "Stack UPDATE started"
	return nil
}

func (h *countingHeat) DeleteStack(_ context.Context, id string) error {
	h.deletes.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.stacks[id]
	if !ok {
		return errdefs.NotFound("stack", id)
	}
	s.Status, s.StatusReason = string(cluster.DeleteInProgress), "Stack DELETE started"
	return nil
}

func (h *countingHeat) GetStack(_ context.Context, id string, _ bool) (*heat.Stack, error) {
	h.gets.Add(1)
	h.mu.RLock()
	defer h.mu.RUnlock()
	s, ok := h.stacks[id]
	if !ok {
		return nil, errdefs.NotFound("stack", id)
	}
	out := *s
	return &out, nil
}

func (h *countingHeat) ListStacks(_ context.Context, f heat.ListFilter) ([]heat.Stack, error) {
	h.lists.Add(1)
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []heat.Stack
	for _, id := range h.order {
		s := h.stacks[id]
		if len(f.IDs) > 0 && !slices.Contains(f.IDs, id) {
			continue
		}
		if !containsAll(s.Tags, f.Tags) {
			continue
		}
		out = append(out, *s)
	}
	return out, nil
}

func (h *countingHeat) FailedResources(_ context.Context, id string) ([]heat.ResourceFailure, error) {
	h.failed.Add(1)
	h.mu.RLock()
	defer h.mu.RUnlock()
	if _, ok := h.stacks[id]; !ok {
		return nil, errdefs.NotFound("stack", id)
	}
	return nil, nil
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
