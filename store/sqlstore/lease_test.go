package sqlstore_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/store/sqlstore"
)

// Several processes (here: Stores, each with its own connections) electing
// a status-sync leader on one database: of many holders acquiring the same
// free lease at once, exactly one gets it, round after round, each round at
// the previous term's expiry.
func TestLeaseAcrossProcesses(t *testing.T) { onEach(t, checkLeaseAcrossProcesses) }

func checkLeaseAcrossProcesses(t *testing.T, _ backend, dsn string) {
	ctx := t.Context()
	const procs, holders, rounds, ttl = 3, 30, 5, 10 * time.Second
	stores := make([]*sqlstore.Store, procs)
	for i := range stores {
		s, err := sqlstore.Open(ctx, dsn, sqlstore.Config{})
		require.NoError(t, err)
		defer s.Close()
		stores[i] = s
	}
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for round := range rounds {
		at := now.Add(time.Duration(round) * ttl)
		got := make([]bool, holders)
		errs := make([]error, holders)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range holders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got[i], errs[i] = stores[i%procs].AcquireLease(ctx, "status-sync", "manager-"+strconv.Itoa(i), at, ttl)
			}()
		}
		close(start)
		wg.Wait()
		winners := 0
		for i := range holders {
			require.NoError(t, errs[i])
			if got[i] {
				winners++
			}
		}
		assert.Equal(t, 1, winners, "round %d", round)
	}
}
