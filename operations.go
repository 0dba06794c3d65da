package magnum

import (
	"context"
	"errors"
	"sync"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
)

// activeSet holds the clusters this Manager is acting on right now, so
// that sync leaves them to the operation instead of repeating it.
type activeSet struct {
	mu  sync.Mutex
	ids map[string]int
}

func (a *activeSet) add(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ids == nil {
		a.ids = map[string]int{}
	}
	a.ids[id]++
}

func (a *activeSet) done(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ids[id]--; a.ids[id] <= 0 {
		delete(a.ids, id)
	}
}

func (a *activeSet) has(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ids[id] > 0
}

// background runs an operation's cloud step after the call that recorded
// its intent has returned. It does not inherit the caller's cancellation
// (the intent is recorded; sync would repeat the step anyway) but ends when
// the Manager closes. Close waits for it.
func (m *Manager) background(id string, fn func(ctx context.Context)) {
	m.active.add(id)
	m.bg.Add(1)
	go func() {
		defer m.bg.Done()
		defer m.active.done(id)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-m.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		fn(ctx)
	}()
}

// settle changes a stored cluster with fn (which reports whether it
// changed anything), re-reading and repeating when another writer got there
// first. A status change is announced to watchers.
func (m *Manager) settle(ctx context.Context, id string, fn func(*cluster.Cluster) bool) error {
	for attempt := 1; ; attempt++ {
		c, err := m.store.GetCluster(ctx, id)
		if err != nil {
			return err
		}
		prev := c.Status
		if !fn(c) {
			return nil
		}
		now := m.nowUTC()
		c.UpdatedAt = &now
		err = m.store.UpdateCluster(ctx, c)
		if errors.Is(err, errdefs.ErrConflict) && attempt < patchRetries*2 {
			continue
		}
		if err != nil {
			return err
		}
		if c.Status != prev {
			m.emit(c, prev, c.Status)
		}
		return nil
	}
}

// setGroups changes a cluster's stored node groups with fn.
func (m *Manager) setGroups(ctx context.Context, id string, fn func(*cluster.NodeGroup)) error {
	groups, err := m.groups(ctx, id)
	if err != nil {
		return err
	}
	for _, g := range groups {
		for attempt := 1; ; attempt++ {
			fn(g)
			now := m.nowUTC()
			g.UpdatedAt = &now
			err := m.store.UpdateNodeGroup(ctx, g)
			if errors.Is(err, errdefs.ErrConflict) && attempt < patchRetries*2 {
				if g, err = m.store.GetNodeGroup(ctx, g.UUID); err != nil {
					return err
				}
				continue
			}
			if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
				return err
			}
			break
		}
	}
	return nil
}
