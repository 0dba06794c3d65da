package store

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// serviceKey identifies a service record.
type serviceKey struct{ host, binary string }

// HeartbeatService implements Store.
func (m *Memory) HeartbeatService(ctx context.Context, s *Service, now time.Time) error {
	if err := CheckService(s); err != nil {
		return err
	}
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	now = NormalizeTime(now)
	k := serviceKey{s.Host, s.Binary}
	rec, ok := m.services[k]
	if !ok {
		rec = &Service{Host: s.Host, Binary: s.Binary, Disabled: s.Disabled, DisabledReason: s.DisabledReason, CreatedAt: now}
		m.services[k] = rec
	}
	rec.ReportCount++
	rec.UpdatedAt = now
	*s = *rec
	return nil
}

// ListServices implements Store.
func (m *Memory) ListServices(ctx context.Context) ([]*Service, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	out := make([]*Service, 0, len(m.services))
	for _, s := range m.services {
		out = append(out, s.Clone())
	}
	slices.SortFunc(out, func(a, b *Service) int {
		return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.Binary, b.Binary))
	})
	return out, nil
}

// DeleteService implements Store.
func (m *Memory) DeleteService(ctx context.Context, host, binary string) error {
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	k := serviceKey{host, binary}
	if _, ok := m.services[k]; !ok {
		return ServiceNotFound(host, binary)
	}
	delete(m.services, k)
	return nil
}
