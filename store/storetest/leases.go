package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

// testLeases covers the life of a lease: grant, renewal, refusal while
// held, takeover after expiry, release, and a release by a non-holder.
func testLeases(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	const name, ttl = "status-sync", 10 * time.Second
	acquire := func(holder string, now time.Time, ttl time.Duration) bool {
		t.Helper()
		ok, err := s.AcquireLease(ctx, name, holder, now, ttl)
		require.NoError(t, err)
		return ok
	}
	t0 := e.now()

	// A free lease is granted; its holder renews it, which moves its expiry.
	assert.True(t, acquire("a", t0, ttl), "a free lease is granted")
	assert.True(t, acquire("a", t0, ttl), "the holder renews at the same instant")
	assert.False(t, acquire("b", t0.Add(time.Second), ttl), "refused while a holds it")
	assert.True(t, acquire("a", t0.Add(5*time.Second), ttl), "renewed: now a holds it until t0+15s")
	assert.False(t, acquire("b", t0.Add(12*time.Second), ttl), "the renewal moved the expiry past t0+10s")
	assert.False(t, acquire("b", t0.Add(15*time.Second-time.Microsecond), ttl), "a microsecond before the expiry")

	// At its expiry (expiry <= now) the lease is anyone's; then b holds it.
	t1 := t0.Add(15 * time.Second)
	assert.True(t, acquire("b", t1, ttl), "taken over at the expiry")
	assert.False(t, acquire("a", t1, ttl), "the old holder lost it")
	assert.False(t, acquire("a", t1.Add(ttl-time.Microsecond), ttl))

	// Other names are other leases.
	ok, err := s.AcquireLease(ctx, "other", "a", t1, ttl)
	require.NoError(t, err)
	assert.True(t, ok, "another name is free")
	ok, err = s.AcquireLease(ctx, "Status-Sync", "a", t1, ttl)
	require.NoError(t, err)
	assert.True(t, ok, "names are compared by bytes")

	// A release by someone else (or of a lease nobody holds) is a no-op.
	require.NoError(t, s.ReleaseLease(ctx, name, "a"), "a does not hold it")
	require.NoError(t, s.ReleaseLease(ctx, name, "B"), "holders are compared by bytes")
	require.NoError(t, s.ReleaseLease(ctx, "nobody-holds-this", "a"))
	require.NoError(t, s.ReleaseLease(ctx, "", ""))
	assert.False(t, acquire("a", t1.Add(time.Second), ttl), "b still holds it")

	// The holder's release frees it at once, long before its expiry.
	require.NoError(t, s.ReleaseLease(ctx, name, "b"))
	require.NoError(t, s.ReleaseLease(ctx, name, "b"), "releasing twice is fine")
	assert.True(t, acquire("a", t1.Add(time.Second), ttl), "free after the release")
	ok, err = s.AcquireLease(ctx, "other", "b", t1.Add(time.Second), ttl)
	require.NoError(t, err)
	assert.False(t, ok, "the release touched only its own lease")

	// A lease taken with a short ttl expires by it; sub-microsecond digits
	// of now and ttl are dropped, as for every time the store keeps.
	t2 := t1.Add(time.Minute)
	assert.True(t, acquire("c", t2, 1500*time.Nanosecond), "expired leases are anyone's")
	base := store.NormalizeTime(t2)
	assert.False(t, acquire("d", base.Add(999*time.Nanosecond), ttl), "still held within the microsecond")
	assert.True(t, acquire("d", base.Add(time.Microsecond), ttl), "the term was one whole microsecond")

	// A time zone does not change the instant.
	t3 := t2.Add(time.Hour)
	assert.True(t, acquire("e", t3.In(zone), ttl))
	assert.False(t, acquire("f", t3.UTC().Add(ttl-time.Microsecond), ttl))
	assert.True(t, acquire("f", t3.UTC().Add(ttl), ttl))
}

// testLeaseInvalid checks the arguments AcquireLease refuses, and that a
// refused call grants nothing.
func testLeaseInvalid(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	now := e.now()
	for _, tc := range []struct {
		name, holder string
		ttl          time.Duration
		field        string
	}{
		{"", "a", time.Second, "name"},
		{"l", "", time.Second, "holder"},
		{"", "", time.Second, "name"},
		{"l", "a", 0, "ttl"},
		{"l", "a", -time.Second, "ttl"},
		{"l", "a", time.Microsecond - 1, "ttl"},
	} {
		ok, err := s.AcquireLease(ctx, tc.name, tc.holder, now, tc.ttl)
		assert.False(t, ok)
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%+v", tc)
		var de *errdefs.Error
		if assert.True(t, errors.As(err, &de), "%+v", tc) {
			assert.Equal(t, "lease", de.Resource)
			assert.Equal(t, tc.field, de.Field)
		}
	}
	ok, err := s.AcquireLease(ctx, "l", "b", now, time.Microsecond)
	require.NoError(t, err)
	assert.True(t, ok, "the refused calls granted nothing; a one-microsecond ttl is valid")
}

