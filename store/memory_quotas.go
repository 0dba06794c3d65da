package store

import (
	"cmp"
	"context"
	"strconv"
)

// quotaKey identifies a quota record by what is unique about it.
type quotaKey struct{ project, resource string }

func quotaKind() kind[*QuotaRecord] {
	return kind[*QuotaRecord]{
		resource: resQuota,
		sortKeys: QuotaSortKeys(),
		name:     func(q *QuotaRecord) string { return quotaID(q.ProjectID, q.Resource) },
		clone:    (*QuotaRecord).Clone,
		compare: func(key string, a, b *QuotaRecord) int {
			switch key {
			case "project_id":
				return cmp.Compare(a.ProjectID, b.ProjectID)
			case "resource":
				return cmp.Compare(a.Resource, b.Resource)
			case "hard_limit":
				return cmp.Compare(a.HardLimit, b.HardLimit)
			case "created_at":
				return a.CreatedAt.Compare(b.CreatedAt)
			case "updated_at":
				return compareTimePtr(a.UpdatedAt, b.UpdatedAt)
			}
			return 0
		},
	}
}

// CreateQuota implements Store.
func (m *Memory) CreateQuota(ctx context.Context, q *QuotaRecord) error {
	if err := CheckQuotaRecord(q); err != nil {
		return err
	}
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	k := quotaKey{q.ProjectID, q.Resource}
	if _, ok := m.quotaIDs[k]; ok {
		return QuotaTaken(q.ProjectID, q.Resource)
	}
	rec := q.Clone()
	rec.ID = m.nextSeq()
	rec.CreatedAt = NormalizeTime(rec.CreatedAt)
	if rec.UpdatedAt != nil {
		*rec.UpdatedAt = NormalizeTime(*rec.UpdatedAt)
	}
	m.quotas.insert(strconv.FormatInt(rec.ID, 10), rec.ID, rec)
	m.quotaIDs[k] = rec.ID
	*q = *rec.Clone()
	return nil
}

// GetQuota implements Store.
func (m *Memory) GetQuota(ctx context.Context, projectID, resource string) (*QuotaRecord, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	e, ok := m.quotaEntry(projectID, resource)
	if !ok {
		return nil, QuotaNotFound(projectID, resource)
	}
	return e.rec.Clone(), nil
}

// ListQuotas implements Store.
func (m *Memory) ListQuotas(ctx context.Context, f QuotaFilter, p Page) ([]*QuotaRecord, error) {
	if _, err := p.Check(QuotaSortKeys()); err != nil {
		return nil, err
	}
	if p.Marker != "" {
		id, err := QuotaMarker(p.Marker)
		if err != nil {
			return nil, err
		}
		p.Marker = strconv.FormatInt(id, 10)
	}
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	match := func(q *QuotaRecord) bool {
		return (f.ProjectID == "" || q.ProjectID == f.ProjectID) && (f.Resource == "" || q.Resource == f.Resource)
	}
	out, err := list(&m.quotas, quotaKind(), match, p)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*QuotaRecord{}
	}
	return out, nil
}

// UpdateQuota implements Store.
func (m *Memory) UpdateQuota(ctx context.Context, q *QuotaRecord) error {
	if err := CheckQuotaRecord(q); err != nil {
		return err
	}
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	e, ok := m.quotaEntry(q.ProjectID, q.Resource)
	if !ok {
		return QuotaNotFound(q.ProjectID, q.Resource)
	}
	e.rec.HardLimit = q.HardLimit
	e.rec.UpdatedAt = nil
	if q.UpdatedAt != nil {
		t := NormalizeTime(*q.UpdatedAt)
		e.rec.UpdatedAt = &t
	}
	*q = *e.rec.Clone()
	return nil
}

// DeleteQuota implements Store.
func (m *Memory) DeleteQuota(ctx context.Context, projectID, resource string) error {
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	k := quotaKey{projectID, resource}
	id, ok := m.quotaIDs[k]
	if !ok {
		return QuotaNotFound(projectID, resource)
	}
	m.quotas.remove(strconv.FormatInt(id, 10))
	delete(m.quotaIDs, k)
	return nil
}

// quotaEntry returns the stored record of (projectID, resource). The caller
// holds the lock.
func (m *Memory) quotaEntry(projectID, resource string) (*entry[*QuotaRecord], bool) {
	id, ok := m.quotaIDs[quotaKey{projectID, resource}]
	if !ok {
		return nil, false
	}
	e, ok := m.quotas.byUUID[strconv.FormatInt(id, 10)]
	return e, ok
}
