package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The PostgreSQL tests run against the server GOMAGNUM_POSTGRES_DSN names
// (scripts/postgres-test.sh starts one). Without it they skip, unless
// GOMAGNUM_REQUIRE_POSTGRES=1, when a missing server is a failure.
const (
	envPostgresDSN     = "GOMAGNUM_POSTGRES_DSN"
	envRequirePostgres = "GOMAGNUM_REQUIRE_POSTGRES"
)

// PostgresDSN returns the DSN of a new, empty schema of the test server,
// dropped when the test ends, so that parallel tests never share tables.
// It skips the test if there is no server (fails if one is required).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(envPostgresDSN)
	if base == "" {
		if os.Getenv(envRequirePostgres) == "1" {
			t.Fatalf("%s=1 but %s is not set", envRequirePostgres, envPostgresDSN)
		}
		t.Skipf("no PostgreSQL server: set %s (scripts/postgres-test.sh does)", envPostgresDSN)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	require.NoError(t, err)
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	if err != nil {
		_ = admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	dsn, err := withSearchPath(base, schema)
	require.NoError(t, err)
	return dsn
}

// withSearchPath sets search_path in a URL or key=value DSN.
func withSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s is not a URL: %w", envPostgresDSN, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}

func TestIsPostgresDSN(t *testing.T) {
	cases := map[string]bool{
		"postgres://magnum@db/magnum":                  true,
		"postgresql://magnum:pw@db:5432/magnum":        true,
		"host=db dbname=magnum user=magnum":            true,
		"dbname=magnum host=/var/run/postgresql":       true,
		"/var/lib/magnum/magnum.db":                    false,
		"magnum.db":                                    false,
		":memory:":                                     false,
		"file:magnum.db?cache=private":                 false,
		"file:host=x.db":                               false,
		"postgres.db":                                  false,
		"dbname=magnum":                                false, // no host: not taken for PostgreSQL
		"file:/srv/postgres://not-a-url/magnum.db?x=1": false,
	}
	for dsn, want := range cases {
		assert.Equal(t, want, isPostgresDSN(dsn), dsn)
	}
}

func TestClassifyPostgres(t *testing.T) {
	cases := []struct {
		err  error
		want errClass
	}{
		{&pgconn.PgError{Code: pgUniqueViolation}, errUnique},
		{fmt.Errorf("insert: %w", &pgconn.PgError{Code: pgForeignKeyViolation}), errForeignKey},
		{&pgconn.PgError{Code: pgSerializationFailure}, errRetry},
		{&pgconn.PgError{Code: pgDeadlockDetected}, errRetry},
		{&pgconn.PgError{Code: pgLockNotAvailable}, errBusy},
		{&pgconn.PgError{Code: pgAdminShutdown}, errDown},
		{&pgconn.PgError{Code: pgBadCharacter}, errBadText},
		{&pgconn.PgError{Code: "42P01"}, errOther}, // undefined table
		{&pgconn.ConnectError{}, errDown},
		{sql.ErrNoRows, errOther},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, classifyPostgres(tc.err), "%v", tc.err)
	}
}

func TestWithSearchPath(t *testing.T) {
	got, err := withSearchPath("postgres://u@h:5/db?sslmode=disable", "s1")
	require.NoError(t, err)
	assert.Equal(t, "postgres://u@h:5/db?search_path=s1&sslmode=disable", got)
	got, err = withSearchPath("host=h dbname=db", "s1")
	require.NoError(t, err)
	assert.Equal(t, "host=h dbname=db search_path=s1", got)
}
