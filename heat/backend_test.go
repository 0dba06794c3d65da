package heat_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
)

// memOrch is an in-memory Orchestrator that counts calls.
type memOrch struct {
	mu     sync.Mutex
	stacks map[string]*heat.Stack
	calls  map[string]int
	next   int
}

func newMemOrch() *memOrch {
	return &memOrch{stacks: map[string]*heat.Stack{}, calls: map[string]int{}}
}

func (o *memOrch) count(op string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls[op]++
}

func (o *memOrch) CreateStack(_ context.Context, req heat.StackRequest) (string, error) {
	o.count("create")
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.stacks {
		if s.Name == req.Name {
			return "", errdefs.Conflict("stack", req.Name, "a stack of that name exists")
		}
	}
	o.next++
	id := "stack-" + string(rune('a'+o.next))
	o.stacks[id] = &heat.Stack{ID: id, Name: req.Name, Tags: req.Tags, Status: "CREATE_IN_PROGRESS"}
	return id, nil
}

func (o *memOrch) UpdateStack(context.Context, string, heat.UpdateRequest) error {
	o.count("update")
	return nil
}

func (o *memOrch) DeleteStack(_ context.Context, id string) error {
	o.count("delete")
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.stacks[id]; !ok {
		return errdefs.NotFound("stack", id)
	}
	delete(o.stacks, id)
	return nil
}

func (o *memOrch) GetStack(_ context.Context, id string, _ bool) (*heat.Stack, error) {
	o.count("get")
	o.mu.Lock()
	defer o.mu.Unlock()
	s, ok := o.stacks[id]
	if !ok {
		return nil, errdefs.NotFound("stack", id)
	}
	c := *s
	return &c, nil
}

func (o *memOrch) ListStacks(_ context.Context, f heat.ListFilter) ([]heat.Stack, error) {
	o.count("list")
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []heat.Stack
	for _, s := range o.stacks {
		all := true
		for _, t := range f.Tags {
			all = all && contains(s.Tags, t)
		}
		state := s.Status[strings.LastIndexByte(s.Status, '_')+1:]
		if s.Status == "" || strings.HasSuffix(s.Status, "IN_PROGRESS") {
			state = "IN_PROGRESS"
		}
		if all && (len(f.States) == 0 || contains(f.States, state)) {
			out = append(out, *s)
		}
	}
	return out, nil
}

func (o *memOrch) FailedResources(context.Context, string) ([]heat.ResourceFailure, error) {
	o.count("resources")
	return []heat.ResourceFailure{
		{Resource: "masters", Reason: "resource group failed"},
		{Resource: "masters.0", Reason: "nested failed"},
		{Resource: "masters.0.server", Reason: "No valid host"},
		{Resource: "lb", Reason: "quota"},
	}, nil
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// stubDriver renders an empty stack.
type stubDriver struct{}

func (stubDriver) Info() driver.Info                                    { return driver.Info{Name: "stub"} }
func (stubDriver) Validate(*driver.Request) error                       { return nil }
func (stubDriver) StackFeatures(*driver.Request) (heat.Features, error) { return nil, nil }
func (stubDriver) RenderStack(req *driver.Request) (heat.StackRequest, heat.Features, error) {
	return heat.StackRequest{Name: req.Name, Tags: []string{"mine"}}, nil, nil
}
func (stubDriver) ScaleStack(*driver.Request) (heat.UpdateRequest, error) {
	return heat.UpdateRequest{Existing: true}, nil
}
func (stubDriver) ApplyOutputs(s *heat.Stack, _ heat.Features, c *cluster.Cluster, _ []*cluster.NodeGroup) error {
	c.APIAddress = "https://" + s.ID
	return nil
}

func req(id string) *driver.Request {
	return &driver.Request{Cluster: &cluster.Cluster{UUID: id}, Name: "c-" + id}
}

func TestBackendObservesEveryClusterWithOneList(t *testing.T) {
	ctx := context.Background()
	o := newMemOrch()
	b := heat.NewBackend(o, heat.BackendConfig{})
	d := b.Driver(stubDriver{})
	assert.Same(t, b, d.Observer())

	var targets []driver.Target
	for _, id := range []string{"u1", "u2", "u3"} {
		ref, err := d.Create(ctx, req(id))
		require.NoError(t, err)
		targets = append(targets, driver.Target{ClusterID: id, Ref: ref, Name: "c-" + id})
	}
	s, err := o.GetStack(ctx, targets[0].Ref, false)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"mine", heat.DefaultStackTag, "u1"}, s.Tags)

	o.calls = map[string]int{}
	obs, err := b.Observe(ctx, targets)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"list": 1}, o.calls, "one list for all clusters in progress")
	assert.Equal(t, cluster.CreateInProgress, obs["u1"].Status)
	assert.Equal(t, targets[0].Ref, obs["u1"].Ref)

	targets[1].Ref = "" // never recorded: matched by tag and name
	require.NoError(t, o.DeleteStack(ctx, targets[2].Ref))
	o.mu.Lock()
	o.stacks[targets[0].Ref].Status = "CREATE_COMPLETE" // settled: not in the list any more
	o.mu.Unlock()
	targets = append(targets, driver.Target{ClusterID: "u4", Name: "c-u4"}) // never created
	o.calls = map[string]int{}
	obs, err = b.Observe(ctx, targets)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"list": 1, "get": 2}, o.calls,
		"one list; a GET each for the settled and the vanished stack; nothing for the never-created one")
	assert.Equal(t, cluster.CreateComplete, obs["u1"].Status)
	assert.NotEmpty(t, obs["u2"].Ref, "found under its tag")
	assert.Equal(t, cluster.CreateInProgress, obs["u2"].Status)
	assert.True(t, obs["u3"].Gone)
	assert.True(t, obs["u4"].Gone)
}

func TestBackendCreateAdoptsAndDeleteIsIdempotent(t *testing.T) {
	ctx := context.Background()
	o := newMemOrch()
	d := heat.NewBackend(o, heat.BackendConfig{Tag: "team-a"}).Driver(stubDriver{})
	first, err := d.Create(ctx, req("u1"))
	require.NoError(t, err)
	again, err := d.Create(ctx, req("u1"))
	require.NoError(t, err)
	assert.Equal(t, first, again, "a repeated create adopts the stack")
	o.mu.Lock()
	assert.Len(t, o.stacks, 1)
	o.mu.Unlock()

	// Another cluster's stack of the same name is a conflict, not adopted.
	other := req("u2")
	other.Name = "c-u1"
	_, err = d.Create(ctx, other)
	require.ErrorIs(t, err, errdefs.ErrConflict)

	r := req("u1")
	require.NoError(t, d.Finish(ctx, r), "finds the stack by tag")
	assert.Equal(t, "https://"+first, r.Cluster.APIAddress)
	faults, err := d.Faults(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"masters.0.server": "No valid host", "lb": "quota"}, faults, "the causes, not their parents")

	require.NoError(t, d.Delete(ctx, r))
	require.NoError(t, d.Delete(ctx, r), "nothing left is not an error")
	r.Cluster.StackID = first
	require.NoError(t, d.Delete(ctx, r), "a recorded stack already gone is not an error")
}
