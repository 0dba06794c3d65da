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

// RenewLeases implements Store. The write lock makes all the renewals one
// step.
func (m *Memory) RenewLeases(ctx context.Context, holder string, names []string, now time.Time, ttl time.Duration) ([]string, error) {
	if err := CheckLeases(holder, names, ttl); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, nil
	}
	if err := m.write(ctx); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	start, end := LeaseTerm(now, ttl)
	renewed := make(map[string]bool, len(names))
	for _, name := range names {
		if l, ok := m.leases[name]; ok && l.holder == holder && l.expires.After(start) {
			m.leases[name] = memLease{holder: holder, expires: end}
			renewed[name] = true
		}
	}
	return LostLeases(names, renewed), nil
}