// testLeaseRace has 20 goroutines, each its own holder, acquire one free
// lease at the same instant: exactly one gets it, and it is the one that
// holds it afterwards. Then they all try again at its expiry, and again
// exactly one gets it.
func testLeaseRace(t *testing.T, e *env) {
	const holders, ttl = 20, time.Minute
	now := e.now()
	race := func(at time.Time) string {
		t.Helper()
		type result struct {
			holder string
			ok     bool
			err    error
		}
		results := make([]result, holders)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range holders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := "holder-" + string(rune('a'+i))
				<-start
				ok, err := e.s.AcquireLease(e.ctx, "status-sync", h, at, ttl)
				results[i] = result{h, ok, err}
			}()
		}
		close(start)
		wg.Wait()
		var winners []string
		for _, r := range results {
			require.NoError(t, r.err)
			if r.ok {
				winners = append(winners, r.holder)
			}
		}
		require.Len(t, winners, 1, "exactly one holder gets the lease: %v", winners)
		return winners[0]
	}

	first := race(now)
	for i := range holders {
		h := "holder-" + string(rune('a'+i))
		ok, err := e.s.AcquireLease(e.ctx, "status-sync", h, now.Add(time.Second), ttl)
		require.NoError(t, err)
		assert.Equal(t, h == first, ok, "%s: only the winner holds it (it renews)", h)
	}
	race(now.Add(time.Second + ttl))
}

// testLeaseRenew covers RenewLeases: it renews the unexpired leases of its
// holder, moving their expiry, and reports the others as lost without
// taking them over or creating them.
func testLeaseRenew(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	const ttl = 10 * time.Second
	t0 := e.now()
	acquire := func(name, holder string, now time.Time) bool {
		t.Helper()
		ok, err := s.AcquireLease(ctx, name, holder, now, ttl)
		require.NoError(t, err)
		return ok
	}
	require.True(t, acquire("a1", "a", t0))
	require.True(t, acquire("a2", "a", t0))
	require.True(t, acquire("a-short", "a", t0.Add(-9*time.Second))) // expires at t0+1s
	require.True(t, acquire("b1", "b", t0))
	require.True(t, acquire("a-released", "a", t0))
	require.NoError(t, s.ReleaseLease(ctx, "a-released", "a"))

	// At t0+5s: a1 and a2 are renewed until t0+15s; a-short has expired,
	// b1 is b's, a-released and never-held are nobody's.
	t1 := t0.Add(5 * time.Second)
	lost, err := s.RenewLeases(ctx, "a", []string{"a1", "b1", "a-short", "a2", "a-released", "never-held", "a1", "b1"}, t1, ttl)
	require.NoError(t, err)
	assert.Equal(t, []string{"b1", "a-short", "a-released", "never-held"}, lost,
		"the lost names in the order given, each once")

	assert.False(t, acquire("a1", "b", t0.Add(12*time.Second)), "renewed past its old expiry t0+10s")
	assert.False(t, acquire("a2", "b", t0.Add(15*time.Second-time.Microsecond)), "held until t0+15s")
	assert.True(t, acquire("a2", "b", t0.Add(15*time.Second)), "and free at t0+15s")
	assert.False(t, acquire("b1", "c", t1), "b's lease is still b's")
	assert.True(t, acquire("b1", "b", t1), "and b still renews it")
	assert.True(t, acquire("a-short", "c", t1), "the expired lease was not re-taken: anyone may have it")
	assert.True(t, acquire("a-released", "c", t1), "the released lease was not re-created")
	assert.True(t, acquire("never-held", "c", t1), "nor one that never was")

	// The renewal moves the expiry to now+ttl, in whole microseconds.
	t2 := t0.Add(time.Hour)
	require.True(t, acquire("n", "a", t2))
	base := store.NormalizeTime(t2.Add(time.Second))
	lost, err = s.RenewLeases(ctx, "a", []string{"n"}, base.Add(999*time.Nanosecond).In(zone), 1500*time.Nanosecond)
	require.NoError(t, err)
	assert.Empty(t, lost)
	assert.False(t, acquire("n", "b", base.Add(999*time.Nanosecond)), "still held within the microsecond")
	assert.True(t, acquire("n", "b", base.Add(time.Microsecond)), "the renewed term was one whole microsecond")

	// At its expiry a lease is no longer its holder's to renew.
	require.True(t, acquire("x", "a", t2))
	lost, err = s.RenewLeases(ctx, "a", []string{"x"}, t2.Add(ttl), ttl)
	require.NoError(t, err)
	assert.Equal(t, []string{"x"}, lost)

	// No names: nothing to do.
	lost, err = s.RenewLeases(ctx, "a", nil, t2, ttl)
	require.NoError(t, err)
	assert.Empty(t, lost)

	// Many names at once: the store has no limit on their number.
	many := make([]string, 2500)
	for i := range many {
		many[i] = fmt.Sprintf("many-%04d", i)
		if i%2 == 0 {
			require.True(t, acquire(many[i], "m", t2))
		}
	}
	lost, err = s.RenewLeases(ctx, "m", many, t2.Add(time.Second), ttl)
	require.NoError(t, err)
	require.Len(t, lost, len(many)/2)
	for i, name := range lost {
		assert.Equal(t, many[2*i+1], name)
	}
	assert.False(t, acquire(many[0], "z", t2.Add(ttl)), "renewed until t2+11s")
	assert.True(t, acquire(many[1], "z", t2), "a lost name was not created")
}

