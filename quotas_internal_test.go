package magnum

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
)

// TestQuotaForOverridesConfig checks that a project's quota records replace
// Config.Quota resource by resource, for that project only.
func TestQuotaForOverridesConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     *store.Quota
		records map[string]int // resource -> limit, of project p1
		want    store.Quota
	}{
		{"no records, nil config", nil, nil, store.Quota{Clusters: store.AtMost(DefaultClustersPerProject)}},
		{"no records, config", &store.Quota{Clusters: store.AtMost(4), Nodes: store.AtMost(9)}, nil, store.Quota{Clusters: store.AtMost(4), Nodes: store.AtMost(9)}},
		{"cluster record", &store.Quota{Clusters: store.AtMost(4), Nodes: store.AtMost(9)}, map[string]int{store.ResourceCluster: 2}, store.Quota{Clusters: store.AtMost(2), Nodes: store.AtMost(9)}},
		{"node record", nil, map[string]int{store.ResourceNode: 30}, store.Quota{Clusters: store.AtMost(DefaultClustersPerProject), Nodes: store.AtMost(30)}},
		{"both, above an unlimited config", &store.Quota{}, map[string]int{store.ResourceCluster: 50, store.ResourceNode: 300},
			store.Quota{Clusters: store.AtMost(50), Nodes: store.AtMost(300)}},
		{"records of 0 are limits, not unset", &store.Quota{}, map[string]int{store.ResourceCluster: 0, store.ResourceNode: 0},
			store.Quota{Clusters: store.AtMost(0), Nodes: store.AtMost(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := New(Config{Quota: tc.cfg})
			require.NoError(t, err)
			defer func() { assert.NoError(t, m.Close()) }()
			ctx := policy.WithCaller(context.Background(), policy.Caller{UserID: "root", Admin: true})
			for res, limit := range tc.records {
				_, err := m.CreateQuota(ctx, "p1", res, limit)
				require.NoError(t, err)
			}
			// Another project's records never apply to p1.
			_, err = m.CreateQuota(ctx, "p2", store.ResourceCluster, 1)
			require.NoError(t, err)

			q, err := m.quotaFor(context.Background(), "p1")
			require.NoError(t, err)
			assert.Equal(t, tc.want, q)
			other, err := m.quotaFor(context.Background(), "p3")
			require.NoError(t, err)
			assert.Equal(t, m.quota, other, "a project without records gets the config's quota")
		})
	}
}

// TestQuotaForEnforced checks that the quota quotaFor returns is the one
// the store enforces: a project's record of 1 cluster stops the second.
func TestQuotaForEnforced(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	defer func() { assert.NoError(t, m.Close()) }()
	_, err = m.CreateQuota(policy.WithCaller(context.Background(), policy.Caller{Admin: true}), "p1", store.ResourceCluster, 1)
	require.NoError(t, err)
	q, err := m.quotaFor(context.Background(), "p1")
	require.NoError(t, err)
	assert.NoError(t, store.CheckQuota(q, "p1", "c2", store.Usage{}, store.Usage{Clusters: 1, Nodes: 2}))
	assert.ErrorIs(t, store.CheckQuota(q, "p1", "c2", store.Usage{Clusters: 1, Nodes: 2}, store.Usage{Clusters: 1, Nodes: 2}),
		errdefs.ErrQuotaExceeded)
}

// TestQuotaForStoreFailure checks that quotaFor reports a store it cannot
// read instead of falling back to the default.
func TestQuotaForStoreFailure(t *testing.T) {
	s := store.NewMemory()
	m, err := New(Config{Store: s})
	require.NoError(t, err)
	defer func() { assert.NoError(t, m.Close()) }()
	require.NoError(t, s.Close())
	_, err = m.quotaFor(context.Background(), "p1")
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
}

// BenchmarkQuotaFor measures the read every cluster create and resize
// adds: one project's quota records among a thousand projects'.
func BenchmarkQuotaFor(b *testing.B) {
	for _, bc := range []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"memory", func(*testing.B) store.Store { return store.NewMemory() }},
		{"sqlite", func(b *testing.B) store.Store {
			s, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "q.db"), sqlstore.Config{})
			require.NoError(b, err)
			return s
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := bc.open(b)
			defer func() { _ = s.Close() }()
			m, err := New(Config{Store: s})
			require.NoError(b, err)
			defer func() { _ = m.Close() }()
			ctx := policy.WithCaller(context.Background(), policy.Caller{Admin: true})
			for i := range 1000 {
				_, err := m.CreateQuota(ctx, fmt.Sprintf("p%d", i), store.ResourceCluster, 5)
				require.NoError(b, err)
			}
			_, err = m.CreateQuota(ctx, "p500", store.ResourceNode, 50)
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() {
				q, err := m.quotaFor(context.Background(), "p500")
				if err != nil || q.Nodes != store.AtMost(50) {
					b.Fatalf("quotaFor: %+v, %v", q, err)
				}
			}
		})
	}
}
