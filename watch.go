package magnum

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
)

// Event is a cluster status transition this Manager made or saw.
type Event struct {
	ClusterID string
	Name      string
	ProjectID string
	From, To  cluster.Status // From is "" for a new cluster
	Reason    string
	Time      time.Time
}

// eventHub fans events out to watchers and wakes waiters.
type eventHub struct {
	mu       sync.Mutex
	next     int
	watchers map[int]func(Event)
	changed  map[string]chan struct{} // per cluster: closed at its next event
}

// wait returns a channel closed at the cluster's next event.
func (h *eventHub) wait(id string) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.changed == nil {
		h.changed = map[string]chan struct{}{}
	}
	ch, ok := h.changed[id]
	if !ok {
		ch = make(chan struct{})
		h.changed[id] = ch
	}
	return ch
}

// emit announces a transition of c.
func (m *Manager) emit(c *cluster.Cluster, from, to cluster.Status) {
	ev := Event{ClusterID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, From: from, To: to,
		Reason: c.StatusReason, Time: m.nowUTC()}
	h := &m.events
	h.mu.Lock()
	fns := make([]func(Event), 0, len(h.watchers))
	for _, id := range sortedKeys(h.watchers) {
		fns = append(fns, h.watchers[id])
	}
	changed := h.changed[c.UUID]
	delete(h.changed, c.UUID)
	h.mu.Unlock()
	// Watchers first, then waiters: whoever Wait returns to has seen the
	// transition through Watch already.
	for _, fn := range fns {
		fn(ev)
	}
	if changed != nil {
		close(changed)
	}
}

func sortedKeys(m map[int]func(Event)) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Watch calls fn with every status transition this Manager makes (creates,
// operations started, and what its sync observes), in the goroutine that
// made it: fn must be quick and must not call back into the Manager
// synchronously. Transitions made by other programs sharing the store are
// seen when this Manager's sync observes them. The returned function stops
// the calls.
func (m *Manager) Watch(fn func(Event)) (stop func()) {
	h := &m.events
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.watchers == nil {
		h.watchers = map[int]func(Event){}
	}
	id := h.next
	h.next++
	h.watchers[id] = fn
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.watchers, id)
	}
}

// waitPoll bounds how long Wait goes without looking at the store, for
// changes made by other programs sharing it.
const waitPoll = time.Second

// Wait blocks until the cluster (UUID or name, visible to the caller)
// reaches one of the given statuses — with none given, until it is no
// longer in progress — and returns it. Something must move the cluster on:
// Run, SyncOnce, or another program sharing the store. A cluster that is
// deleted meanwhile is cluster.DeleteComplete when that is one of until
// (Wait then returns nil and no error, also for a cluster already gone when
// it is called), else errdefs.ErrNotFound.
func (m *Manager) Wait(ctx context.Context, ident string, until ...cluster.Status) (*cluster.Cluster, error) {
	caller, err := m.caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := m.store.FindCluster(ctx, clusterFilter(caller), ident)
	if errors.Is(err, errdefs.ErrNotFound) && slices.Contains(until, cluster.DeleteComplete) {
		return nil, nil // gone already
	}
	if err != nil {
		return nil, err
	}
	if err := m.authorize(ctx, caller, policy.ClusterGet, clusterTarget(c), resCluster, ident); err != nil {
		return nil, err
	}
	id := c.UUID
	timer := time.NewTimer(waitPoll)
	defer timer.Stop()
	for {
		changed := m.events.wait(id)
		c, err := m.store.GetCluster(ctx, id)
		switch {
		case errors.Is(err, errdefs.ErrNotFound) && slices.Contains(until, cluster.DeleteComplete):
			return nil, nil
		case err != nil:
			return nil, err
		case len(until) == 0 && !c.Status.InProgress(), slices.Contains(until, c.Status):
			return c, nil
		}
		timer.Reset(waitPoll)
		select {
		case <-ctx.Done():
			return c, ctx.Err()
		case <-changed:
		case <-timer.C:
		}
	}
}
