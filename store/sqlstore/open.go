package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

// Config tunes a Store. The zero value is useful: silent, a 5 s busy
// timeout, four SQLite read connections or ten PostgreSQL connections, and
// migrations applied by Open.
type Config struct {
	// Logger receives the store's few logs (migrations applied). Nil:
	// nothing is logged.
	Logger *slog.Logger
	// BusyTimeout is how long a write waits for a lock another process
	// (SQLite) or transaction (PostgreSQL's lock_timeout) holds before
	// failing with errdefs.ErrUnavailable. Zero: 5 s.
	BusyTimeout time.Duration
	// MaxReadConns bounds the SQLite connections used for reads. Zero: 4.
	// Writes always use one connection of their own, so writers of this
	// Store queue in Go rather than in SQLite's lock. An in-memory database
	// uses a single connection for everything.
	MaxReadConns int
	// MaxConns bounds a PostgreSQL store's connection pool, shared by reads
	// and writes. Zero: 10.
	MaxConns int
	// ManualMigrations leaves the schema alone at Open: run Migrate (the
	// magnum-db-manage upgrade job) before use. Until then every record
	// method fails with errdefs.ErrUnavailable if the schema is behind.
	ManualMigrations bool
}

// Defaults of Config.
const (
	DefaultBusyTimeout  = 5 * time.Second
	DefaultMaxReadConns = 4
)

// Store is a store.Store on a SQL database: SQLite (pure Go, no cgo) or
// PostgreSQL. It is safe for concurrent use, also by several processes
// sharing one SQLite file or one PostgreSQL database.
type Store struct {
	d   *dialect
	wdb *sql.DB // writes: one SQLite connection, or the PostgreSQL pool
	rdb *sql.DB // reads; the same as wdb for PostgreSQL and in-memory SQLite
	log *slog.Logger
	// migrations holds the dialect's migrations (migrationFiles; tests
	// swap it).
	migrations fs.FS

	// ready is set once the schema is at the version this code knows.
	ready atomic.Bool
	// closed is set by Close.
	closed atomic.Bool
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if need be) the database dsn names and, unless
// cfg.ManualMigrations, migrates its schema to the latest version.
//
// dsn is one of
//   - a SQLite file path ("/var/lib/magnum/magnum.db"), a SQLite URI
//     ("file:magnum.db?cache=private") or ":memory:"; the store adds its own
//     connection settings (WAL, busy timeout, foreign keys, IMMEDIATE
//     transactions for writes);
//   - a PostgreSQL URL ("postgres://magnum@db.example:5432/magnum?sslmode=verify-full",
//     also postgresql://) or key=value connection string with a host
//     ("host=db.example dbname=magnum user=magnum"), as pgx parses them,
//     PG* environment variables and ~/.pgpass included. The database must
//     exist; the store creates its tables in the first schema of the
//     search_path (a search_path=… parameter in the DSN chooses it).
//
// A database whose schema is newer than this code knows is refused with
// errdefs.ErrUnsupported: upgrade the program, do not downgrade the data.
// A PostgreSQL server that cannot be reached is errdefs.ErrUnavailable.
func Open(ctx context.Context, dsn string, cfg Config) (*Store, error) {
	if dsn == "" {
		return nil, errdefs.Invalid("dsn", "a database path or URL is required")
	}
	if cfg.BusyTimeout <= 0 {
		cfg.BusyTimeout = DefaultBusyTimeout
	}
	if cfg.MaxReadConns <= 0 {
		cfg.MaxReadConns = DefaultMaxReadConns
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	s := &Store{log: cfg.Logger, migrations: migrationFiles}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var err error
	if isPostgresDSN(dsn) {
		err = s.openPostgres(ctx, dsn, cfg)
	} else {
		err = s.openSQLite(ctx, dsn, cfg)
	}
	if err != nil {
		return nil, err
	}

	v, err := s.Version(ctx)
	if err == nil && v.Current > v.Latest {
		err = errNewer(v)
	}
	if err == nil && !cfg.ManualMigrations {
		_, err = s.Migrate(ctx)
	}
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	s.ready.Store(v.Current == v.Latest || !cfg.ManualMigrations)
	return s, nil
}

func (s *Store) openSQLite(ctx context.Context, dsn string, cfg Config) error {
	s.d = sqliteDialect()
	memory := isSQLiteMemory(dsn)
	wdb, err := sql.Open(s.d.driver, sqliteDSN(dsn, cfg.BusyTimeout, true, memory))
	if err != nil {
		return fmt.Errorf("sqlstore: open: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	s.wdb, s.rdb = wdb, wdb
	if err := s.pingSQLite(ctx, wdb, cfg.BusyTimeout); err != nil {
		_ = wdb.Close()
		return s.wrap(ctx, "open", err)
	}
	if !memory {
		rdb, err := sql.Open(s.d.driver, sqliteDSN(dsn, cfg.BusyTimeout, false, false))
		if err != nil {
			_ = wdb.Close()
			return fmt.Errorf("sqlstore: open: %w", err)
		}
		rdb.SetMaxOpenConns(cfg.MaxReadConns)
		rdb.SetMaxIdleConns(cfg.MaxReadConns)
		s.rdb = rdb
	}
	return nil
}

// pingSQLite makes the first connection. Switching a new file to WAL takes
// an exclusive lock that SQLite may refuse at once (SQLITE_BUSY, without
// its busy handler) while other processes open the same file; that is
// retried until busy passes.
func (s *Store) pingSQLite(ctx context.Context, db *sql.DB, busy time.Duration) error {
	deadline := time.Now().Add(busy)
	for attempt := 1; ; attempt++ {
		err := db.PingContext(ctx)
		if err == nil || s.d.classify(err) != errBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 5 * time.Millisecond):
		}
	}
}

// openPostgres opens one pool for reads and writes: PostgreSQL needs no
// single writer, its transactions and row locks keep writers apart.
func (s *Store) openPostgres(ctx context.Context, dsn string, cfg Config) error {
	s.d = postgresDialect()
	db, err := openPostgres(dsn, cfg.BusyTimeout, cfg.MaxConns)
	if err != nil {
		return err
	}
	s.wdb, s.rdb = db, db
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return s.wrap(ctx, "open", err)
	}
	return nil
}

