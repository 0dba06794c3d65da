package magnum

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gomagnum/magnum/store"
)

// leaseKeeper holds the store leases of one Manager and renews them all
// from one goroutine: every ttl/3, one store.Store.RenewLeases call for all
// the leases of that ttl (the operation leases share ResumeAfter, the sync
// lease has its own). A lease costs one store call to take and one to
// release, however long it is held: hundreds of queued or running
// operations do not fill the store's connection pool with renewals.
//
// A lease is taken once per Manager and shared: holding a lease this
// Manager holds already only counts one more holder (as AcquireLease by the
// same holder would have granted it), and it is released when the last one
// lets go. The goroutine runs while leases are held and ends when none are
// or the Manager closes; Close waits for it.
type leaseKeeper struct {
	st     store.Store
	holder string
	now    func() time.Time
	log    *slog.Logger
	stop   <-chan struct{} // closed when the Manager closes

	mu      sync.Mutex
	leases  map[string]*keptLease // the leases held, by name
	running bool                  // the renewal goroutine runs
	closed  bool                  // stop was seen: no new goroutine
	wake    chan struct{}         // a lease was added: look at the schedule again
	wg      sync.WaitGroup        // the renewal goroutine
}

// keptLease is one lease the keeper renews.
type keptLease struct {
	name string
	ttl  time.Duration
	refs int // leaseHolds not yet ended
	// releasing, when not nil, is closed once the store has been asked to
	// release the lease; until then the name stays taken here, so that a
	// new hold does not acquire it only to see the release delete it.
	releasing chan struct{}
	expires   time.Time // per the Manager's clock, as last granted or renewed
	gen       int       // counts grants, so a renewal's result applies only to the grant it saw
}

func newLeaseKeeper(st store.Store, holder string, now func() time.Time, log *slog.Logger, stop <-chan struct{}) *leaseKeeper {
	return &leaseKeeper{st: st, holder: holder, now: now, log: log, stop: stop,
		leases: map[string]*keptLease{}, wake: make(chan struct{}, 1)}
}

// leaseHold is one holder's share of a kept lease.
type leaseHold struct {
	k        *leaseKeeper
	l        *keptLease
	ctx      context.Context
	stopCtx  func() bool // stops the context.AfterFunc that ends the hold with ctx
	dropped  bool        // guarded by k.mu: the hold no longer counts in l.refs
	released bool        // guarded by k.mu: end(true) ran
}

