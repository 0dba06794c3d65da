package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

// query builds one SQL statement with its arguments, in the dialect's
// placeholder style. SQL text comes only from this package's constants;
// every value, including anything a user typed, travels as an argument.
type query struct {
	d    *dialect
	b    strings.Builder
	args []any
}

func newQuery(d *dialect) *query { return &query{d: d} }

// add appends format with each %s replaced by a placeholder for the
// matching argument.
func (q *query) add(format string, args ...any) {
	ph := make([]any, len(args))
	for i, a := range args {
		q.args = append(q.args, a)
		ph[i] = q.d.placeholder(len(q.args))
	}
	fmt.Fprintf(&q.b, format, ph...)
}

// where appends the conditions joined by AND.
func (q *query) where(cs []cond) {
	for i, c := range cs {
		if i == 0 {
			q.add(" WHERE ")
		} else {
			q.add(" AND ")
		}
		q.add(c.sql, c.args...)
	}
}

func (q *query) String() string { return q.b.String() }

// cond is one condition, with %s where its arguments go.
type cond struct {
	sql  string
	args []any
}

func eq(column string, v any) cond { return cond{sql: column + " = %s", args: []any{v}} }

// in is column IN (vs…); vs must not be empty.
func in[T any](column string, vs []T) cond {
	args := make([]any, len(vs))
	ph := make([]string, len(vs))
	for i, v := range vs {
		args[i], ph[i] = v, "%s"
	}
	return cond{sql: column + " IN (" + strings.Join(ph, ", ") + ")", args: args}
}

// table describes one record kind's table to the generic reads.
type table[T any] struct {
	name     string
	resource string
	sortKeys []string
	decode   func(revision int64, body string) (T, error)
}

// sortColumns maps the contract's sort keys to columns. The keys are
// already the column names; the map keeps user input out of SQL text.
func sortColumn(key string) (string, bool) {
	switch key {
	case "id", "uuid", "name", "coe", "status", "role", "node_count", "master_count", "created_at", "updated_at":
		return key, true
	}
	return "", false
}

func scanOne[T any](tb table[T], row interface{ Scan(...any) error }) (T, error) {
	var rev int64
	var body string
	if err := row.Scan(&rev, &body); err != nil {
		var zero T
		return zero, err
	}
	return tb.decode(rev, body)
}