// Close closes the database. Later calls fail with errdefs.ErrUnavailable.
func (s *Store) Close() error {
	s.closed.Store(true)
	err := s.wdb.Close()
	if s.rdb != s.wdb {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// checkReady fails when ctx has ended, the store is closed, or the schema is
// behind this code's (see Config.ManualMigrations).
func (s *Store) checkReady(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	if s.closed.Load() {
		return &errdefs.Error{Kind: errdefs.ErrUnavailable, Reason: "the store is closed"}
	}
	if !s.ready.Load() {
		return &errdefs.Error{Kind: errdefs.ErrUnavailable, Reason: "the database schema is out of date: run Migrate"}
	}
	return nil
}

// read runs fn in a read-only transaction, so that what it reads in several
// statements is one snapshot.
func (s *Store) read(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if err := s.checkReady(ctx); err != nil {
		return err
	}
	tx, err := s.rdb.BeginTx(ctx, s.d.readTx)
	if err != nil {
		return s.wrap(ctx, op, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return s.wrap(ctx, op, err)
	}
	return s.wrap(ctx, op, tx.Commit())
}

// write runs fn in a write transaction and commits if it returns nil.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if err := s.checkReady(ctx); err != nil {
		return err
	}
	return s.writeTx(ctx, op, fn)
}

// conn is what runs statements: a transaction, or the pool itself for a
// statement that is a transaction on its own.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// writeStmt runs fn, which must run exactly one statement, on the write
// pool without BEGIN and COMMIT: the statement is its own transaction, and
// the connection is held for one round trip instead of three. A statement
// that lost a race is run again, as in writeTx.
func (s *Store) writeStmt(ctx context.Context, op string, fn func(c conn) error) error {
	if err := s.checkReady(ctx); err != nil {
		return err
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = fn(s.wdb)
		if err == nil || attempt == maxTxAttempts || s.d.classify(err) != errRetry {
			break
		}
		select {
		case <-ctx.Done():
			return s.wrap(ctx, op, err)
		case <-time.After(time.Duration(attempt) * time.Millisecond):
		}
	}
	return s.wrap(ctx, op, err)
}

// maxTxAttempts bounds how often a write transaction that lost a race
// (a PostgreSQL deadlock or serialization failure) is run again.
const maxTxAttempts = 5

// writeTx runs fn in a write transaction and commits if it returns nil. A
// transaction the database aborted to resolve a deadlock or serialization
// failure is run again, fn included, up to maxTxAttempts times.
func (s *Store) writeTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.writeOnce(ctx, fn)
		if err == nil || attempt == maxTxAttempts || s.d.classify(err) != errRetry {
			break
		}
		select {
		case <-ctx.Done():
			return s.wrap(ctx, op, err)
		case <-time.After(time.Duration(attempt) * time.Millisecond):
		}
	}
	return s.wrap(ctx, op, err)
}

func (s *Store) writeOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// wrap turns a driver error into the store's: errdefs errors pass as they
// are, an ended context is reported as such, a locked database is
// errdefs.ErrUnavailable, constraint violations are errdefs.ErrConflict.
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	var de *errdefs.Error
	if errors.As(err, &de) {
		return err
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("sqlstore: %s: %w (%w)", op, cerr, err)
	}
	switch s.d.classify(err) {
	case errBusy:
		return &errdefs.Error{Kind: errdefs.ErrUnavailable, Reason: op + ": the database is locked", Err: err}
	case errRetry:
		return &errdefs.Error{Kind: errdefs.ErrUnavailable, Reason: op + ": the transaction kept losing races with others; try again", Err: err}
	case errDown:
		return &errdefs.Error{Kind: errdefs.ErrUnavailable, Reason: op + ": the database cannot be reached", Err: err}
	case errBadText:
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Reason: op + ": a text value holds a NUL character or is not valid UTF-8", Err: err}
	case errUnique:
		return &errdefs.Error{Kind: errdefs.ErrConflict, Reason: op + ": a unique value is taken", Err: err}
	case errForeignKey:
		return &errdefs.Error{Kind: errdefs.ErrConflict, Reason: op + ": a referenced record is missing or still referenced", Err: err}
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}
