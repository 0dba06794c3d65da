package magnum_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/store"
)

// faultLifecycle runs one cluster through create, resize 1 → 2 and delete,
// waiting for each step to settle, and says what went wrong.
func faultLifecycle(ctx context.Context, m *magnum.Manager, name string) error {
	c, err := m.CreateCluster(ctx, &magnum.ClusterRequest{Name: name, ClusterTemplate: "k8s"})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	got, err := m.Wait(ctx, c.UUID)
	if err != nil {
		return fmt.Errorf("wait for create (status %s): %w", statusOf(got), err)
	}
	if got.Status != cluster.CreateComplete {
		return fmt.Errorf("create settled in %s: %s", got.Status, got.StatusReason)
	}
	if got.StackID == "" || got.APIAddress == "" || len(got.NodeAddresses) != 1 || len(got.MasterAddresses) != 1 {
		return fmt.Errorf("created cluster incomplete: stack %q, api %q, nodes %v, masters %v",
			got.StackID, got.APIAddress, got.NodeAddresses, got.MasterAddresses)
	}
	stackID := got.StackID

	if _, err := m.ResizeCluster(ctx, c.UUID, magnum.ResizeRequest{NodeCount: 2}); err != nil {
		return fmt.Errorf("resize: %w", err)
	}
	got, err = m.Wait(ctx, c.UUID)
	if err != nil {
		return fmt.Errorf("wait for resize (status %s): %w", statusOf(got), err)
	}
	if got.Status != cluster.UpdateComplete {
		return fmt.Errorf("resize settled in %s: %s", got.Status, got.StatusReason)
	}
	if got.NodeCount != 2 || len(got.NodeAddresses) != 2 || got.StackID != stackID {
		return fmt.Errorf("resized cluster: node_count %d, nodes %v, stack %q (was %q)",
			got.NodeCount, got.NodeAddresses, got.StackID, stackID)
	}

	// The default worker group agrees with the cluster (sync writes both
	// in one transaction, so Wait never sees one ahead of the other).
	groups, err := m.NodeGroups(ctx, c.UUID)
	if err != nil {
		return fmt.Errorf("node groups: %w", err)
	}
	for _, g := range groups {
		if g.IsDefault && g.Role == cluster.RoleWorker && (g.NodeCount != 2 || g.Status != cluster.UpdateComplete) {
			return fmt.Errorf("resized cluster's worker group: node_count %d, status %s", g.NodeCount, g.Status)
		}
	}

	if err := m.DeleteCluster(ctx, c.UUID); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	got, err = m.Wait(ctx, c.UUID, cluster.DeleteComplete, cluster.DeleteFailed)
	if err != nil {
		return fmt.Errorf("wait for delete (status %s): %w", statusOf(got), err)
	}
	if got != nil {
		return fmt.Errorf("delete settled in %s: %s", got.Status, got.StatusReason)
	}
	return nil
}

func statusOf(c *cluster.Cluster) string {
	if c == nil {
		return "none"
	}
	return string(c.Status) + " " + c.StatusReason
}

