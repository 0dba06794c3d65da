package sqlstore

import (
	"context"
	"database/sql"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

const templatesTable = "cluster_templates"

func templateTable() table[*template.ClusterTemplate] {
	return table[*template.ClusterTemplate]{
		name:     templatesTable,
		resource: resTemplate,
		sortKeys: store.TemplateSortKeys(),
		decode: func(rev int64, body string) (*template.ClusterTemplate, error) {
			var b templateBody
			if err := decodeBody(resTemplate, body, &b); err != nil {
				return nil, err
			}
			return b.model(rev), nil
		},
	}
}

// templateConds is TemplateFilter in SQL.
func templateConds(f store.TemplateFilter) []cond {
	var cs []cond
	if f.ProjectID != "" {
		switch {
		case f.IncludePublic && f.IncludeHidden:
			cs = append(cs, cond{sql: "(project_id = %s OR public = %s)", args: []any{f.ProjectID, true}})
		case f.IncludePublic:
			cs = append(cs, cond{sql: "(project_id = %s OR (public = %s AND hidden = %s))", args: []any{f.ProjectID, true, false}})
		default:
			cs = append(cs, eq("project_id", f.ProjectID))
		}
	}
	if f.Name != "" {
		cs = append(cs, eq("name", f.Name))
	}
	if f.COE != "" {
		cs = append(cs, eq("coe", f.COE))
	}
	return cs
}

// CreateTemplate implements store.Store.
func (s *Store) CreateTemplate(ctx context.Context, t *template.ClusterTemplate) error {
	if t.UUID == "" {
		return errNoUUID(resTemplate)
	}
	b := templateToBody(t)
	body, err := encodeBody(resTemplate, b)
	if err != nil {
		return err
	}
	err = s.write(ctx, "create template", func(tx *sql.Tx) error {
		taken, err := s.exists(ctx, tx, templatesTable, eq("uuid", t.UUID))
		if err != nil {
			return err
		}
		if taken {
			return errTaken(resTemplate, t.UUID)
		}
		q := newQuery(s.d)
		q.add("INSERT INTO "+templatesTable+
			" (uuid, project_id, name, coe, public, hidden, created_at, updated_at, revision, body)"+
			" VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
			b.UUID, b.ProjectID, b.Name, b.COE, b.Public, b.Hidden,
			timeColumn(b.CreatedAt), timePtrColumn(b.UpdatedAt), int64(1), body)
		_, err = s.exec(ctx, tx, q)
		return err
	})
	if err != nil {
		return err
	}
	t.Revision, t.CreatedAt, t.UpdatedAt = 1, b.CreatedAt, normTimePtr(b.UpdatedAt)
	return nil
}

// GetTemplate implements store.Store.
func (s *Store) GetTemplate(ctx context.Context, uuid string) (*template.ClusterTemplate, error) {
	return get(ctx, s, templateTable(), uuid)
}

// FindTemplate implements store.Store.
func (s *Store) FindTemplate(ctx context.Context, f store.TemplateFilter, ident string) (*template.ClusterTemplate, error) {
	return find(ctx, s, templateTable(), templateConds(f), ident)
}

// ListTemplates implements store.Store.
func (s *Store) ListTemplates(ctx context.Context, f store.TemplateFilter, p store.Page) ([]*template.ClusterTemplate, error) {
	return list(ctx, s, templateTable(), templateConds(f), p)
}

// UpdateTemplate implements store.Store.
func (s *Store) UpdateTemplate(ctx context.Context, t *template.ClusterTemplate) error {
	b := templateToBody(t)
	body, err := encodeBody(resTemplate, b)
	if err != nil {
		return err
	}
	err = s.write(ctx, "update template", func(tx *sql.Tx) error {
		var rev int64
		found, err := s.locked(ctx, tx, templatesTable, t.UUID, "revision", &rev)
		switch {
		case err != nil:
			return err
		case !found:
			return errdefs.NotFound(resTemplate, t.UUID)
		case rev != t.Revision:
			return errStale(resTemplate, t.UUID, t.Revision, rev)
		}
		q := newQuery(s.d)
		q.add("UPDATE "+templatesTable+" SET project_id = %s, name = %s, coe = %s, public = %s, hidden = %s,"+
			" created_at = %s, updated_at = %s, revision = %s, body = %s WHERE uuid = %s AND revision = %s",
			b.ProjectID, b.Name, b.COE, b.Public, b.Hidden,
			timeColumn(b.CreatedAt), timePtrColumn(b.UpdatedAt), rev+1, body, t.UUID, rev)
		n, err := s.exec(ctx, tx, q)
		if err == nil && n != 1 {
			return errChanged(resTemplate, t.UUID)
		}
		return err
	})
	if err != nil {
		return err
	}
	t.Revision, t.CreatedAt, t.UpdatedAt = t.Revision+1, b.CreatedAt, normTimePtr(b.UpdatedAt)
	return nil
}

// DeleteTemplate implements store.Store.
func (s *Store) DeleteTemplate(ctx context.Context, uuid string, revision int64) error {
	return s.write(ctx, "delete template", func(tx *sql.Tx) error {
		var rev int64
		found, err := s.locked(ctx, tx, templatesTable, uuid, "revision", &rev)
		switch {
		case err != nil:
			return err
		case !found:
			return errdefs.NotFound(resTemplate, uuid)
		}
		if err := checkDeleteRevision(resTemplate, uuid, revision, rev); err != nil {
			return err
		}
		n, err := s.count(ctx, tx, clustersTable, eq("cluster_template_id", uuid))
		if err != nil {
			return err
		}
		if n > 0 {
			return errInUse(uuid, n)
		}
		q := newQuery(s.d)
		q.add("DELETE FROM "+templatesTable+" WHERE uuid = %s", uuid)
		if _, err := s.exec(ctx, tx, q); err != nil {
			if s.d.classify(err) == errForeignKey { // a cluster came in between (PostgreSQL)
				return errInUse(uuid, 1)
			}
			return err
		}
		return nil
	})
}
