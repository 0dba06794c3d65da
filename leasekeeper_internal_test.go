package magnum

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/store"
)

// leaseCountingStore counts the lease calls a keeper makes.
type leaseCountingStore struct {
	store.Store
	mu       sync.Mutex
	acquires int
	releases int
	renewals []renewCall
}

type renewCall struct {
	names int
	now   time.Time
}

func (s *leaseCountingStore) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	s.acquires++
	s.mu.Unlock()
	return s.Store.AcquireLease(ctx, name, holder, now, ttl)
}

func (s *leaseCountingStore) ReleaseLease(ctx context.Context, name, holder string) error {
	s.mu.Lock()
	s.releases++
	s.mu.Unlock()
	return s.Store.ReleaseLease(ctx, name, holder)
}

func (s *leaseCountingStore) RenewLeases(ctx context.Context, holder string, names []string, now time.Time, ttl time.Duration) ([]string, error) {
	s.mu.Lock()
	s.renewals = append(s.renewals, renewCall{names: len(names), now: now})
	s.mu.Unlock()
	return s.Store.RenewLeases(ctx, holder, names, now, ttl)
}

func (s *leaseCountingStore) counts() (acquires, releases int, renewals []renewCall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acquires, s.releases, append([]renewCall(nil), s.renewals...)
}

// fakeLeaseClock is the keepers' clock: it moves only when told.
type fakeLeaseClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeLeaseClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeLeaseClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type keeperEnv struct {
	st    *leaseCountingStore
	mem   *store.Memory
	clock *fakeLeaseClock
	k     *leaseKeeper
	stop  chan struct{}
	t0    time.Time
}

func newKeeperEnv(t *testing.T) *keeperEnv {
	mem := store.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	e := &keeperEnv{st: &leaseCountingStore{Store: mem}, mem: mem, clock: &fakeLeaseClock{t: t0}, stop: make(chan struct{}), t0: t0}
	e.k = newLeaseKeeper(e.st, "me", e.clock.now, slog.New(slog.NewTextHandler(io.Discard, nil)), e.stop)
	t.Cleanup(func() {
		select {
		case <-e.stop:
		default:
			close(e.stop)
		}
		e.k.close()
	})
	return e
}

// takenBy tells whether holder can take name at at (and takes it).
func (e *keeperEnv) takenBy(t *testing.T, name, holder string, at time.Time, ttl time.Duration) bool {
	t.Helper()
	ok, err := e.mem.AcquireLease(context.Background(), name, holder, at, ttl)
	require.NoError(t, err)
	return ok
}

// waitRenewal waits until the keeper has renewed at the clock's time now.
func (e *keeperEnv) waitRenewal(t *testing.T, now time.Time) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, _, rs := e.st.counts()
		for _, r := range rs {
			if r.now.Equal(now) {
				return true
			}
		}
		return false
	}, 20*time.Second, time.Millisecond, "a renewal at %v", now)
}

// TestLeaseKeeperRenewsAllInOneCall holds 50 leases of one ttl: they cost
// 50 acquisitions and then one RenewLeases call of all 50 per round, and
// the renewals keep other holders out past the leases' first expiry.
func TestLeaseKeeperRenewsAllInOneCall(t *testing.T) {
	e := newKeeperEnv(t)
	const n, ttl = 50, 30 * time.Millisecond
	holds := make([]*leaseHold, n)
	for i := range holds {
		h, got, err := e.k.hold(context.Background(), fmt.Sprintf("op/%d", i), ttl)
		require.NoError(t, err)
		require.True(t, got)
		holds[i] = h
	}
	// Move the clock within the first term; the keeper's next round renews
	// everything at that time, so the leases now end at t0+20ms+ttl.
	t1 := e.t0.Add(20 * time.Millisecond)
	e.clock.set(t1)
	e.waitRenewal(t, t1)
	for i := range n {
		assert.False(t, e.takenBy(t, fmt.Sprintf("op/%d", i), "other", e.t0.Add(ttl), ttl), "op/%d was renewed", i)
	}
	acquires, releases, renewals := e.st.counts()
	assert.Equal(t, n, acquires, "one acquisition per lease")
	assert.Zero(t, releases)
	for _, r := range renewals {
		if r.now.Equal(t1) { // the rounds before may have seen only the first holds
			assert.Equal(t, n, r.names, "a round renews all the leases in one call")
		}
	}

	for _, h := range holds {
		h.end(true)
	}
	_, releases, _ = e.st.counts()
	assert.Equal(t, n, releases)
	assert.True(t, e.takenBy(t, "op/0", "other", t1, ttl), "released")
	require.Eventually(t, func() bool {
		e.k.mu.Lock()
		defer e.k.mu.Unlock()
		return !e.k.running
	}, 10*time.Second, time.Millisecond, "the keeper's goroutine ends with the last lease")
}

