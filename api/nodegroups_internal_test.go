package api

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/labels"
)

// TestNodeGroupViewHidesLaterFields: node_labels and node_taints are shown
// from 1.14 only (null when unset), and the store's revision never.
func TestNodeGroupViewHidesLaterFields(t *testing.T) {
	h := &handler{cfg: Config{PublicURL: "https://magnum.example.com"}}
	r := httptest.NewRequest("GET", "/v1/clusters/c/nodegroups/g", nil)
	g := &cluster.NodeGroup{UUID: "g-1", Name: "gpu", ClusterID: "c-1", Revision: 7,
		NodeLabels: labels.Labels{"accel": "gpu"}, NodeTaints: []cluster.Taint{{Key: "gpu", Effect: "NoSchedule"}}}
	decode := func(v nodeGroupView) map[string]any {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}
	old := decode(h.nodeGroupViewOf(r, Version{1, 10}, g))
	assert.NotContains(t, old, "node_labels")
	assert.NotContains(t, old, "node_taints")
	assert.NotContains(t, old, "revision")
	assert.Equal(t, "https://magnum.example.com/v1/clusters/c-1/nodegroups/g-1", old["links"].([]any)[0].(map[string]any)["href"])

	m := decode(h.nodeGroupViewOf(r, verNodeLabels, g))
	assert.Equal(t, map[string]any{"accel": "gpu"}, m["node_labels"])
	assert.Equal(t, []any{map[string]any{"key": "gpu", "effect": "NoSchedule"}}, m["node_taints"])
	unset := decode(h.nodeGroupViewOf(r, verNodeLabels, &cluster.NodeGroup{UUID: "g-2"}))
	assert.Contains(t, unset, "node_labels")
	assert.Nil(t, unset["node_labels"], "shown as null")
	assert.Nil(t, unset["node_taints"])
}

func TestCheckCounts(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		count, lo int
		hi        *int
		ok        bool
	}{
		{1, 0, nil, true}, {0, 0, n(0), true}, {3, 1, n(3), true},
		{0, 1, nil, false}, {4, 0, n(3), false}, {2, 3, n(2), false},
	} {
		err := checkCounts("g", tc.count, tc.lo, tc.hi)
		assert.Equal(t, tc.ok, err == nil, "%+v: %v", tc, err)
	}
}