func scanAll[T any](tb table[T], rows *sql.Rows) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		r, err := scanOne(tb, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// get reads the record of one UUID.
func get[T any](ctx context.Context, s *Store, tb table[T], uuid string) (T, error) {
	var zero T
	if err := s.checkReady(ctx); err != nil {
		return zero, err
	}
	q := newQuery(s.d)
	q.add("SELECT revision, body FROM "+tb.name+" WHERE uuid = %s", uuid)
	r, err := scanOne(tb, s.rdb.QueryRowContext(ctx, q.String(), q.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return zero, errdefs.NotFound(tb.resource, uuid)
	}
	return r, s.wrap(ctx, "get "+tb.resource, err)
}

// find resolves ident as a UUID, then as a name, among the records cs
// selects.
func find[T any](ctx context.Context, s *Store, tb table[T], cs []cond, ident string) (T, error) {
	var out T
	if ident == "" {
		return out, errdefs.NotFound(tb.resource, ident)
	}
	// Each lookup is one statement, consistent on its own: no read
	// transaction, whose BEGIN and COMMIT would hold a pooled connection
	// for two more round trips.
	if err := s.checkReady(ctx); err != nil {
		return out, err
	}
	out, err := findTx(ctx, s, s.rdb, tb, cs, ident)
	return out, s.wrap(ctx, "find "+tb.resource, err)
}

func findTx[T any](ctx context.Context, s *Store, tx conn, tb table[T], cs []cond, ident string) (T, error) {
	var zero T
	q := newQuery(s.d)
	q.add("SELECT revision, body FROM " + tb.name)
	q.where(append(cs[:len(cs):len(cs)], eq("uuid", ident)))
	r, err := scanOne(tb, tx.QueryRowContext(ctx, q.String(), q.args...))
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	q = newQuery(s.d)
	q.add("SELECT revision, body FROM " + tb.name)
	q.where(append(cs[:len(cs):len(cs)], eq("name", ident)))
	// Two hits are enough to call the name ambiguous. No ORDER BY: which
	// two does not matter, and an order tempts PostgreSQL's generic plans
	// to walk the primary key instead of seeking the name index.
	q.add(" LIMIT 2")
	rows, err := tx.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return zero, err
	}
	hits, err := scanAll(tb, rows)
	switch {
	case err != nil:
		return zero, err
	case len(hits) == 0:
		return zero, errdefs.NotFound(tb.resource, ident)
	case len(hits) > 1:
		return zero, errdefs.Conflict(tb.resource, ident, "several %ss are named %q; use the UUID", tb.resource, ident)
	}
	return hits[0], nil
}

// list returns one page of the records cs selects.
func list[T any](ctx context.Context, s *Store, tb table[T], cs []cond, p store.Page) ([]T, error) {
	p, err := p.Check(tb.sortKeys)
	if err != nil {
		return nil, err
	}
	col, ok := sortColumn(p.SortKey)
	if !ok {
		return nil, errdefs.Invalid("sort_key", "unknown sort key %q", p.SortKey)
	}
	op, dir := ">", "ASC"
	if p.SortDir == store.Desc {
		op, dir = "<", "DESC"
	}
	var out []T
	err = s.read(ctx, "list "+tb.resource+"s", func(tx *sql.Tx) error {
		cs := cs[:len(cs):len(cs)]
		if p.Marker != "" {
			mq := newQuery(s.d)
			mq.add("SELECT id, " + col + " FROM " + tb.name)
			mq.where(append(cs, eq("uuid", p.Marker)))
			var id int64
			var val any
			err := tx.QueryRowContext(ctx, mq.String(), mq.args...).Scan(&id, &val)
			if errors.Is(err, sql.ErrNoRows) {
				return errdefs.Invalid("marker", "unknown marker %q: no such %s", p.Marker, tb.resource)
			}
			if err != nil {
				return err
			}
			if col == "id" {
				cs = append(cs, cond{sql: "id " + op + " %s", args: []any{id}})
			} else {
				// A row comparison, (col, id) > (v, id0), means col > v OR
				// (col = v AND id > id0), and both databases seek the
				// (col, id) index with it rather than filter a scan.
				cs = append(cs, cond{
					sql:  "(" + col + ", id) " + op + " (%s, %s)",
					args: []any{val, id},
				})
			}
		}
		q := newQuery(s.d)
		q.add("SELECT revision, body FROM " + tb.name)
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
		out, err = scanAll(tb, rows)
		return err
	})
	return out, err
}

// Helpers of the write transactions.

// exists reports whether the table has a row meeting cs.
func (s *Store) exists(ctx context.Context, tx *sql.Tx, tableName string, cs ...cond) (bool, error) {
	q := newQuery(s.d)
	q.add("SELECT 1 FROM " + tableName)
	q.where(cs)
	q.add(" LIMIT 1")
	var one int
	err := tx.QueryRowContext(ctx, q.String(), q.args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// count counts the table's rows meeting cs.
func (s *Store) count(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, tableName string, cs ...cond) (int, error) {
	qq := newQuery(s.d)
	qq.add("SELECT COUNT(*) FROM " + tableName)
	qq.where(cs)
	var n int
	err := q.QueryRowContext(ctx, qq.String(), qq.args...).Scan(&n)
	return n, err
}

// locked reads, for update, the columns of the row of one UUID; found is
// false if there is none.
func (s *Store) locked(ctx context.Context, tx *sql.Tx, tableName, uuid string, columns string, dest ...any) (found bool, err error) {
	q := newQuery(s.d)
	q.add("SELECT "+columns+" FROM "+tableName+" WHERE uuid = %s"+s.d.forUpdate, uuid)
	err = tx.QueryRowContext(ctx, q.String(), q.args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// exec runs q and returns how many rows it changed.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, q *query) (int64, error) {
	res, err := tx.ExecContext(ctx, q.String(), q.args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