// TestLeaseKeeperGroupsByTTL renews leases of two ttls each in its own
// call, each on its own schedule.
func TestLeaseKeeperGroupsByTTL(t *testing.T) {
	e := newKeeperEnv(t)
	for i, ttl := range []time.Duration{30 * time.Millisecond, 30 * time.Millisecond, time.Hour} {
		h, got, err := e.k.hold(context.Background(), fmt.Sprintf("l%d", i), ttl)
		require.NoError(t, err)
		require.True(t, got)
		defer h.end(true)
	}
	t1 := e.t0.Add(20 * time.Millisecond)
	e.clock.set(t1)
	e.waitRenewal(t, t1)
	_, _, renewals := e.st.counts()
	for _, r := range renewals {
		if r.now.Equal(t1) {
			assert.Equal(t, 2, r.names, "only the short ttl's group is due: the hour-long one renews every 20 minutes")
		}
	}
}

// TestLeaseKeeperShares holds one name twice: one acquisition, and the
// lease is released only when the last hold ends.
func TestLeaseKeeperShares(t *testing.T) {
	e := newKeeperEnv(t)
	const ttl = time.Minute
	h1, got, err := e.k.hold(context.Background(), "op/x", ttl)
	require.NoError(t, err)
	require.True(t, got)
	h2, got, err := e.k.hold(context.Background(), "op/x", ttl)
	require.NoError(t, err)
	require.True(t, got, "this Manager holds it already")
	acquires, _, _ := e.st.counts()
	assert.Equal(t, 1, acquires)

	h1.end(true)
	h1.end(true) // ending twice counts once
	assert.False(t, e.takenBy(t, "op/x", "other", e.t0, ttl), "still held for h2")
	h2.end(true)
	assert.True(t, e.takenBy(t, "op/x", "other", e.t0, ttl), "released with the last hold")
	_, releases, _ := e.st.counts()
	assert.Equal(t, 1, releases)
}

// TestLeaseKeeperLost lets a lease expire and another holder take it: the
// renewal reports it lost, the keeper drops it without taking it back, a
// new hold is refused, and the old hold's release leaves the new holder's
// lease alone.
func TestLeaseKeeperLost(t *testing.T) {
	e := newKeeperEnv(t)
	const ttl = 30 * time.Millisecond
	old, got, err := e.k.hold(context.Background(), "op/x", ttl)
	require.NoError(t, err)
	require.True(t, got)
	keep, got, err := e.k.hold(context.Background(), "op/y", ttl)
	require.NoError(t, err)
	require.True(t, got)
	defer keep.end(true)

	// The keeper was too late: at t0+ttl op/x is anyone's, and other takes it.
	t1 := e.t0.Add(ttl)
	e.clock.set(t1)
	require.True(t, e.takenBy(t, "op/x", "other", t1, time.Hour))
	e.waitRenewal(t, t1)
	require.Eventually(t, func() bool {
		e.k.mu.Lock()
		defer e.k.mu.Unlock()
		return e.k.leases["op/x"] == nil
	}, 10*time.Second, time.Millisecond, "the lost lease is no longer kept")

	_, got, err = e.k.hold(context.Background(), "op/x", ttl)
	require.NoError(t, err)
	assert.False(t, got, "other holds it")
	old.end(true)
	assert.False(t, e.takenBy(t, "op/x", "third", t1, ttl), "the old hold did not release other's lease")
	assert.True(t, e.takenBy(t, "op/y", "third", t1, ttl), "op/y expired too: lost, though no one took it, and not taken back")
}

