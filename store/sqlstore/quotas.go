package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

const quotasTable = "quotas"

const quotaColumns = "id, project_id, resource, hard_limit, created_at, updated_at"

// quotaConds is QuotaFilter in SQL.
func quotaConds(f store.QuotaFilter) []cond {
	var cs []cond
	if f.ProjectID != "" {
		cs = append(cs, eq("project_id", f.ProjectID))
	}
	if f.Resource != "" {
		cs = append(cs, eq("resource", f.Resource))
	}
	return cs
}

// quotaSortColumn maps store.QuotaSortKeys to columns, keeping user input
// out of SQL text.
func quotaSortColumn(key string) (string, bool) {
	switch key {
	case "id", "project_id", "resource", "hard_limit", "created_at", "updated_at":
		return key, true
	}
	return "", false
}

func scanQuota(row interface{ Scan(...any) error }) (*store.QuotaRecord, error) {
	var q store.QuotaRecord
	var created, updated int64
	if err := row.Scan(&q.ID, &q.ProjectID, &q.Resource, &q.HardLimit, &created, &updated); err != nil {
		return nil, err
	}
	q.CreatedAt = timeFromColumn(created)
	if updated != noTime {
		t := timeFromColumn(updated)
		q.UpdatedAt = &t
	}
	return &q, nil
}

// CreateQuota implements store.Store. The unique (project_id, resource)
// constraint decides between concurrent creates.
func (s *Store) CreateQuota(ctx context.Context, q *store.QuotaRecord) error {
	if err := store.CheckQuotaRecord(q); err != nil {
		return err
	}
	rec := q.Clone()
	rec.CreatedAt = store.NormalizeTime(rec.CreatedAt)
	rec.UpdatedAt = normTimePtr(rec.UpdatedAt)
	err := s.write(ctx, "create quota", func(tx *sql.Tx) error {
		ins := newQuery(s.d)
		ins.add("INSERT INTO "+quotasTable+" (project_id, resource, hard_limit, created_at, updated_at)"+
			" VALUES (%s, %s, %s, %s, %s) RETURNING id",
			rec.ProjectID, rec.Resource, int64(rec.HardLimit), timeColumn(rec.CreatedAt), timePtrColumn(rec.UpdatedAt))
		err := tx.QueryRowContext(ctx, ins.String(), ins.args...).Scan(&rec.ID)
		if err != nil && s.d.classify(err) == errUnique {
			return store.QuotaTaken(rec.ProjectID, rec.Resource)
		}
		return err
	})
	if err != nil {
		return err
	}
	*q = *rec
	return nil
}

// GetQuota implements store.Store.
func (s *Store) GetQuota(ctx context.Context, projectID, resource string) (*store.QuotaRecord, error) {
	var out *store.QuotaRecord
	err := s.read(ctx, "get quota", func(tx *sql.Tx) error {
		var err error
		out, err = s.quotaTx(ctx, tx, projectID, resource)
		return err
	})
	return out, err
}

// quotaTx reads the record of (projectID, resource).
func (s *Store) quotaTx(ctx context.Context, tx *sql.Tx, projectID, resource string) (*store.QuotaRecord, error) {
	q := newQuery(s.d)
	q.add("SELECT "+quotaColumns+" FROM "+quotasTable+" WHERE project_id = %s AND resource = %s", projectID, resource)
	rec, err := scanQuota(tx.QueryRowContext(ctx, q.String(), q.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.QuotaNotFound(projectID, resource)
	}
	return rec, err
}

// ListQuotas implements store.Store.
func (s *Store) ListQuotas(ctx context.Context, f store.QuotaFilter, p store.Page) ([]*store.QuotaRecord, error) {
	p, err := p.Check(store.QuotaSortKeys())
	if err != nil {
		return nil, err
	}
	var marker int64
	if p.Marker != "" {
		if marker, err = store.QuotaMarker(p.Marker); err != nil {
			return nil, err
		}
	}
	col, ok := quotaSortColumn(p.SortKey)
	if !ok {
		return nil, errdefs.Invalid("sort_key", "unknown sort key %q", p.SortKey)
	}
	op, dir := ">", "ASC"
	if p.SortDir == store.Desc {
		op, dir = "<", "DESC"
	}
	out := []*store.QuotaRecord{}
	err = s.read(ctx, "list quotas", func(tx *sql.Tx) error {
		cs := quotaConds(f)
		if marker != 0 {
			mq := newQuery(s.d)
			mq.add("SELECT " + col + " FROM " + quotasTable)
			mq.where(append(cs[:len(cs):len(cs)], eq("id", marker)))
			var val any
			err := tx.QueryRowContext(ctx, mq.String(), mq.args...).Scan(&val)
			if errors.Is(err, sql.ErrNoRows) {
				return store.UnknownQuotaMarker(marker)
			}
			if err != nil {
				return err
			}
			if col == "id" {
				cs = append(cs, cond{sql: "id " + op + " %s", args: []any{marker}})
			} else {
				cs = append(cs, cond{sql: "(" + col + ", id) " + op + " (%s, %s)", args: []any{val, marker}})
			}
		}
		q := newQuery(s.d)
		q.add("SELECT " + quotaColumns + " FROM " + quotasTable)
		q.where(cs)
		if col == "id" {
			q.add(" ORDER BY id " + dir)
		} else {
			q.add(" ORDER BY " + col + " " + dir + ", id " + dir)
		}
		if p.Limit > 0 {
			q.add(" LIMIT %s", p.Limit)
		}
		rows, err := tx.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			rec, err := scanQuota(rows)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateQuota implements store.Store.
func (s *Store) UpdateQuota(ctx context.Context, q *store.QuotaRecord) error {
	if err := store.CheckQuotaRecord(q); err != nil {
		return err
	}
	updated := normTimePtr(q.UpdatedAt)
	var got *store.QuotaRecord
	err := s.write(ctx, "update quota", func(tx *sql.Tx) error {
		uq := newQuery(s.d)
		uq.add("UPDATE "+quotasTable+" SET hard_limit = %s, updated_at = %s WHERE project_id = %s AND resource = %s"+
			" RETURNING "+quotaColumns,
			int64(q.HardLimit), timePtrColumn(updated), q.ProjectID, q.Resource)
		var err error
		got, err = scanQuota(tx.QueryRowContext(ctx, uq.String(), uq.args...))
		if errors.Is(err, sql.ErrNoRows) {
			return store.QuotaNotFound(q.ProjectID, q.Resource)
		}
		return err
	})
	if err != nil {
		return err
	}
	*q = *got
	return nil
}

// DeleteQuota implements store.Store.
func (s *Store) DeleteQuota(ctx context.Context, projectID, resource string) error {
	return s.write(ctx, "delete quota", func(tx *sql.Tx) error {
		q := newQuery(s.d)
		q.add("DELETE FROM "+quotasTable+" WHERE project_id = %s AND resource = %s", projectID, resource)
		n, err := s.exec(ctx, tx, q)
		if err == nil && n == 0 {
			return store.QuotaNotFound(projectID, resource)
		}
		return err
	})
}
