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
		{"negative limits nothing", store.Quota{Clusters: store.AtMost(-1), Nodes: store.AtMost(-1)}, store.Usage{Clusters: 5, Nodes: 5}, store.Usage{Clusters: 1, Nodes: 1}, ""},
		{"up to the cluster limit", store.Quota{Clusters: store.AtMost(3)}, store.Usage{Clusters: 2}, store.Usage{Clusters: 1}, ""},
		{"past the cluster limit", store.Quota{Clusters: store.AtMost(3)}, store.Usage{Clusters: 3}, store.Usage{Clusters: 1}, "clusters"},
		{"up to the node limit", store.Quota{Nodes: store.AtMost(10)}, store.Usage{Nodes: 6}, store.Usage{Clusters: 1, Nodes: 4}, ""},
		{"past the node limit", store.Quota{Nodes: store.AtMost(10)}, store.Usage{Nodes: 6}, store.Usage{Clusters: 1, Nodes: 5}, "nodes"},
		{"clusters reported first", store.Quota{Clusters: store.AtMost(1), Nodes: store.AtMost(1)}, store.Usage{Clusters: 1, Nodes: 1}, store.Usage{Clusters: 1, Nodes: 1}, "clusters"},
		{"lowering beyond the limit", store.Quota{Nodes: store.AtMost(10)}, store.Usage{Nodes: 20}, store.Usage{Nodes: -3}, ""},
		{"keeping beyond the limit", store.Quota{Clusters: store.AtMost(1), Nodes: store.AtMost(10)}, store.Usage{Clusters: 5, Nodes: 20}, store.Usage{}, ""},
		{"raising beyond the limit", store.Quota{Nodes: store.AtMost(10)}, store.Usage{Nodes: 20}, store.Usage{Nodes: 1}, "nodes"},
		{"a cluster limit of 0 refuses the first", store.Quota{Clusters: store.AtMost(0)}, store.Usage{}, store.Usage{Clusters: 1}, "clusters"},
		{"a node limit of 0 refuses one node", store.Quota{Nodes: store.AtMost(0)}, store.Usage{}, store.Usage{Clusters: 1, Nodes: 1}, "nodes"},
		{"a node limit of 0 lets a cluster of no nodes in", store.Quota{Nodes: store.AtMost(0)}, store.Usage{}, store.Usage{Clusters: 1}, ""},
		{"a limit of 0 lets counts fall", store.Quota{Clusters: store.AtMost(0), Nodes: store.AtMost(0)}, store.Usage{Clusters: 2, Nodes: 6}, store.Usage{Nodes: -2}, ""},
		{"NoLimit limits nothing", store.Quota{Clusters: store.NoLimit(), Nodes: store.NoLimit()}, store.Usage{Clusters: 9}, store.Usage{Clusters: 1, Nodes: 1}, ""},
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

// TestLimit checks that a Limit keeps "no limit" and "at most 0" apart.
func TestLimit(t *testing.T) {
	tests := []struct {
		name    string
		l       store.Limit
		max     int
		bounded bool
		str     string
	}{
		{"zero value", store.Limit{}, 0, false, "unlimited"},
		{"NoLimit", store.NoLimit(), 0, false, "unlimited"},
		{"negative", store.AtMost(-1), 0, false, "unlimited"},
		{"zero", store.AtMost(0), 0, true, "0"},
		{"positive", store.AtMost(20), 20, true, "20"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := tc.l.Max()
			assert.Equal(t, tc.max, n)
			assert.Equal(t, tc.bounded, ok)
			assert.Equal(t, tc.bounded, tc.l.Bounded())
			assert.Equal(t, tc.str, tc.l.String())
			assert.True(t, tc.l.Allows(1000, 0), "keeping a count is always allowed")
			assert.True(t, tc.l.Allows(1000, -1), "lowering it too")
			assert.Equal(t, !tc.bounded, tc.l.Allows(tc.max, 1), "one past the bound")
		})
	}
	assert.NotEqual(t, store.NoLimit(), store.AtMost(0), "0 is not unset")
	assert.Equal(t, store.NoLimit(), store.Limit{}, "the zero value is no limit")
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
	q := store.Quota{Clusters: store.AtMost(2), Nodes: store.AtMost(20)}
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

// A Limit keeps "no limit" (the zero value) apart from a bound of 0.
func ExampleAtMost() {
	none := store.Quota{Clusters: store.AtMost(0)}
	fmt.Println(store.CheckQuota(none, "p1", "c1", store.Usage{}, store.Usage{Clusters: 1}) != nil)
	fmt.Println(store.CheckQuota(store.Quota{}, "p1", "c1", store.Usage{Clusters: 99}, store.Usage{Clusters: 1}) == nil)
	fmt.Println(store.AtMost(0), store.Limit{}, store.AtMost(-1))
	// Output:
	// true
	// true
	// 0 unlimited unlimited
}