// hold takes the lease called name for ttl, or shares it when this Manager
// holds it already, and keeps it renewed until the hold ends (end) or ctx
// does. got is false when another holder has it; an error is the store's.
func (k *leaseKeeper) hold(ctx context.Context, name string, ttl time.Duration) (h *leaseHold, got bool, err error) {
	for {
		k.mu.Lock()
		l := k.leases[name]
		if l != nil && l.releasing != nil {
			k.mu.Unlock()
			select {
			case <-l.releasing:
				continue
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
		}
		if l != nil && l.ttl == ttl && k.now().Before(l.expires) {
			h = k.addHold(ctx, l)
			k.mu.Unlock()
			return h, true, nil
		}
		k.mu.Unlock()
		break
	}

	now := k.now()
	got, err = k.st.AcquireLease(ctx, name, k.holder, now, ttl)
	if err != nil || !got {
		return nil, got, err
	}
	_, end := store.LeaseTerm(now, ttl)
	k.mu.Lock()
	defer k.mu.Unlock()
	l := k.leases[name]
	if l == nil || l.ttl != ttl || l.releasing != nil {
		// (A release begun since is for a grant before ours: the store
		// row is ours again now, and the release may still delete it;
		// the next renewal then finds the lease lost.)
		l = &keptLease{name: name, ttl: ttl}
		k.leases[name] = l
	}
	l.gen++
	if end.After(l.expires) {
		l.expires = end
	}
	h = k.addHold(ctx, l)
	switch {
	case k.running:
		select {
		case k.wake <- struct{}{}:
		default:
		}
	case !k.isClosed():
		k.running = true
		k.wg.Add(1)
		go k.run()
	}
	return h, true, nil
}

// addHold counts one more holder of l. k.mu is held.
func (k *leaseKeeper) addHold(ctx context.Context, l *keptLease) *leaseHold {
	l.refs++
	h := &leaseHold{k: k, l: l, ctx: ctx}
	h.stopCtx = context.AfterFunc(ctx, func() { h.end(false) })
	return h
}

// isClosed tells whether the Manager closed. k.mu is held.
func (k *leaseKeeper) isClosed() bool {
	if !k.closed {
		select {
		case <-k.stop:
			k.closed = true
		default:
		}
	}
	return k.closed
}

// end ends the hold: the lease is no longer renewed for it, and with
// release, when no other hold of this Manager shares it, it is released in
// the store at once rather than left to expire. end may be called more
// than once (ctx ending calls end(false)); the lease is released at most
// once per hold.
func (h *leaseHold) end(release bool) {
	k, l := h.k, h.l
	if release {
		h.stopCtx()
	}
	k.mu.Lock()
	if !h.dropped {
		h.dropped = true
		l.refs--
		if l.refs == 0 && k.leases[l.name] == l {
			delete(k.leases, l.name)
		}
	}
	// Not while another hold shares the lease, nor when the name has been
	// taken again since (this hold's lease was lost meanwhile).
	release = release && !h.released && l.refs == 0 && k.leases[l.name] == nil
	if release {
		h.released = true
		l.releasing = make(chan struct{})
		k.leases[l.name] = l // taken until released, see keptLease.releasing
	}
	k.mu.Unlock()
	if !release {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(h.ctx), time.Second)
	defer cancel()
	if err := k.st.ReleaseLease(ctx, l.name, k.holder); err != nil {
		k.log.Warn("releasing a lease", "lease", l.name, "err", err)
	}
	k.mu.Lock()
	if k.leases[l.name] == l {
		delete(k.leases, l.name)
	}
	close(l.releasing)
	k.mu.Unlock()
}

// close waits for the renewal goroutine, which ends when the Manager's
// stop channel closes.
func (k *leaseKeeper) close() {
	k.mu.Lock()
	k.closed = true
	k.mu.Unlock()
	k.wg.Wait()
}

// run renews the kept leases, each ttl group every ttl/3 of real time,
// until none are kept or the Manager closes.
func (k *leaseKeeper) run() {
	defer k.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // the renewal under way ends with the Manager
		select {
		case <-k.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	due := map[time.Duration]time.Time{} // when each ttl group is renewed next
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		groups, ok := k.groups()
		if !ok {
			return
		}
		now := time.Now()
		for ttl := range due {
			if groups[ttl] == nil {
				delete(due, ttl)
			}
		}
		next := now.Add(time.Hour)
		for ttl, ls := range groups {
			at, seen := due[ttl]
			if !seen {
				at = now.Add(ttl / 3)
			}
			if !at.After(now) {
				// The renewal counts from its start: a slow one is
				// followed by the next at once, not ttl/3 after it.
				start := time.Now()
				k.renew(ctx, ttl, ls)
				at = start.Add(ttl / 3)
			}
			due[ttl] = at
			if at.Before(next) {
				next = at
			}
		}
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			return
		case <-k.wake:
		case <-timer.C:
		}
	}
}

// keptGrant is a lease as a renewal saw it.
type keptGrant struct {
	l   *keptLease
	gen int
}

// groups returns the kept leases by ttl; ok is false, and the goroutine is
// marked stopped, when there are none or the Manager closed.
func (k *leaseKeeper) groups() (map[time.Duration][]keptGrant, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.leases) == 0 || k.isClosed() {
		k.running = false
		return nil, false
	}
	groups := map[time.Duration][]keptGrant{}
	for _, l := range k.leases {
		if l.refs > 0 {
			groups[l.ttl] = append(groups[l.ttl], keptGrant{l: l, gen: l.gen})
		}
	}
	if len(groups) == 0 {
		// Only releases under way: nothing to renew.
		k.running = false
		return nil, false
	}
	return groups, true
}

// renew renews one ttl group with one store call. A lease the store says
// is lost (it expired, or another holder took it) is dropped and logged:
// the operation holding it goes on, as it would have without the lease,
// and this Manager takes it again only through hold. A store error leaves
// the leases kept; the next round tries again.
func (k *leaseKeeper) renew(ctx context.Context, ttl time.Duration, ls []keptGrant) {
	names := make([]string, len(ls))
	for i, g := range ls {
		names[i] = g.l.name
	}
	rctx, cancel := context.WithTimeout(ctx, ttl)
	defer cancel()
	now := k.now()
	lost, err := k.st.RenewLeases(rctx, k.holder, names, now, ttl)
	if err != nil {
		if ctx.Err() == nil {
			k.log.Warn("renewing leases", "leases", len(names), "err", err)
		}
		return
	}
	isLost := make(map[string]bool, len(lost))
	for _, n := range lost {
		isLost[n] = true
	}
	_, end := store.LeaseTerm(now, ttl)
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, g := range ls {
		l := g.l
		if l.gen != g.gen || l.refs == 0 {
			continue // granted again, or let go, meanwhile: this result is older
		}
		if !isLost[l.name] {
			if end.After(l.expires) {
				l.expires = end
			}
			continue
		}
		if k.leases[l.name] == l {
			delete(k.leases, l.name)
		}
		l.expires = time.Time{}
		k.log.Warn("lease lost: it expired before its renewal, or another holder took it over", "lease", l.name, "holds", l.refs)
	}
}