// TestLeaseKeeperContextEndsHold ends a hold with its context: the lease
// is no longer renewed nor released, and expires.
func TestLeaseKeeperContextEndsHold(t *testing.T) {
	e := newKeeperEnv(t)
	const ttl = 30 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	h, got, err := e.k.hold(ctx, "op/x", ttl)
	require.NoError(t, err)
	require.True(t, got)
	cancel()
	require.Eventually(t, func() bool {
		e.k.mu.Lock()
		defer e.k.mu.Unlock()
		return len(e.k.leases) == 0 && !e.k.running
	}, 10*time.Second, time.Millisecond)
	assert.False(t, e.takenBy(t, "op/x", "other", e.t0.Add(ttl-time.Microsecond), ttl), "not released by the context's end")
	h.end(true) // the owner's release still comes afterwards, as lockOp's does
	assert.True(t, e.takenBy(t, "op/x", "other", e.t0, ttl))
}

// TestLeaseKeeperCloseEndsRenewals closes the Manager while leases are
// held: close returns once the renewal goroutine has ended.
func TestLeaseKeeperCloseEndsRenewals(t *testing.T) {
	e := newKeeperEnv(t)
	h, got, err := e.k.hold(context.Background(), "op/x", 30*time.Millisecond)
	require.NoError(t, err)
	require.True(t, got)
	close(e.stop)
	done := make(chan struct{})
	go func() {
		e.k.close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("close did not end the keeper")
	}
	_, _, before := e.st.counts()
	time.Sleep(50 * time.Millisecond)
	_, _, after := e.st.counts()
	assert.Equal(t, len(before), len(after), "no renewal after close")
	h.end(true)
}

// slowRelease holds ReleaseLease calls until gate closes.
type slowRelease struct {
	store.Store
	entered chan struct{}
	gate    chan struct{}
}

func (s *slowRelease) ReleaseLease(ctx context.Context, name, holder string) error {
	s.entered <- struct{}{}
	<-s.gate
	return s.Store.ReleaseLease(ctx, name, holder)
}

// TestLeaseKeeperHoldWaitsForRelease takes a lease again while its
// release is on its way to the store: the new hold waits for the release,
// so the release cannot delete the new grant.
func TestLeaseKeeperHoldWaitsForRelease(t *testing.T) {
	e := newKeeperEnv(t)
	slow := &slowRelease{Store: e.mem, entered: make(chan struct{}), gate: make(chan struct{})}
	e.k.st = slow
	const ttl = time.Minute
	h, got, err := e.k.hold(context.Background(), "op/x", ttl)
	require.NoError(t, err)
	require.True(t, got)
	go h.end(true)
	<-slow.entered // the release is under way

	type result struct {
		h   *leaseHold
		got bool
		err error
	}
	again := make(chan result, 1)
	go func() {
		h, got, err := e.k.hold(context.Background(), "op/x", ttl)
		again <- result{h, got, err}
	}()
	select {
	case <-again:
		t.Fatal("the new hold did not wait for the release")
	case <-time.After(50 * time.Millisecond):
	}
	close(slow.gate)
	r := <-again
	require.NoError(t, r.err)
	require.True(t, r.got)
	assert.False(t, e.takenBy(t, "op/x", "other", e.t0, ttl), "the new grant survived the release")
	r.h.end(false)
}
