package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// errClass is what a driver error means to the store.
type errClass int

const (
	errOther      errClass = iota
	errUnique              // a unique constraint was violated
	errForeignKey          // a foreign key constraint was violated
	errBusy                // the database was locked by someone else for too long
	errRetry               // the transaction lost a race (serialization failure, deadlock): run it again
	errDown                // the database cannot be reached
	errBadText             // the database cannot store a text value (PostgreSQL: NUL or invalid UTF-8)
)

// dialect holds everything that differs between SQL databases, so the
// queries elsewhere are written once: SQLite here, PostgreSQL (through pgx)
// in dialect_postgres.go, each with its own migrations.
type dialect struct {
	name string
	// driver is the database/sql driver name.
	driver string
	// migrations is the directory of the embedded migrations for this
	// database.
	migrations string
	// placeholder returns the n-th (1-based) bind parameter.
	placeholder func(n int) string
	// forUpdate follows a SELECT that reads rows a write transaction will
	// change, to lock them. SQLite needs nothing: writes are serialised by
	// BEGIN IMMEDIATE and the store's single write connection.
	forUpdate string
	// readTx are the options of the read transactions: read-only, and one
	// snapshot for all their statements.
	readTx *sql.TxOptions
	// migrateLock, unless empty, is the first statement of every migration
	// transaction: it makes processes migrating one database take turns.
	// SQLite needs none: BEGIN IMMEDIATE already does.
	migrateLock string
	// projectLock, unless empty, is a statement with one parameter, a
	// project ID, that a write transaction runs before it counts the
	// project's use against a quota: it makes the transactions that check
	// one project's quota take turns, until they end. SQLite needs none:
	// BEGIN IMMEDIATE and the single write connection serialise every
	// write already.
	projectLock string
	// tableExists is a query with one parameter, a table name, that returns
	// one row whose single column is the number of such tables.
	tableExists string
	// classify tells what a driver error means.
	classify func(error) errClass
	// inSet is the condition column IN vs as one bind parameter, however
	// many values: the statement text and its plan do not depend on how
	// many there are, and no database limit on parameters applies.
	inSet func(column string, vs []string) (cond, error)
}

func sqliteDialect() *dialect {
	return &dialect{
		name:        "sqlite",
		driver:      "sqlite",
		migrations:  "migrations/sqlite",
		placeholder: func(int) string { return "?" },
		forUpdate:   "",
		// SQLite reads in a transaction see one snapshot anyway.
		readTx:      &sql.TxOptions{ReadOnly: true},
		migrateLock: "",
		projectLock: "",
		tableExists: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
		classify:    classifySQLite,
		inSet:       sqliteInSet,
	}
}

// sqliteInSet passes the values as one JSON array and reads them back
// with json_each.
func sqliteInSet(column string, vs []string) (cond, error) {
	b, err := json.Marshal(vs)
	if err != nil {
		return cond{}, fmt.Errorf("sqlstore: encode a set: %w", err)
	}
	return cond{sql: column + " IN (SELECT value FROM json_each(%s))", args: []any{string(b)}}, nil
}

func classifySQLite(err error) errClass {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return errOther
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return errUnique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return errForeignKey
	}
	switch se.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return errBusy
	}
	return errOther
}

// isSQLiteMemory reports whether dsn names an in-memory SQLite database,
// which lives and dies with its one connection.
func isSQLiteMemory(dsn string) bool {
	return dsn == ":memory:" || strings.HasPrefix(dsn, "file::memory:") || strings.Contains(dsn, "mode=memory")
}

// sqliteDSN adds the store's connection settings to a path or file: URI.
// Every connection waits up to busy for a lock held by another process and
// enforces foreign keys. The write connection turns on WAL (so readers do
// not block the writer) and begins transactions IMMEDIATE (so two processes
// never deadlock upgrading read locks); read connections are query-only.
func sqliteDSN(dsn string, busy time.Duration, write, memory bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	if write {
		if !memory {
			q.Add("_pragma", "journal_mode(WAL)")
		}
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + q.Encode()
}
