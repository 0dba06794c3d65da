package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gomagnum/magnum/store"
)

const servicesTable = "services"

// HeartbeatService implements store.Store. One upsert creates the record or
// counts the heartbeat, so concurrent heartbeats of one service, from any
// process, are all counted.
func (s *Store) HeartbeatService(ctx context.Context, svc *store.Service, now time.Time) error {
	if err := store.CheckService(svc); err != nil {
		return err
	}
	now = store.NormalizeTime(now)
	var got store.Service
	err := s.writeStmt(ctx, "heartbeat service", func(tx conn) error {
		q := newQuery(s.d)
		q.add("INSERT INTO "+servicesTable+
			" (host, binary_name, report_count, disabled, disabled_reason, created_at, updated_at)"+
			" VALUES (%s, %s, 1, %s, %s, %s, %s)"+
			" ON CONFLICT (host, binary_name) DO UPDATE SET"+
			" report_count = "+servicesTable+".report_count + 1, updated_at = excluded.updated_at"+
			" RETURNING report_count, disabled, disabled_reason, created_at, updated_at",
			svc.Host, svc.Binary, svc.Disabled, svc.DisabledReason, timeColumn(now), timeColumn(now))
		var created, updated int64
		got = store.Service{Host: svc.Host, Binary: svc.Binary}
		err := tx.QueryRowContext(ctx, q.String(), q.args...).Scan(
			&got.ReportCount, &got.Disabled, &got.DisabledReason, &created, &updated)
		got.CreatedAt, got.UpdatedAt = timeFromColumn(created), timeFromColumn(updated)
		return err
	})
	if err != nil {
		return err
	}
	*svc = got
	return nil
}

// ListServices implements store.Store.
func (s *Store) ListServices(ctx context.Context) ([]*store.Service, error) {
	var out []*store.Service
	err := s.read(ctx, "list services", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT host, binary_name, report_count, disabled, disabled_reason, created_at, updated_at"+
			" FROM "+servicesTable+" ORDER BY host, binary_name")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var svc store.Service
			var created, updated int64
			if err := rows.Scan(&svc.Host, &svc.Binary, &svc.ReportCount, &svc.Disabled, &svc.DisabledReason, &created, &updated); err != nil {
				return err
			}
			svc.CreatedAt, svc.UpdatedAt = timeFromColumn(created), timeFromColumn(updated)
			out = append(out, &svc)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*store.Service{}
	}
	return out, nil
}

// DeleteService implements store.Store.
func (s *Store) DeleteService(ctx context.Context, host, binary string) error {
	return s.write(ctx, "delete service", func(tx *sql.Tx) error {
		q := newQuery(s.d)
		q.add("DELETE FROM "+servicesTable+" WHERE host = %s AND binary_name = %s", host, binary)
		n, err := s.exec(ctx, tx, q)
		if err == nil && n == 0 {
			return store.ServiceNotFound(host, binary)
		}
		return err
	})
}

// timeFromColumn is timeColumn's inverse.
func timeFromColumn(v int64) time.Time { return time.UnixMicro(v).UTC() }
