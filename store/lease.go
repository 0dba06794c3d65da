package store

import (
	"time"

	"github.com/gomagnum/magnum/errdefs"
)

// resLease names leases in errors.
const resLease = "lease"

// CheckLease checks the arguments of AcquireLease before touching storage:
// name and holder are set and ttl is at least a microsecond, the stores'
// resolution (a shorter one would grant a lease that has already expired).
// Implementations of Store call it so they report these problems alike.
func CheckLease(name, holder string, ttl time.Duration) error {
	if name == "" {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resLease, Field: "name", Reason: "a lease needs a name"}
	}
	if holder == "" {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resLease, ID: name, Field: "holder", Reason: "a lease needs a holder"}
	}
	if ttl < TimePrecision {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resLease, ID: name, Field: "ttl",
			Reason: "a lease's ttl must be at least a microsecond, got " + ttl.String()}
	}
	return nil
}

// LeaseTerm returns the normalised (see NormalizeTime) start and end of a
// lease granted at now for ttl: the end is the start plus ttl in whole
// microseconds. Implementations of Store use it so they agree on when a
// lease expires.
func LeaseTerm(now time.Time, ttl time.Duration) (start, end time.Time) {
	start = NormalizeTime(now)
	return start, start.Add(ttl.Truncate(TimePrecision))
}

// CheckLeases checks the arguments of RenewLeases as CheckLease checks
// AcquireLease's: holder is set, ttl is at least a microsecond and no name
// is empty. Implementations of Store call it before touching storage.
func CheckLeases(holder string, names []string, ttl time.Duration) error {
	for _, name := range names {
		if err := CheckLease(name, holder, ttl); err != nil {
			return err
		}
	}
	if len(names) == 0 {
		// No name to report; the other arguments still must be valid.
		return CheckLease("-", holder, ttl)
	}
	return nil
}

// LostLeases returns the names that are not in renewed, in the order of
// names and each once: what RenewLeases reports as lost.
func LostLeases(names []string, renewed map[string]bool) []string {
	var lost []string
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if !renewed[n] && !seen[n] {
			lost = append(lost, n)
		}
		seen[n] = true
	}
	return lost
}