// TestFaultInjectedLifecycles runs many concurrent cluster lifecycles while
// a fifth of all Heat requests fail: 503s and stalls, before the change or
// after it took effect. Every lifecycle must reach its end state, with no
// failure along the way, and nothing may be left behind in the store or in
// Heat.
func TestFaultInjectedLifecycles(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 40
	}
	srv := openstacktest.New(openstacktest.Options{Heat: heattest.Options{Seed: 1}})
	t.Cleanup(srv.Close)
	cloud, err := srv.Connect(context.Background())
	require.NoError(t, err)
	// Stalls end after AttemptTimeout; idempotent calls retry quickly.
	orch, err := cloud.Orchestrator(openstack.Config{
		AttemptTimeout: 250 * time.Millisecond,
		Retry:          openstack.RetryPolicy{MaxAttempts: 4, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond},
	})
	require.NoError(t, err)
	m, err := magnum.New(magnum.Config{
		// Resources stays nil: the resource checks call Glance, Nova and
		// Neutron, which this test does not fault, and would only slow it.
		Orchestrator: orch, Images: cloud,
		Nodes:         nodeAccess(srv.AuthOptions().IdentityEndpoint),
		Quota:         &store.Quota{}, // unlimited: n clusters in one project
		DefaultCaller: &alice,
		SyncInterval:  10 * time.Millisecond,
		ResumeAfter:   100 * time.Millisecond,
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })

	// The statuses each cluster's events announced. Their order is not
	// checked: events of one cluster made by different goroutines (sync
	// recording UPDATE_COMPLETE, DeleteCluster announcing DELETE_IN_PROGRESS
	// on a caller that already read UPDATE_COMPLETE from the store) may
	// arrive in either order.
	var (
		mu       sync.Mutex
		statuses = map[string]map[cluster.Status]bool{}
	)
	stopWatch := m.Watch(func(ev magnum.Event) {
		mu.Lock()
		defer mu.Unlock()
		if statuses[ev.Name] == nil {
			statuses[ev.Name] = map[cluster.Status]bool{}
		}
		statuses[ev.Name][ev.To] = true
	})
	defer stopWatch()

	ctx := as(alice)
	_, err = m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)

	runCtx, stopRun := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- m.Run(runCtx) }()
	defer func() {
		stopRun()
		assert.ErrorIs(t, <-ran, context.Canceled)
	}()

	heatSrv := srv.Heat()
	heatSrv.ResetCounts()
	heatSrv.InjectRandomFaults(heattest.RandomFaults{Rate: 0.2, StallShare: 0.3, AfterEffectShare: 0.3, Seed: 20})

	start := time.Now()
	deadline, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = faultLifecycle(deadline, m, fmt.Sprintf("fault-%03d", i)) })
	}
	wg.Wait()
	heatSrv.ClearFaults()

	var bad []string
	for i, err := range errs {
		if err != nil {
			bad = append(bad, fmt.Sprintf("fault-%03d: %v", i, err))
		}
	}
	assert.Empty(t, bad, "%d of %d lifecycles did not reach their end state:\n%s", len(bad), n, strings.Join(bad, "\n"))
	want := map[cluster.Status]bool{cluster.CreateInProgress: true, cluster.CreateComplete: true, cluster.UpdateInProgress: true,
		cluster.UpdateComplete: true, cluster.DeleteInProgress: true, cluster.DeleteComplete: true}
	mu.Lock()
	assert.Len(t, statuses, n)
	for name, seen := range statuses {
		assert.Equal(t, want, seen, "%s went through its lifecycle's statuses and no other (no failure)", name)
	}
	mu.Unlock()

	// The faults happened, at about the rate asked for.
	injected := heatSrv.InjectedFaults()
	requests := heatSrv.TotalRequests()
	t.Logf("%d lifecycles in %v: %d Heat requests, %d failed (%d errors, %d stalls, %d after the effect)",
		n, time.Since(start).Round(time.Millisecond), requests, injected.Total(), injected.Errors, injected.Stalls, injected.AfterEffect)
	assert.Positive(t, injected.Errors)
	assert.Positive(t, injected.Stalls)
	assert.Positive(t, injected.AfterEffect)
	require.Positive(t, requests)
	assert.InDelta(t, 0.2, float64(injected.Total())/float64(requests), 0.08)

	// Nothing is left: no cluster record, no stack.
	left, err := m.ListClusters(as(admin), magnum.ListOptions{Page: store.Page{Limit: 1000}})
	require.NoError(t, err)
	assert.Empty(t, left, "no cluster record is left")
	stacks, err := orch.ListStacks(context.Background(), heat.ListFilter{Tags: []string{heat.DefaultStackTag}})
	require.NoError(t, err)
	var names []string
	for _, s := range stacks {
		names = append(names, s.Name+" "+s.Status)
	}
	assert.Empty(t, names, "no stack is left")
	st, err := m.Stats(as(admin), "")
	require.NoError(t, err)
	assert.Equal(t, magnum.Stats{}, st)
	require.False(t, errors.Is(deadline.Err(), context.DeadlineExceeded), "the lifecycles ran out of time")
}
