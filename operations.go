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
// run at once. Each makes a dozen store calls and some cloud calls:
// hundreds at once (a burst of creates) would fill the store's connection
// pool and starve one another. The others wait, holding their cluster's
// operation lease (renewed with all the Manager's leases, see leaseKeeper),
// so that no other replica takes a queued operation for an abandoned one.
const backgroundParallel = 16

// background runs an operation's cloud step after the call that recorded
// its intent has returned. It first takes the cluster's operation lease
// (lockOp), then waits for one of backgroundParallel slots, then runs fn
// under the lease, which fn's own lockOp shares. When another Manager holds
// the lease, fn does not run: that Manager is acting on the cluster, and
// sync repeats the step later if it is still needed. It does not inherit
// the caller's cancellation (the intent is recorded; sync would repeat the
// step anyway) but ends when the Manager closes. Close waits for it.
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
		release, ok := m.lockOp(ctx, id)
		if !ok {
			m.elsewhere.add(id, m.nowUTC(), m.resumeAfter())
			return
		}
		defer release()
		select {
		case m.opSlots <- struct{}{}:
			defer func() { <-m.opSlots }()
		case <-ctx.Done():
			return
		}
		fn(ctx)
	}()
}

// resumeAfter is Config.ResumeAfter or its default.
func (m *Manager) resumeAfter() time.Duration {
	return orDefault(m.cfg.ResumeAfter, DefaultResumeAfter)
}

// busyElsewhere holds the clusters whose operation lease another Manager
// was found holding, until when sync leaves them alone: without it, the
// syncing Manager would try the lease of every such cluster on every tick.
type busyElsewhere struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (b *busyElsewhere) add(id string, now time.Time, d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.until == nil {
		b.until = map[string]time.Time{}
	}
	if len(b.until) >= 1024 {
		// Forget what has run out, so clusters that went away do not pile up.
		for k, t := range b.until {
			if !now.Before(t) {
				delete(b.until, k)
			}
		}
	}
	b.until[id] = now.Add(d)
}

// has tells whether id was found busy elsewhere less than ResumeAfter
// before now.
func (b *busyElsewhere) has(id string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.until[id]
	if ok && !now.Before(t) {
		delete(b.until, id)
		return false
	}
	return ok
}

// lockOp takes the cluster's operation lease in the store, so that no two
// Managers sharing it act on one cluster in the cloud at once (a sync that
// repeats a step it believes abandoned, and the step itself). The lease is
// ResumeAfter long and renewed while the step runs, so it lapses only when
// its holder dies. Operations of this Manager share it (see leaseKeeper).
// ok is false when another holder has it; a store failure lets the step go
// on (Heat's unique stack names still keep creates single). release ends
// this holder's share and releases the lease when it was the last one.
func (m *Manager) lockOp(ctx context.Context, id string) (release func(), ok bool) {
	h, got, err := m.leases.hold(ctx, "cluster-op/"+id, m.resumeAfter())
	switch {
	case err != nil:
		m.log.WarnContext(ctx, "cluster operation lease", "uuid", id, "err", err)
		return func() {}, true
	case !got:
		return nil, false
	}
	return func() { h.end(true) }, true
}

// holdLease takes a store lease of length ttl and keeps it renewed (every
// ttl/3, with the Manager's other leases) until stop is called or ctx
// ends. stop does not release the lease: it expires ttl after its last
// renewal unless taken again.
func (m *Manager) holdLease(ctx context.Context, name string, ttl time.Duration) (stop func(), got bool, err error) {
	h, got, err := m.leases.hold(ctx, name, ttl)
	if err != nil || !got {
		return func() {}, got, err
	}
	return func() { h.end(false) }, true, nil
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
