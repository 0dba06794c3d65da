package sqlstore

import (
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

func TestLoadMigrations(t *testing.T) {
	file := func(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }
	cases := []struct {
		name    string
		fs      fstest.MapFS
		want    []int
		wantErr string
	}{
		{"in order", fstest.MapFS{
			"m/0001_one.sql": file("SELECT 1"), "m/0002_two.sql": file("SELECT 2"), "m/README": file("not sql"),
		}, []int{1, 2}, ""},
		{"a gap", fstest.MapFS{"m/0001_one.sql": file("x"), "m/0003_three.sql": file("x")}, nil, "want version 2"},
		{"not starting at 1", fstest.MapFS{"m/0002_two.sql": file("x")}, nil, "want version 1"},
		{"no number", fstest.MapFS{"m/one.sql": file("x")}, nil, "not named"},
		{"version zero", fstest.MapFS{"m/0000_zero.sql": file("x")}, nil, "not named"},
		{"no directory", fstest.MapFS{}, nil, "migrations"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := loadMigrations(tc.fs, "m")
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, "one", ms[0].Name)
		})
	}
}

func TestEmbeddedMigrationsLoad(t *testing.T) {
	ms, err := loadMigrations(migrationFiles, sqliteDialect().migrations)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	assert.Equal(t, "initial", ms[0].Name)
}

func TestEmbeddedPostgresMigrationsMatchSQLite(t *testing.T) {
	lite, err := loadMigrations(migrationFiles, sqliteDialect().migrations)
	require.NoError(t, err)
	pg, err := loadMigrations(migrationFiles, postgresDialect().migrations)
	require.NoError(t, err)
	require.Len(t, pg, len(lite), "every SQLite migration has its PostgreSQL twin")
	for i := range lite {
		assert.Equal(t, lite[i].Version, pg[i].Version)
		assert.Equal(t, lite[i].Name, pg[i].Name)
	}
}

// A migration that fails leaves the schema at the previous version, with
// nothing of the failed step applied.
func TestMigrationIsAtomic(t *testing.T) {
	backends := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "m.db") },
		"postgres": func(t *testing.T) string { return PostgresDSN(t) },
	}
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) { checkMigrationIsAtomic(t, dsn(t)) })
	}
}

func checkMigrationIsAtomic(t *testing.T, dsn string) {
	ctx := t.Context()
	s, err := Open(ctx, dsn, Config{ManualMigrations: true})
	require.NoError(t, err)
	defer s.Close()
	dir := s.d.migrations
	s.migrations = fstest.MapFS{
		dir + "/0001_first.sql":  {Data: []byte("CREATE TABLE first (x INTEGER);")},
		dir + "/0002_broken.sql": {Data: []byte("CREATE TABLE second (x INTEGER);\nINSERT INTO nowhere VALUES (1);")},
	}
	applied, err := s.Migrate(ctx)
	require.Error(t, err)
	assert.ErrorContains(t, err, "0002_broken")
	require.Len(t, applied, 1)
	assert.Equal(t, 1, applied[0].Version)

	v, err := s.Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, SchemaVersion{Current: 1, Latest: 2}, v)
	var n int
	require.NoError(t, s.rdb.QueryRowContext(ctx, s.d.tableExists, "second").Scan(&n))
	assert.Zero(t, n, "the failed step's first statement was rolled back")
	require.NoError(t, s.rdb.QueryRowContext(ctx, s.d.tableExists, "first").Scan(&n))
	assert.Equal(t, 1, n)

	_, err = s.GetTemplate(ctx, "x")
	assert.ErrorIs(t, err, errdefs.ErrUnavailable, "not usable while behind")
}
