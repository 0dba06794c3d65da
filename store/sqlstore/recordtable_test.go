package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/certs/certstest"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store/sqlstore"
)

func openFile(t *testing.T) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "records.db"), sqlstore.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestRecordTableContract(t *testing.T) {
	certstest.TestRecordStore(t, func(t *testing.T) certs.RecordStore { return openFile(t).Records("certs") })
}

func TestRecordTableNamespacesAreSeparate(t *testing.T) {
	ctx := context.Background()
	st := openFile(t)
	a, b := st.Records("a"), st.Records("b")
	require.NoError(t, a.Create(ctx, "k", []byte("in a")))
	_, err := b.Get(ctx, "k")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	require.NoError(t, b.Create(ctx, "k", []byte("in b")))
	v, err := a.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, []byte("in a"), v)
}

// The certificate manager keeps its sealed key pairs in the SQL store and
// finds them again after the database is reopened.
func TestSealedCertificatesSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "certs.db")
	keys, err := certs.NewEphemeralKeys()
	require.NoError(t, err)

	open := func() (*sqlstore.Store, *certs.Manager) {
		st, err := sqlstore.Open(ctx, path, sqlstore.Config{})
		require.NoError(t, err)
		m, err := certs.New(certs.Config{Storage: certs.NewSealedStorage(st.Records("certs"), keys)})
		require.NoError(t, err)
		return st, m
	}
	st, m := open()
	c := certs.Cluster{UUID: "c1", Name: "demo", ProjectID: "p"}
	_, err = m.Create(ctx, c)
	require.NoError(t, err)
	before, err := m.CA(ctx, c.UUID, certs.CAKubernetes)
	require.NoError(t, err)
	require.NoError(t, st.Close())

	st, m = open()
	defer st.Close()
	after, err := m.CA(ctx, c.UUID, certs.CAKubernetes)
	require.NoError(t, err)
	assert.True(t, before.Equal(after))
	kp, err := m.ClientKeyPair(ctx, c.UUID)
	require.NoError(t, err, "the sealed private key opens with the same key provider")
	assert.NotNil(t, kp)
}
