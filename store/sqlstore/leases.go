package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gomagnum/magnum/store"
)

const leasesTable = "leases"

// AcquireLease implements store.Store. One statement decides: it inserts
// the lease, or, on a lease of that name already there, takes it over only
// if holder holds it already or it has expired, and returns the row only
// when it wrote one. On PostgreSQL, INSERT ... ON CONFLICT DO UPDATE is
// atomic: a concurrent insert of the same name waits for the first to end,
// then sees its row, locks it and checks the condition against it, so two
// holders cannot both be granted overlapping terms. On SQLite the single
// write connection and IMMEDIATE transactions serialise it anyway.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if err := store.CheckLease(name, holder, ttl); err != nil {
		return false, err
	}
	start, end := store.LeaseTerm(now, ttl)
	var held bool
	err := s.writeStmt(ctx, "acquire lease", func(tx conn) error {
		q := newQuery(s.d)
		q.add("INSERT INTO "+leasesTable+" (name, holder, expires_at) VALUES (%s, %s, %s)"+
			" ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"+
			" WHERE "+leasesTable+".holder = excluded.holder OR "+leasesTable+".expires_at <= %s"+
			" RETURNING holder",
			name, holder, timeColumn(end), timeColumn(start))
		var got string
		err := tx.QueryRowContext(ctx, q.String(), q.args...).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			held = false // held by another, unexpired: nothing written
			return nil
		}
		held = err == nil && got == holder
		return err
	})
	if err != nil {
		return false, err
	}
	return held, nil
}

// ReleaseLease implements store.Store.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	return s.writeStmt(ctx, "release lease", func(c conn) error {
		q := newQuery(s.d)
		q.add("DELETE FROM "+leasesTable+" WHERE name = %s AND holder = %s", name, holder)
		_, err := c.ExecContext(ctx, q.String(), q.args...)
		return err
	})
}

// RenewLeases implements store.Store with one UPDATE ... RETURNING: one
// round trip, whatever the number of names (they travel as one parameter,
// see dialect.inSet). It only updates rows holder holds unexpired, so it
// never takes over or re-creates a lease; on PostgreSQL the UPDATE locks
// the rows it changes, and a concurrent AcquireLease of one of them either
// waits for it and then finds the renewed expiry, or takes the row over
// first and leaves it to no longer match holder.
func (s *Store) RenewLeases(ctx context.Context, holder string, names []string, now time.Time, ttl time.Duration) ([]string, error) {
	if err := store.CheckLeases(holder, names, ttl); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, nil
	}
	start, end := store.LeaseTerm(now, ttl)
	set, err := s.d.inSet("name", names)
	if err != nil {
		return nil, err
	}
	renewed := make(map[string]bool, len(names))
	err = s.writeStmt(ctx, "renew leases", func(c conn) error {
		clear(renewed) // a retried statement starts over
		q := newQuery(s.d)
		q.add("UPDATE "+leasesTable+" SET expires_at = %s WHERE holder = %s AND expires_at > %s",
			timeColumn(end), holder, timeColumn(start))
		q.add(" AND ")
		q.add(set.sql, set.args...)
		q.add(" RETURNING name")
		rows, err := c.QueryContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			renewed[name] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return store.LostLeases(names, renewed), nil
}
