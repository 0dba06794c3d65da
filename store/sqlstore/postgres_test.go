package sqlstore_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/certs/certstest"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
	"github.com/gomagnum/magnum/store/storetest"
)

// openPostgres opens a store on a new schema of the test server.
func openPostgres(t *testing.T) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), sqlstore.PostgresDSN(t), sqlstore.Config{})
	require.NoError(t, err)
	return s
}

func TestConformancePostgres(t *testing.T) {
	sqlstore.PostgresDSN(t) // skip (or fail) early without a server
	storetest.Run(t, func(t *testing.T) store.Store { return openPostgres(t) })
}

func TestRecordTableContractPostgres(t *testing.T) {
	sqlstore.PostgresDSN(t)
	certstest.TestRecordStore(t, func(t *testing.T) certs.RecordStore {
		s := openPostgres(t)
		t.Cleanup(func() { _ = s.Close() })
		return s.Records("certs")
	})
}

// A writer that waits for a row lock longer than BusyTimeout gives up with
// errdefs.ErrUnavailable rather than hanging.
func TestPostgresLockTimeout(t *testing.T) {
	ctx := t.Context()
	dsn := sqlstore.PostgresDSN(t)
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Config{})
	require.NoError(t, err)
	defer s.Close()
	tm := newTemplate("locked")
	require.NoError(t, s.CreateTemplate(ctx, tm))

	raw, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer raw.Close()
	tx, err := raw.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(ctx, "SELECT 1 FROM cluster_templates WHERE uuid = $1 FOR UPDATE", tm.UUID)
	require.NoError(t, err)

	impatient, err := sqlstore.Open(ctx, dsn, sqlstore.Config{BusyTimeout: 200 * time.Millisecond})
	require.NoError(t, err)
	defer impatient.Close()
	tm.Name = "renamed"
	err = impatient.UpdateTemplate(ctx, tm)
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	require.NoError(t, tx.Rollback())
	require.NoError(t, impatient.UpdateTemplate(ctx, tm), "free again once the lock is gone")
}

// PostgreSQL cannot store NUL characters or invalid UTF-8 in text columns:
// such a value is refused as invalid, not as a server failure, and a
// lookup by it finds nothing.
func TestPostgresRefusesUnstorableText(t *testing.T) {
	ctx := t.Context()
	s := openPostgres(t)
	defer s.Close()
	for _, name := range []string{"nul\x00inside", "bad\xffutf8"} {
		err := s.CreateTemplate(ctx, newTemplate(name))
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%q", name)
		_, err = s.FindTemplate(ctx, store.TemplateFilter{}, name)
		assert.Error(t, err, "%q", name)
	}
	require.NoError(t, s.CreateTemplate(ctx, newTemplate("fine ünïcode ☸")))
}
