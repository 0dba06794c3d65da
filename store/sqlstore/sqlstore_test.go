package sqlstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
	"github.com/gomagnum/magnum/store/storetest"
	"github.com/gomagnum/magnum/template"
)

func TestConformanceFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "magnum.db"), sqlstore.Config{})
		require.NoError(t, err)
		return s
	})
}

func TestConformanceInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlstore.Open(t.Context(), ":memory:", sqlstore.Config{})
		require.NoError(t, err)
		return s
	})
}

// backend is a kind of database the store runs on, for the tests that run
// on each.
type backend struct {
	name string
	// fresh returns the DSN of a new, empty database (it skips the test if
	// the backend is not available).
	fresh func(t *testing.T) string
	// driver is the database/sql driver for raw access.
	driver string
}

func backends() []backend {
	return []backend{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "magnum.db") }, "sqlite"},
		{"postgres", func(t *testing.T) string { return sqlstore.PostgresDSN(t) }, "pgx"},
	}
}

// onEach runs fn as a subtest on every backend.
func onEach(t *testing.T, fn func(t *testing.T, b backend, dsn string)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { fn(t, b, b.fresh(t)) })
	}
}

func newTemplate(name string) *template.ClusterTemplate {
	return &template.ClusterTemplate{
		UUID: uuid.NewString(), Name: name, ProjectID: "p1", COE: "kubernetes", ImageID: "fedora",
		Labels: labels.Labels{"kube_tag": "v1.30.1"}, CreatedAt: time.Now(),
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	_, err := sqlstore.Open(ctx, "", sqlstore.Config{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = sqlstore.Open(ctx, "postgres://magnum@127.0.0.1:1/magnum?connect_timeout=5", sqlstore.Config{})
	assert.ErrorIs(t, err, errdefs.ErrUnavailable, "no PostgreSQL server listens there")
	_, err = sqlstore.Open(ctx, "host=127.0.0.1 port=notanumber dbname=magnum", sqlstore.Config{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = sqlstore.Open(ctx, "postgres://magnum:hunter2@db:notaport/magnum", sqlstore.Config{})
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.NotContains(t, err.Error(), "hunter2", "errors never show the password")
	_, err = sqlstore.Open(ctx, filepath.Join(t.TempDir(), "missing-dir", "x", "magnum.db"), sqlstore.Config{})
	assert.Error(t, err, "a directory that does not exist")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = sqlstore.Open(cancelled, filepath.Join(t.TempDir(), "magnum.db"), sqlstore.Config{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestManualMigrations(t *testing.T) { onEach(t, checkManualMigrations) }

func checkManualMigrations(t *testing.T, _ backend, path string) {
	ctx := t.Context()
	var logs bytes.Buffer
	s, err := sqlstore.Open(ctx, path, sqlstore.Config{
		ManualMigrations: true,
		Logger:           slog.New(slog.NewTextHandler(&logs, nil)),
	})
	require.NoError(t, err)
	defer s.Close()
	known, err := s.Migrations()
	require.NoError(t, err)

	v, err := s.Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, sqlstore.SchemaVersion{Current: 0, Latest: len(known)}, v)
	_, err = s.GetTemplate(ctx, "x")
	assert.ErrorIs(t, err, errdefs.ErrUnavailable, "unusable before Migrate")
	assert.ErrorIs(t, s.CreateTemplate(ctx, newTemplate("early")), errdefs.ErrUnavailable)

	applied, err := s.Migrate(ctx)
	require.NoError(t, err)
	assert.Len(t, applied, len(known))
	assert.Contains(t, logs.String(), "applied schema migration")
	v, err = s.Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, sqlstore.SchemaVersion{Current: len(known), Latest: len(known)}, v)

	applied, err = s.Migrate(ctx)
	require.NoError(t, err)
	assert.Empty(t, applied, "a current schema needs nothing")
	require.NoError(t, s.CreateTemplate(ctx, newTemplate("later")))
}

func TestReopenKeepsRecords(t *testing.T) { onEach(t, checkReopenKeepsRecords) }

func checkReopenKeepsRecords(t *testing.T, _ backend, path string) {
	ctx := t.Context()
	s, err := sqlstore.Open(ctx, path, sqlstore.Config{})
	require.NoError(t, err)
	tm := newTemplate("kept")
	require.NoError(t, s.CreateTemplate(ctx, tm))
	c := &cluster.Cluster{UUID: uuid.NewString(), Name: "c", ClusterTemplateID: tm.UUID, CACertRef: "secret-ref", CreatedAt: time.Now()}
	require.NoError(t, s.CreateCluster(ctx, c, nil))
	require.NoError(t, s.Close())

	s, err = sqlstore.Open(ctx, path, sqlstore.Config{ManualMigrations: true})
	require.NoError(t, err, "a current schema opens without migrating")
	defer s.Close()
	got, err := s.GetTemplate(ctx, tm.UUID)
	require.NoError(t, err)
	assert.Equal(t, tm, got)
	gotc, err := s.GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, c, gotc)
	assert.Equal(t, "secret-ref", gotc.CACertRef, "internal fields persist")
}

func TestNewerSchemaRefused(t *testing.T) { onEach(t, checkNewerSchemaRefused) }

func checkNewerSchemaRefused(t *testing.T, b backend, path string) {
	ctx := t.Context()
	s, err := sqlstore.Open(ctx, path, sqlstore.Config{})
	require.NoError(t, err)
	v, err := s.Version(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	raw, err := sql.Open(b.driver, path)
	require.NoError(t, err)
	_, err = raw.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ("+
		strconv.Itoa(v.Latest+1)+", 'from-the-future', 0)")
	require.NoError(t, err)
	require.NoError(t, raw.Close())

	for _, manual := range []bool{false, true} {
		_, err = sqlstore.Open(ctx, path, sqlstore.Config{ManualMigrations: manual})
		require.ErrorIs(t, err, errdefs.ErrUnsupported)
		assert.ErrorContains(t, err, "newer")
	}
}

func TestWALAndSettings(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "magnum.db")
	s, err := sqlstore.Open(ctx, path, sqlstore.Config{})
	require.NoError(t, err)
	defer s.Close()
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer raw.Close()
	var mode string
	require.NoError(t, raw.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode)
}

// Two Stores on one database stand for two processes. Their writers contend
// for SQLite's lock or PostgreSQL's row locks; the busy timeout and
// IMMEDIATE transactions (SQLite) or SELECT … FOR UPDATE (PostgreSQL) must
// turn that into waiting, never into "database is locked", and optimistic
// concurrency must lose no update.
func TestTwoStoresOneFile(t *testing.T) { onEach(t, checkTwoStoresOneDatabase) }

func checkTwoStoresOneDatabase(t *testing.T, _ backend, path string) {
	ctx := t.Context()
	var stores []*sqlstore.Store
	for i := 0; i < 2; i++ {
		s, err := sqlstore.Open(ctx, path, sqlstore.Config{})
		require.NoError(t, err)
		defer s.Close()
		stores = append(stores, s)
	}
	tm := newTemplate("shared")
	require.NoError(t, stores[0].CreateTemplate(ctx, tm))

	const writers, each = 3, 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for _, s := range stores {
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					for {
						got, err := s.GetTemplate(ctx, tm.UUID)
						if err != nil {
							errs <- err
							return
						}
						n, _ := strconv.Atoi(got.Labels["counter"])
						got.Labels["counter"] = strconv.Itoa(n + 1)
						err = s.UpdateTemplate(ctx, got)
						if err == nil {
							break
						}
						if !errors.Is(err, errdefs.ErrConflict) {
							errs <- err
							return
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := stores[1].GetTemplate(ctx, tm.UUID)
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(2*writers*each), got.Labels["counter"])
	assert.Equal(t, int64(1+2*writers*each), got.Revision)
}

// Processes that start together all Open a fresh database at once: every
// one of them must succeed, and the migrations must be applied once.
func TestConcurrentOpens(t *testing.T) { onEach(t, checkConcurrentOpens) }

func checkConcurrentOpens(t *testing.T, b backend, dsn string) {
	ctx := t.Context()
	const n = 6
	stores := make([]*sqlstore.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = sqlstore.Open(ctx, dsn, sqlstore.Config{})
		}()
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		defer stores[i].Close()
	}
	v, err := stores[0].Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, v.Latest, v.Current)

	raw, err := sql.Open(b.driver, dsn)
	require.NoError(t, err)
	defer raw.Close()
	var rows int
	require.NoError(t, raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&rows))
	assert.Equal(t, v.Latest, rows, "each migration applied once")

	for i, s := range stores {
		require.NoError(t, s.CreateTemplate(ctx, newTemplate("from-"+strconv.Itoa(i))))
	}
	list, err := stores[n-1].ListTemplates(ctx, store.TemplateFilter{}, store.Page{})
	require.NoError(t, err)
	assert.Len(t, list, n)
}

// A node group created while its cluster is deleted either lands before the
// delete (and goes with it) or fails for want of the cluster: never an
// orphan, never an unclassified database error. On PostgreSQL the second
// case is the foreign key's check after the delete commits.
func TestCreateGroupDeleteClusterRace(t *testing.T) { onEach(t, checkCreateGroupDeleteClusterRace) }

func checkCreateGroupDeleteClusterRace(t *testing.T, _ backend, dsn string) {
	ctx := t.Context()
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Config{})
	require.NoError(t, err)
	defer s.Close()
	tm := newTemplate("race")
	require.NoError(t, s.CreateTemplate(ctx, tm))

	const rounds, creators = 15, 4
	for r := range rounds {
		c := &cluster.Cluster{UUID: uuid.NewString(), Name: "c" + strconv.Itoa(r), ProjectID: "p1", ClusterTemplateID: tm.UUID, CreatedAt: time.Now()}
		require.NoError(t, s.CreateCluster(ctx, c, nil))
		var wg sync.WaitGroup
		errs := make([]error, creators+1)
		for i := range creators {
			g := &cluster.NodeGroup{UUID: uuid.NewString(), Name: "g" + strconv.Itoa(i), ClusterID: c.UUID, ProjectID: "p1", Role: cluster.RoleWorker, CreatedAt: time.Now()}
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.CreateNodeGroup(ctx, g)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[creators] = s.DeleteCluster(ctx, c.UUID, 0)
		}()
		wg.Wait()
		require.NoError(t, errs[creators], "the delete always wins in the end")
		for i := range creators {
			if errs[i] != nil {
				require.ErrorIs(t, errs[i], errdefs.ErrNotFound, "a create may only fail for want of the cluster")
			}
		}
		left, err := s.ListNodeGroups(ctx, store.NodeGroupFilter{ClusterID: c.UUID}, store.Page{})
		require.NoError(t, err)
		assert.Empty(t, left, "no node group outlives its cluster")
	}
}
