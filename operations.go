package magnum

import (
	"context"
	"errors"
	"sync"
	"time"

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

func (a *activeSet) empty() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.ids) == 0
}

func (a *activeSet) has(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ids[id] > 0
}

// backgroundParallel bounds the background operations of one Manager that
// run at once. Each holds a cluster's operation lease, renewed every
// ResumeAfter/3, and makes a dozen store calls: hundreds at once (a burst of
// creates) fill the store's connection pool with lease renewals and starve
// the operations themselves, until the leases lapse and sync repeats them.
// The others wait here, holding nothing.
const backgroundParallel = 16

// background runs an operation's cloud step after the call that recorded
// its intent has returned, when one of backgroundParallel slots is free.
// It does not inherit the caller's cancellation (the intent is recorded;
// sync would repeat the step anyway) but ends when the Manager closes.
// Close waits for it.
func (m *Manager) background(id string, fn func(ctx context.Context)) {
	m.active.add(id)
	m.bg.Add(1)
	go func() {
		defer m.bg.Done()
		defer m.active.done(id)
		select {
		case m.opSlots <- struct{}{}:
			defer func() { <-m.opSlots }()
		case <-m.stop:
			return
		}
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

// lockOp takes the cluster's operation lease in the store, so that no two
// Managers sharing it act on one cluster in the cloud at once (a sync that
// repeats a step it believes abandoned, and the step itself). The lease is
// ResumeAfter long and renewed while the step runs, so it lapses only when
// its holder dies. ok is false when another holder has it; a store failure
// lets the step go on (Heat's unique stack names still keep creates single).
func (m *Manager) lockOp(ctx context.Context, id string) (release func(), ok bool) {
	name := "cluster-op/" + id
	stop, got, err := m.holdLease(ctx, name, orDefault(m.cfg.ResumeAfter, DefaultResumeAfter))
	switch {
	case err != nil:
		m.log.WarnContext(ctx, "cluster operation lease", "uuid", id, "err", err)
		return func() {}, true
	case !got:
		return nil, false
	}
	return func() {
		stop()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = m.store.ReleaseLease(rctx, name, m.host())
	}, true
}

// holdLease takes a store lease of length ttl and renews it every ttl/3
// until stop is called (which waits for the renewals to end) or ctx ends.
func (m *Manager) holdLease(ctx context.Context, name string, ttl time.Duration) (stop func(), got bool, err error) {
	holder := m.host()
	got, err = m.store.AcquireLease(ctx, name, holder, m.nowUTC(), ttl)
	if err != nil || !got {
		return func() {}, got, err
	}
	done := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := m.store.AcquireLease(ctx, name, holder, m.nowUTC(), ttl); err != nil && ctx.Err() == nil {
					m.log.WarnContext(ctx, "renewing a lease", "lease", name, "err", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-renewed
	}, true, nil
}

// settle changes a stored cluster with fn (which reports whether it
// changed anything), re-reading and repeating when another writer got there
// first. A status change is announced to watchers.
func (m *Manager) settle(ctx context.Context, id string, fn func(*cluster.Cluster) bool) error {
	return m.settleWith(ctx, id, true, fn)
}

// settleWith is settle; with touchInProgress false, updated_at is not
// moved while the cluster is in progress.
func (m *Manager) settleWith(ctx context.Context, id string, touchInProgress bool, fn func(*cluster.Cluster) bool) error {
	for attempt := 1; ; attempt++ {
		c, err := m.store.GetCluster(ctx, id)
		if err != nil {
			return err
		}
		prev := c.Status
		if !fn(c) {
			return nil
		}
		if touchInProgress || !c.Status.InProgress() {
			now := m.nowUTC()
			c.UpdatedAt = &now
		}
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
