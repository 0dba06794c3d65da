// Package sqlstore is a store.Store on database/sql, with SQLite (the pure-Go
// modernc.org/sqlite driver, no cgo) as the embedded default.
//
// Records live in three tables, cluster_templates, clusters and node_groups.
// Each row holds the whole record as JSON plus indexed copies of every field
// the store filters or sorts on; the id column is the creation order. The
// referential rules run inside write transactions: a template in use cannot
// be deleted, a cluster needs its template, deleting a cluster deletes its
// node groups, and node-group names are unique within a cluster.
//
// Writes go through a single connection and begin IMMEDIATE transactions;
// the database runs in WAL mode with a busy timeout, so readers never block
// the writer and several processes may share one file without "database is
// locked" failures.
//
// The schema is versioned. Migrations are embedded, numbered SQL files
// applied one transaction each and recorded in schema_migrations. Open
// migrates to the latest version unless Config.ManualMigrations is set, in
// which case an upgrade job calls [Store.Migrate] (what magnum-db-manage
// upgrade does) and [Store.Version] reports where the schema stands. A
// database migrated by a newer program is refused rather than misread.
//
// What differs between SQL databases (placeholders, row locking, error
// codes, the migrations themselves) sits in one dialect value, so that
// PostgreSQL can follow as a second dialect.
//
//	s, err := sqlstore.Open(ctx, "/var/lib/magnum/magnum.db", sqlstore.Config{Logger: logger})
//	if err != nil {
//		return err
//	}
//	defer s.Close()
//	m, err := magnum.New(magnum.Config{Store: s})
package sqlstore
