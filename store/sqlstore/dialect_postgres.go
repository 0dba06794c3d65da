package sqlstore

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/gomagnum/magnum/errdefs"
)

// DefaultMaxConns is Config.MaxConns's zero value: the size of a
// PostgreSQL store's connection pool.
const DefaultMaxConns = 10

// migrateLockKey is the first key of the advisory lock Migrate holds on
// PostgreSQL ("magn"); the second is a hash of the schema, so stores of
// different schemas in one database do not wait for each other.
const migrateLockKey = 0x6d61676e

// PostgreSQL error codes the store tells apart (SQLSTATE, appendix A of the
// PostgreSQL manual).
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgLockNotAvailable     = "55P03"
	pgCannotConnectNow     = "57P03"
	pgAdminShutdown        = "57P01"
	pgBadCharacter         = "22021" // character_not_in_repertoire: NUL, invalid UTF-8
	pgUntranslatable       = "22P05"
)

// postgresDialect is PostgreSQL through pgx's database/sql driver.
//
// Writes run at READ COMMITTED, the PostgreSQL default, and lock what they
// change: the row a revision check reads is selected FOR UPDATE, so a
// concurrent writer of the same record waits and then sees the new
// revision; the foreign keys lock the rows they reference (FOR KEY SHARE),
// so a cluster created while its template is deleted either waits and
// fails for want of the template or makes the delete wait and see it.
// Deadlocks and serialization failures are retried a few times. Writes
// that count a project's use against a quota first take an advisory lock
// of the project (projectLock), so two of them cannot both pass the check
// on what neither has written yet. Reads run
// in REPEATABLE READ, READ ONLY transactions, one snapshot for all their
// statements, which never fail to serialize.
func postgresDialect() *dialect {
	return &dialect{
		name:        "postgres",
		driver:      "pgx",
		migrations:  "migrations/postgres",
		placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
		forUpdate:   " FOR UPDATE",
		readTx:      &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
		migrateLock: "SELECT pg_advisory_xact_lock(" + strconv.Itoa(migrateLockKey) + ", hashtext(current_schema()))",
		// A transaction-scoped advisory lock keyed by a 64-bit hash of the
		// project ID seeded with the schema's, so stores of different
		// schemas do not wait for each other. One-key advisory locks do not
		// share a key space with migrateLock's two-key ones.
		projectLock: "SELECT pg_advisory_xact_lock(hashtextextended($1, hashtext(current_schema())))",
		tableExists: "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1",
		classify:    classifyPostgres,
		// pgx sends a []string as a text[].
		inSet: func(column string, vs []string) (cond, error) {
			return cond{sql: column + " = ANY(%s)", args: []any{vs}}, nil
		},
	}
}

func classifyPostgres(err error) errClass {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgUniqueViolation:
			return errUnique
		case pgForeignKeyViolation:
			return errForeignKey
		case pgSerializationFailure, pgDeadlockDetected:
			return errRetry
		case pgLockNotAvailable:
			return errBusy
		case pgCannotConnectNow, pgAdminShutdown:
			return errDown
		case pgBadCharacter, pgUntranslatable:
			return errBadText
		}
		return errOther
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return errDown
	}
	return errOther
}

// isPostgresDSN reports whether dsn names a PostgreSQL database: a
// postgres:// or postgresql:// URL, or a key=value connection string with a
// host.
func isPostgresDSN(dsn string) bool {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return true
	}
	if strings.HasPrefix(dsn, "file:") {
		return false
	}
	for _, f := range strings.Fields(dsn) {
		if strings.HasPrefix(f, "host=") {
			return true
		}
	}
	return false
}

// openPostgres opens the connection pool of a PostgreSQL store. Unless the
// DSN sets them, every connection gets lock_timeout = busy (a writer waiting
// longer for a row lock fails with errdefs.ErrUnavailable) and
// application_name = gomagnum.
func openPostgres(dsn string, busy time.Duration, maxConns int) (*sql.DB, error) {
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgconn's parse errors redact the password.
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Field: "dsn", Reason: "not a valid PostgreSQL connection string", Err: err}
	}
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	if _, ok := cc.RuntimeParams["lock_timeout"]; !ok {
		cc.RuntimeParams["lock_timeout"] = strconv.FormatInt(busy.Milliseconds(), 10)
	}
	if _, ok := cc.RuntimeParams["application_name"]; !ok {
		cc.RuntimeParams["application_name"] = "gomagnum"
	}
	db := stdlib.OpenDB(*cc)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}
