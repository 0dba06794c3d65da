package store

import (
	"cmp"
	"context"
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/template"
)

func templateKind() kind[*template.ClusterTemplate] {
	return kind[*template.ClusterTemplate]{
		resource: resTemplate,
		sortKeys: TemplateSortKeys(),
		name:     func(t *template.ClusterTemplate) string { return t.Name },
		clone:    (*template.ClusterTemplate).Clone,
		compare: func(key string, a, b *template.ClusterTemplate) int {
			switch key {
			case "uuid":
				return cmp.Compare(a.UUID, b.UUID)
			case "name":
				return cmp.Compare(a.Name, b.Name)
			case "coe":
				return cmp.Compare(a.COE, b.COE)
			case "created_at":
				return a.CreatedAt.Compare(b.CreatedAt)
			case "updated_at":
				return compareTimePtr(a.UpdatedAt, b.UpdatedAt)
			}
			return 0
		},
	}
}

// matchTemplate reports whether f selects t.
func matchTemplate(f TemplateFilter, t *template.ClusterTemplate) bool {
	if f.ProjectID != "" && t.ProjectID != f.ProjectID {
		if !f.IncludePublic || !t.Public || (t.Hidden && !f.IncludeHidden) {
			return false
		}
	}
	return (f.Name == "" || t.Name == f.Name) && (f.COE == "" || t.COE == f.COE)
}

func normTemplate(t *template.ClusterTemplate) *template.ClusterTemplate {
	c := t.Clone()
	c.CreatedAt = NormalizeTime(c.CreatedAt)
	c.UpdatedAt = normTimePtr(c.UpdatedAt)
	return c
}

// CreateTemplate implements Store.
func (m *Memory) CreateTemplate(ctx context.Context, t *template.ClusterTemplate) error {
	if t.UUID == "" {
		return errNoUUID(resTemplate)
	}
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if _, ok := m.templates.byUUID[t.UUID]; ok {
		return errTaken(resTemplate, t.UUID)
	}
	rec := normTemplate(t)
	rec.Revision = 1
	m.templates.insert(rec.UUID, m.nextSeq(), rec)
	t.Revision, t.CreatedAt, t.UpdatedAt = rec.Revision, rec.CreatedAt, normTimePtr(rec.UpdatedAt)
	return nil
}

// GetTemplate implements Store.
func (m *Memory) GetTemplate(ctx context.Context, uuid string) (*template.ClusterTemplate, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	e, ok := m.templates.byUUID[uuid]
	if !ok {
		return nil, errdefs.NotFound(resTemplate, uuid)
	}
	return e.rec.Clone(), nil
}

// FindTemplate implements Store.
func (m *Memory) FindTemplate(ctx context.Context, f TemplateFilter, ident string) (*template.ClusterTemplate, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	return find(&m.templates, templateKind(), func(t *template.ClusterTemplate) bool { return matchTemplate(f, t) }, ident)
}

// ListTemplates implements Store.
func (m *Memory) ListTemplates(ctx context.Context, f TemplateFilter, p Page) ([]*template.ClusterTemplate, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	return list(&m.templates, templateKind(), func(t *template.ClusterTemplate) bool { return matchTemplate(f, t) }, p)
}

// UpdateTemplate implements Store.
func (m *Memory) UpdateTemplate(ctx context.Context, t *template.ClusterTemplate) error {
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	e, ok := m.templates.byUUID[t.UUID]
	if !ok {
		return errdefs.NotFound(resTemplate, t.UUID)
	}
	if t.Revision != e.rec.Revision {
		return errStale(resTemplate, t.UUID, t.Revision, e.rec.Revision)
	}
	rec := normTemplate(t)
	rec.Revision = e.rec.Revision + 1
	e.rec = rec
	t.Revision, t.CreatedAt, t.UpdatedAt = rec.Revision, rec.CreatedAt, normTimePtr(rec.UpdatedAt)
	return nil
}

// DeleteTemplate implements Store.
func (m *Memory) DeleteTemplate(ctx context.Context, uuid string, revision int64) error {
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	e, ok := m.templates.byUUID[uuid]
	if !ok {
		return errdefs.NotFound(resTemplate, uuid)
	}
	if err := checkRevision(resTemplate, uuid, revision, e.rec.Revision); err != nil {
		return err
	}
	if n := m.templateRefs[uuid]; n > 0 {
		return errInUse(uuid, n)
	}
	m.templates.remove(uuid)
	return nil
}

func errInUse(uuid string, clusters int) error {
	return &errdefs.Error{Kind: errdefs.ErrInUse, Resource: resTemplate, ID: uuid,
		Reason: fmt.Sprintf("the template is referenced by %d cluster(s)", clusters)}
}
