package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gomagnum/magnum/errdefs"
)

// migrationFiles holds each dialect's schema migrations, one directory per
// dialect, files named NNNN_what.sql and numbered from 0001 without gaps.
//
//go:embed migrations
var migrationFiles embed.FS

// Migration is one step of the schema's history.
type Migration struct {
	Version int    // 1, 2, …
	Name    string // what the step does, from its file name
	sql     string
}

// SchemaVersion is where a database's schema stands.
type SchemaVersion struct {
	Current int // the last migration applied; 0 for an empty database
	Latest  int // the last migration this code knows
}

// Migrations lists the migrations this code knows, oldest first.
func (s *Store) Migrations() ([]Migration, error) {
	return loadMigrations(s.migrations, s.d.migrations)
}

func loadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, what, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration file %q is not named NNNN_what.sql", name)
		}
		if v != len(out)+1 {
			return nil, fmt.Errorf("sqlstore: migration %q: want version %d next", name, len(out)+1)
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %q: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: what, sql: string(body)})
	}
	return out, nil
}

const migrationsTable = "schema_migrations"

// Version reports the schema version of the database and the latest this
// code knows.
func (s *Store) Version(ctx context.Context) (SchemaVersion, error) {
	ms, err := s.Migrations()
	if err != nil {
		return SchemaVersion{}, err
	}
	v := SchemaVersion{Latest: len(ms)}
	tx, err := s.rdb.BeginTx(ctx, s.d.readTx)
	if err != nil {
		return v, s.wrap(ctx, "version", err)
	}
	defer func() { _ = tx.Rollback() }()
	v.Current, err = s.currentVersion(ctx, tx)
	return v, s.wrap(ctx, "version", err)
}

func (s *Store) currentVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, s.d.tableExists, migrationsTable).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	var cur sql.NullInt64
	err := tx.QueryRowContext(ctx, "SELECT MAX(version) FROM "+migrationsTable).Scan(&cur)
	return int(cur.Int64), err
}

// Migrate upgrades the schema to the latest version, one transaction per
// migration, and returns the migrations it applied (none if the schema was
// current). It is safe to run from several processes at once: each step
// re-reads the version inside its transaction, which on PostgreSQL first
// takes a transaction-scoped advisory lock of the schema, so concurrent
// migrators take turns. A schema newer than this code knows is
// errdefs.ErrUnsupported.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	ms, err := s.Migrations()
	if err != nil {
		return nil, err
	}
	var applied []Migration
	for {
		var step *Migration
		err := s.writeTx(ctx, "migrate", func(tx *sql.Tx) error {
			step = nil
			if s.d.migrateLock != "" {
				if _, err := tx.ExecContext(ctx, s.d.migrateLock); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+migrationsTable+` (
				version    INTEGER PRIMARY KEY,
				name       TEXT    NOT NULL,
				applied_at BIGINT  NOT NULL
			)`); err != nil {
				return err
			}
			cur, err := s.currentVersion(ctx, tx)
			if err != nil {
				return err
			}
			if cur > len(ms) {
				return errNewer(SchemaVersion{Current: cur, Latest: len(ms)})
			}
			if cur == len(ms) {
				return nil
			}
			m := ms[cur]
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			q := newQuery(s.d)
			q.add("INSERT INTO "+migrationsTable+" (version, name, applied_at) VALUES (%s, %s, %s)",
				m.Version, m.Name, time.Now().UTC().UnixMicro())
			if _, err := tx.ExecContext(ctx, q.String(), q.args...); err != nil {
				return err
			}
			step = &m
			return nil
		})
		if err != nil {
			return applied, err
		}
		if step == nil {
			s.ready.Store(true)
			return applied, nil
		}
		applied = append(applied, *step)
		s.log.InfoContext(ctx, "applied schema migration", "version", step.Version, "name", step.Name)
	}
}

func errNewer(v SchemaVersion) error {
	return &errdefs.Error{Kind: errdefs.ErrUnsupported, Reason: fmt.Sprintf(
		"the database schema is at version %d, newer than the %d this program knows: upgrade the program", v.Current, v.Latest)}
}
