package store

import (
	"context"
	"time"
)

// memLease is a lease as Memory keeps it.
type memLease struct {
	holder  string
	expires time.Time // normalised
}

// AcquireLease implements Store. The write lock makes the check and the
// grant one step.
func (m *Memory) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if err := CheckLease(name, holder, ttl); err != nil {
		return false, err
	}
	if err := m.write(ctx); err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	start, end := LeaseTerm(now, ttl)
	if l, ok := m.leases[name]; ok && l.holder != holder && l.expires.After(start) {
		return false, nil
	}
	m.leases[name] = memLease{holder: holder, expires: end}
	return true, nil
}

// ReleaseLease implements Store.
func (m *Memory) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if l, ok := m.leases[name]; ok && l.holder == holder {
		delete(m.leases, name)
	}
	return nil
}
