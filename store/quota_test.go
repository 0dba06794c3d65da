package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

func TestCheckQuota(t *testing.T) {
	tests := []struct {
		name      string
		q         store.Quota
		used, add store.Usage
		field     string // "" = within the quota
	}{
		{"zero limits nothing", store.Quota{}, store.Usage{Clusters: 1000, Nodes: 1000}, store.Usage{Clusters: 1, Nodes: 50}, ""},
		{"negative limits nothing", store.Quota{Clusters: -1, Nodes: -1}, store.Usage{Clusters: 5, Nodes: 5}, store.Usage{Clusters: 1, Nodes: 1}, ""},
		{"up to the cluster limit", store.Quota{Clusters: 3}, store.Usage{Clusters: 2}, store.Usage{Clusters: 1}, ""},
		{"past the cluster limit", store.Quota{Clusters: 3}, store.Usage{Clusters: 3}, store.Usage{Clusters: 1}, "clusters"},
		{"up to the node limit", store.Quota{Nodes: 10}, store.Usage{Nodes: 6}, store.Usage{Clusters: 1, Nodes: 4}, ""},
		{"past the node limit", store.Quota{Nodes: 10}, store.Usage{Nodes: 6}, store.Usage{Clusters: 1, Nodes: 5}, "nodes"},
		{"clusters reported first", store.Quota{Clusters: 1, Nodes: 1}, store.Usage{Clusters: 1, Nodes: 1}, store.Usage{Clusters: 1, Nodes: 1}, "clusters"},
		{"lowering beyond the limit", store.Quota{Nodes: 10}, store.Usage{Nodes: 20}, store.Usage{Nodes: -3}, ""},
		{"keeping beyond the limit", store.Quota{Clusters: 1, Nodes: 10}, store.Usage{Clusters: 5, Nodes: 20}, store.Usage{}, ""},
		{"raising beyond the limit", store.Quota{Nodes: 10}, store.Usage{Nodes: 20}, store.Usage{Nodes: 1}, "nodes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := store.CheckQuota(tc.q, "p1", "c1", tc.used, tc.add)
			if tc.field == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, errdefs.ErrQuotaExceeded)
			var de *errdefs.Error
			require.True(t, errors.As(err, &de))
			assert.Equal(t, "cluster", de.Resource)
			assert.Equal(t, "c1", de.ID)
			assert.Equal(t, tc.field, de.Field)
			assert.Contains(t, de.Reason, "p1")
		})
	}
}

func TestUpdateUsage(t *testing.T) {
	c := &cluster.Cluster{ProjectID: "p1", NodeCount: 5, MasterCount: 3}
	assert.Equal(t, store.Usage{Nodes: 2}, store.UpdateUsage("p1", 6, c), "a rise")
	assert.Equal(t, store.Usage{Nodes: -1}, store.UpdateUsage("p1", 9, c), "a fall")
	assert.Equal(t, store.Usage{}, store.UpdateUsage("p1", 8, c), "no change")
	assert.Equal(t, store.Usage{Nodes: 8}, store.UpdateUsage("p0", 8, c), "moved in: all of it")
	assert.Equal(t, store.Usage{Clusters: 1, Nodes: 8}, store.ClusterUsage(c))
}

// A project quota: the third cluster of a project allowed two is refused,
// and nothing of it is stored.
func ExampleMemory_CreateClusterWithin() {
	ctx := context.Background()
	s := store.NewMemory()
	defer s.Close()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tm := &template.ClusterTemplate{UUID: "t1", Name: "k8s", ProjectID: "demo", COE: "kubernetes", CreatedAt: created}
	if err := s.CreateTemplate(ctx, tm); err != nil {
		fmt.Println(err)
		return
	}
	q := store.Quota{Clusters: 2, Nodes: 20}
	for i := 1; i <= 3; i++ {
		c := &cluster.Cluster{UUID: fmt.Sprintf("c%d", i), ProjectID: "demo", ClusterTemplateID: tm.UUID,
			NodeCount: 3, MasterCount: 1, CreatedAt: created}
		err := s.CreateClusterWithin(ctx, c, nil, q)
		fmt.Println(c.UUID, errors.Is(err, errdefs.ErrQuotaExceeded))
		if err != nil {
			fmt.Println(err)
		}
	}
	n, _ := s.CountClusters(ctx, store.ClusterFilter{ProjectID: "demo"})
	fmt.Println("stored:", n)
	// Output:
	// c1 false
	// c2 false
	// c3 true
	// cluster c3: clusters: quota exceeded: project "demo" may hold at most 2 cluster(s) and holds 2
	// stored: 2
}
