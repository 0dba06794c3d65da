package k8s_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
)

type workloads struct {
	counts map[string]int
	err    error
}

func (w workloads) Workloads(context.Context) (map[string]int, error) { return w.counts, w.err }

func threeMinions() []k8s.Minion {
	return []k8s.Minion{
		{Member: "0", ServerID: "srv-a", NodeName: "c-node-0"},
		{Member: "1", ServerID: "srv-b", NodeName: "c-node-1"},
		{Member: "2", ServerID: "srv-c", NodeName: "c-node-2"},
	}
}

func TestChooseNodesToRemove(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		req  k8s.ScaleDown
		want []string
	}{
		{"by server id", k8s.ScaleDown{Count: 2, Requested: []string{"srv-b"}}, []string{"srv-b"}},
		{"by member name", k8s.ScaleDown{Count: 1, Requested: []string{"2", "0"}}, []string{"srv-c", "srv-a"}},
		{"by node name", k8s.ScaleDown{Count: 2, Requested: []string{"c-node-1"}}, []string{"srv-b"}},
		{"fewer than the shrink", k8s.ScaleDown{Count: 1, Requested: []string{"srv-a"}}, []string{"srv-a"}},
		{"empty nodes first, newest first", k8s.ScaleDown{Count: 1,
			Workloads: workloads{counts: map[string]int{"c-node-0": 0, "c-node-1": 4}}}, []string{"srv-c", "srv-a"}},
		{"then the least busy", k8s.ScaleDown{Count: 1,
			Workloads: workloads{counts: map[string]int{"c-node-0": 3, "c-node-1": 1, "c-node-2": 5}}}, []string{"srv-b", "srv-a"}},
		{"nothing can tell", k8s.ScaleDown{Count: 1}, nil},
		{"API unreachable", k8s.ScaleDown{Count: 1, Workloads: workloads{err: errors.New("down")}}, nil},
		{"not shrinking", k8s.ScaleDown{Count: 3, Workloads: workloads{counts: map[string]int{}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Minions = threeMinions()
			got, err := k8s.ChooseNodesToRemove(ctx, tt.req)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestChooseNodesToRemoveRejects(t *testing.T) {
	for name, req := range map[string]k8s.ScaleDown{
		"unknown node":     {Count: 2, Requested: []string{"srv-x"}},
		"more than shrink": {Count: 2, Requested: []string{"srv-a", "srv-b"}},
		"not shrinking":    {Count: 3, Requested: []string{"srv-a"}},
		"named twice":      {Count: 1, Requested: []string{"srv-a", "0"}},
		"empty name":       {Count: 2, Requested: []string{""}},
		"negative count":   {Count: -1},
	} {
		req.Minions = threeMinions()
		_, err := k8s.ChooseNodesToRemove(context.Background(), req)
		assert.ErrorIs(t, err, errdefs.ErrInvalid, name)
	}
}

func TestChooseNodesToRemoveWarns(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	got, err := k8s.ChooseNodesToRemove(context.Background(), k8s.ScaleDown{Minions: threeMinions(), Count: 2,
		Workloads: workloads{counts: map[string]int{"c-node-0": 1, "c-node-1": 1, "c-node-2": 1}}, Logger: log})
	require.NoError(t, err)
	assert.Equal(t, []string{"srv-c"}, got)
	assert.Contains(t, buf.String(), "removing a node that runs workloads")
}

func TestMinions(t *testing.T) {
	s := &heat.Stack{ID: "s", Outputs: map[string]any{
		"kube_minion_members": map[string]any{"10": "srv-k", "2": "srv-c", "0": "srv-a"},
		"kube_minion_ids":     []any{"srv-a", "srv-c", "srv-k"},
		"kube_minion_names":   []any{"n-0", "n-2", "n-10"},
	}}
	m, err := k8s.Minions(s)
	require.NoError(t, err)
	assert.Equal(t, []k8s.Minion{
		{Member: "0", ServerID: "srv-a", NodeName: "n-0"},
		{Member: "2", ServerID: "srv-c", NodeName: "n-2"},
		{Member: "10", ServerID: "srv-k", NodeName: "n-10"},
	}, m, "in member order, 2 before 10")

	s.Outputs["kube_minion_names"] = []any{"n-0"}
	m, err = k8s.Minions(s)
	require.NoError(t, err)
	assert.Empty(t, m[0].NodeName, "names are only used when they line up with the ids")

	for _, bad := range []any{nil, "x", map[string]any{"0": 5}, map[string]any{"0": ""}} {
		s.Outputs["kube_minion_members"] = bad
		_, err = k8s.Minions(s)
		assert.ErrorIs(t, err, errdefs.ErrInvalid)
	}
	_, err = k8s.Minions(nil)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}