// testLeaseRenewInvalid checks the arguments RenewLeases refuses, and
// that a refused call renews nothing.
func testLeaseRenewInvalid(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	now := e.now()
	const ttl = time.Second
	ok, err := s.AcquireLease(ctx, "l", "a", now, ttl)
	require.NoError(t, err)
	require.True(t, ok)
	for _, tc := range []struct {
		holder string
		names  []string
		ttl    time.Duration
		field  string
	}{
		{"", []string{"l"}, time.Minute, "holder"},
		{"", nil, time.Minute, "holder"},
		{"a", []string{"l", ""}, time.Minute, "name"},
		{"a", []string{"l"}, 0, "ttl"},
		{"a", nil, -time.Second, "ttl"},
		{"a", []string{"l"}, time.Microsecond - 1, "ttl"},
	} {
		lost, err := s.RenewLeases(ctx, tc.holder, tc.names, now, tc.ttl)
		assert.Nil(t, lost)
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%+v", tc)
		var de *errdefs.Error
		if assert.True(t, errors.As(err, &de), "%+v", tc) {
			assert.Equal(t, "lease", de.Resource)
			assert.Equal(t, tc.field, de.Field)
		}
	}
	ok, err = s.AcquireLease(ctx, "l", "b", now.Add(ttl), ttl)
	require.NoError(t, err)
	assert.True(t, ok, "the refused calls renewed nothing")
}

// testLeaseRenewRace renews a lease just before its expiry while other
// holders try to take it over at its expiry, many times over: the renewal
// and a takeover never both succeed, and whoever the store says holds the
// lease afterwards is the one that won.
func testLeaseRenewRace(t *testing.T, e *env) {
	const rounds, rivals, ttl = 20, 4, time.Minute
	for r := range rounds {
		name := fmt.Sprintf("race-%d", r)
		t0 := e.now().Add(time.Duration(r) * time.Hour)
		ok, err := e.s.AcquireLease(e.ctx, name, "a", t0, ttl)
		require.NoError(t, err)
		require.True(t, ok)
		var (
			wg       sync.WaitGroup
			lost     []string
			renewErr error
			taken    = make([]bool, rivals)
			errs     = make([]error, rivals)
		)
		start := make(chan struct{})
		wg.Add(1 + rivals)
		go func() {
			defer wg.Done()
			<-start
			lost, renewErr = e.s.RenewLeases(e.ctx, "a", []string{name}, t0.Add(ttl-time.Microsecond), ttl)
		}()
		for i := range rivals {
			go func() {
				defer wg.Done()
				<-start
				taken[i], errs[i] = e.s.AcquireLease(e.ctx, name, fmt.Sprintf("rival-%d", i), t0.Add(ttl), ttl)
			}()
		}
		close(start)
		wg.Wait()
		require.NoError(t, renewErr)
		winners := 0
		for i := range rivals {
			require.NoError(t, errs[i])
			if taken[i] {
				winners++
			}
		}
		renewed := len(lost) == 0
		if renewed {
			assert.Zero(t, winners, "round %d: renewed, yet taken over", r)
		} else {
			assert.Equal(t, 1, winners, "round %d: lost, so exactly one rival took it", r)
		}
		// a holds it afterwards exactly when it renewed.
		ok, err = e.s.AcquireLease(e.ctx, name, "a", t0.Add(ttl+time.Second), ttl)
		require.NoError(t, err)
		assert.Equal(t, renewed, ok, "round %d", r)
	}
}
