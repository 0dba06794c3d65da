package storetest

import (
	"errors"
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
