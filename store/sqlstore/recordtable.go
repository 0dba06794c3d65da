package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"

	"github.com/gomagnum/magnum/errdefs"
)

const resRecord = "record"

// RecordTable keeps opaque byte records under string keys in one namespace
// of the store's database. It is the SQL side of certs.RecordStore, so the
// certificate manager's sealed keys live in the same database as the
// clusters they belong to:
//
//	sealed := certs.NewSealedStorage(st.Records("certs"), keys)
//
// It is safe for concurrent use.
type RecordTable struct {
	s         *Store
	namespace string
}

// Records returns the record table of a namespace.
func (s *Store) Records(namespace string) *RecordTable {
	return &RecordTable{s: s, namespace: namespace}
}

// Create stores value under a new key; errdefs.ErrConflict if key exists.
func (r *RecordTable) Create(ctx context.Context, key string, value []byte) error {
	return r.s.writeStmt(ctx, "create record", func(tx conn) error {
		q := newQuery(r.s.d)
		q.add("INSERT INTO records (namespace, key, value) VALUES (%s, %s, %s)", r.namespace, key, nonNil(value))
		_, err := tx.ExecContext(ctx, q.String(), q.args...)
		if err != nil && r.s.d.classify(err) == errUnique {
			return errdefs.Conflict(resRecord, key, "already exists")
		}
		return err
	})
}

// Get returns the value under key; errdefs.ErrNotFound if there is none.
func (r *RecordTable) Get(ctx context.Context, key string) ([]byte, error) {
	// One statement: no read transaction needed.
	if err := r.s.checkReady(ctx); err != nil {
		return nil, err
	}
	v, err := r.get(ctx, r.s.rdb, key, false)
	return v, r.s.wrap(ctx, "get record", err)
}

// get reads the value under key, locking the row for update when lock is
// set (a write transaction's read).
func (r *RecordTable) get(ctx context.Context, tx conn, key string, lock bool) ([]byte, error) {
	sqlText := "SELECT value FROM records WHERE namespace = %s AND key = %s"
	if lock {
		sqlText += r.s.d.forUpdate
	}
	q := newQuery(r.s.d)
	q.add(sqlText, r.namespace, key)
	var v []byte
	err := tx.QueryRowContext(ctx, q.String(), q.args...).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errdefs.NotFound(resRecord, key)
	}
	return nonNil(v), err
}

// Swap replaces the value under key with next if it currently equals prev
// byte for byte: errdefs.ErrConflict otherwise, errdefs.ErrNotFound if key
// is missing. The compare and the write are one transaction.
func (r *RecordTable) Swap(ctx context.Context, key string, prev, next []byte) error {
	return r.s.write(ctx, "swap record", func(tx *sql.Tx) error {
		cur, err := r.get(ctx, tx, key, true)
		if err != nil {
			return err
		}
		if !bytes.Equal(cur, prev) {
			return errdefs.Conflict(resRecord, key, "the record changed")
		}
		q := newQuery(r.s.d)
		q.add("UPDATE records SET value = %s WHERE namespace = %s AND key = %s", nonNil(next), r.namespace, key)
		_, err = tx.ExecContext(ctx, q.String(), q.args...)
		return err
	})
}

// Delete removes key; errdefs.ErrNotFound if there is none.
func (r *RecordTable) Delete(ctx context.Context, key string) error {
	return r.s.write(ctx, "delete record", func(tx *sql.Tx) error {
		q := newQuery(r.s.d)
		q.add("DELETE FROM records WHERE namespace = %s AND key = %s", r.namespace, key)
		res, err := tx.ExecContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errdefs.NotFound(resRecord, key)
		}
		return nil
	})
}

// nonNil keeps an empty value distinct from SQL NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
