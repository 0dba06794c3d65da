// Package sqlstore is a store.Store on database/sql: SQLite (the pure-Go
// modernc.org/sqlite driver, no cgo) as the embedded default, and
// PostgreSQL (pgx's database/sql driver) for services that run several
// replicas on one database.
//
// Records live in three tables, cluster_templates, clusters and node_groups.
// Each row holds the whole record as JSON plus indexed copies of every field
// the store filters or sorts on; the id column is the creation order. The
// referential rules run inside write transactions: a template in use cannot
// be deleted, a cluster needs its template, deleting a cluster deletes its
// node groups, and node-group names are unique within a cluster. A fourth
// table holds other packages' opaque records ([Store.Records], the
// certificate manager's sealed keys), a fifth the services' heartbeats, a
// sixth the expiring leases, a seventh the explicit per-project quotas
// (migration 0005; unique per project and resource, so of concurrent
// creates of one pair the database lets exactly one through).
//
// Quotas are counted from the clusters table inside the write transaction
// that adds a cluster or raises its node count. On SQLite that transaction
// already runs alone; on PostgreSQL it first takes a transaction-scoped
// advisory lock of the project (pg_advisory_xact_lock), so concurrent
// transactions of one project, from any process, check and write in turn
// and never both pass on what neither has written yet.
//
// A lease is acquired by one statement, INSERT ... ON CONFLICT (name) DO
// UPDATE ... WHERE the row's holder is the caller or its term has ended,
// RETURNING the row only when it was written. PostgreSQL makes that upsert
// atomic: a concurrent insert of the same name waits, then locks the row
// it conflicts with and tests the condition on its latest version, so two
// holders never both get the lease; on SQLite the single writer serialises
// it anyway.
//
// # SQLite
//
// Open takes a file path, a file: URI or ":memory:". Writes go through a
// single connection and begin IMMEDIATE transactions; the database runs in
// WAL mode with a busy timeout, so readers never block the writer and
// several processes may share one file without "database is locked"
// failures.
//
// # PostgreSQL
//
// Open takes a postgres:// (or postgresql://) URL or a key=value connection
// string with a host, as pgx reads them (PG* environment variables and
// ~/.pgpass too). The database must exist; the tables go into the first
// schema of the search_path, which a search_path parameter in the DSN can
// choose, so that one database can hold several independent stores:
//
//	s, err := sqlstore.Open(ctx,
//		"postgres://magnum@db.example:5432/magnum?sslmode=verify-full&search_path=magnum",
//		sqlstore.Config{Logger: logger, MaxConns: 20})
//
// One pool of Config.MaxConns connections serves reads and writes. Writes
// run at READ COMMITTED and lock, SELECT … FOR UPDATE, the rows whose
// revision they check, so concurrent writers of one record queue and the
// losers see errdefs.ErrConflict; foreign keys make a cluster created while
// its template is deleted either fail with errdefs.ErrNotFound or keep the
// template (errdefs.ErrInUse). A write waiting for a lock longer than
// Config.BusyTimeout (PostgreSQL's lock_timeout) fails with
// errdefs.ErrUnavailable; transactions aborted by deadlock detection or
// serialization failures are run again a few times. Reads are REPEATABLE
// READ, READ ONLY transactions: every list sees one snapshot. Text columns
// use the "C" collation, so names sort by bytes as with SQLite and the
// memory store, whatever the database's locale. Several processes may Open
// one database at once: migrations take a transaction-scoped advisory lock
// of their schema and run one at a time.
//
// # Migrations
//
// The schema is versioned. Migrations are embedded, numbered SQL files, one
// directory per database with the same steps in each, applied one
// transaction each and recorded in schema_migrations. Open migrates to the
// latest version unless Config.ManualMigrations is set, in which case an
// upgrade job calls [Store.Migrate] (what magnum-db-manage upgrade does) and
// [Store.Version] reports where the schema stands. A database migrated by a
// newer program is refused rather than misread.
//
// What differs between the databases (placeholders, row locking, isolation,
// error codes, the migrations themselves) sits in one dialect value per
// database (dialect.go, dialect_postgres.go).
//
//	s, err := sqlstore.Open(ctx, "/var/lib/magnum/magnum.db", sqlstore.Config{Logger: logger})
//	if err != nil {
//		return err
//	}
//	defer s.Close()
//	m, err := magnum.New(magnum.Config{Store: s})
//
// The PostgreSQL tests run when GOMAGNUM_POSTGRES_DSN names a server (each
// test in a schema of its own); scripts/postgres-test.sh starts a
// throwaway server and runs them.
package sqlstore
