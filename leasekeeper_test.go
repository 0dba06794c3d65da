package magnum_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/store"
)

// gatedOrch holds every stack create until gate is closed.
type gatedOrch struct {
	countingOrch
	gate    chan struct{}
	waiting atomic.Int64 // creates waiting at the gate
}

func (o *gatedOrch) CreateStack(ctx context.Context, req heat.StackRequest) (string, error) {
	o.waiting.Add(1)
	select {
	case <-o.gate:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return o.countingOrch.CreateStack(ctx, req)
}

// leaseAttempts counts a Manager's attempts to take leases.
type leaseAttempts struct {
	store.Store
	n atomic.Int64
}

func (s *leaseAttempts) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	s.n.Add(1)
	return s.Store.AcquireLease(ctx, name, holder, now, ttl)
}

// TestQueuedCreateIsNotResumedElsewhere has one Manager hold more creates
// than it runs at once (its stack creates are held at a gate, so 16 run
// and the rest wait for a slot) for longer than ResumeAfter, while another
// Manager on the same store syncs: the second Manager sees every create as
// stale, but the first holds their operation leases, the queued ones
// included, so it resumes none of them, and asks for each lease about once
// per ResumeAfter rather than on every tick. Once the gate opens, Heat has
// seen exactly one create per cluster, all from the first Manager.
func TestQueuedCreateIsNotResumedElsewhere(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for ResumeAfter")
	}
	ctx := context.Background()
	srv := openstacktest.New(openstacktest.Options{})
	t.Cleanup(srv.Close)
	conn, err := srv.Connect(ctx)
	require.NoError(t, err)
	base, err := conn.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	mem := store.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })

	const resumeAfter = 3 * time.Second // renewed every second: slack for a loaded machine
	orchA := &gatedOrch{countingOrch: countingOrch{Orchestrator: base, created: map[string][]string{}}, gate: make(chan struct{})}
	orchB := &countingOrch{Orchestrator: base, created: map[string][]string{}}
	stB := &leaseAttempts{Store: mem}
	newManager := func(st store.Store, orch heat.Orchestrator, host string) *magnum.Manager {
		m, err := magnum.New(magnum.Config{
			Store: st, Orchestrator: orch, Images: conn, Resources: conn, Host: host,
			Nodes: nodeAccess(srv.AuthOptions().IdentityEndpoint), ResumeAfter: resumeAfter,
		})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, m.Close()) })
		return m
	}
	a := newManager(mem, orchA, "replica-a")
	b := newManager(stB, orchB, "replica-b")
	opened := false
	defer func() {
		if !opened {
			close(orchA.gate) // let a's operations end for Close
		}
	}()

	_, err = a.CreateClusterTemplate(as(alice), fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	const n = magnum.DefaultClustersPerProject // 16 run, 4 wait for a slot
	ids := make([]string, n)
	for i := range ids {
		c, err := a.CreateCluster(as(alice), &magnum.ClusterRequest{Name: fmt.Sprintf("c%d", i), ClusterTemplate: "k8s"})
		require.NoError(t, err)
		ids[i] = c.UUID
	}
	require.Eventually(t, func() bool { return orchA.waiting.Load() == 16 }, 30*time.Second, time.Millisecond,
		"16 creates run at once, the others wait")
	created := time.Now()

	// b syncs every 20 ms until every create is ResumeAfter old and then
	// some: each is stale to b, but a holds its lease.
	before := stB.n.Load()
	ticks := 0
	for time.Since(created) < resumeAfter*3/2 {
		require.NoError(t, b.SyncOnce(ctx))
		ticks++
		time.Sleep(20 * time.Millisecond)
	}
	attempts := stB.n.Load() - before
	orchB.mu.Lock()
	assert.Empty(t, orchB.created, "b resumed none of a's creates")
	orchB.mu.Unlock()
	assert.Equal(t, int64(16), orchA.waiting.Load(), "the queued creates still wait in a")
	assert.LessOrEqual(t, attempts, int64(3*n),
		"b asked for each lease about once per ResumeAfter, not on each of its %d ticks", ticks)
	t.Logf("%d ticks of b, %d lease attempts", ticks, attempts)

	close(orchA.gate)
	opened = true
	require.Eventually(t, func() bool {
		_ = a.SyncOnce(ctx)
		for _, id := range ids {
			c, err := a.GetCluster(as(alice), id)
			if err != nil || c.Status != cluster.CreateComplete {
				return false
			}
		}
		return true
	}, 60*time.Second, 10*time.Millisecond, "every create completes")
	orchA.mu.Lock()
	defer orchA.mu.Unlock()
	assert.Len(t, orchA.created, n)
	for id, stacks := range orchA.created {
		assert.Len(t, stacks, 1, "cluster %s: one stack", id)
	}
	orchB.mu.Lock()
	assert.Empty(t, orchB.created)
	orchB.mu.Unlock()
}
