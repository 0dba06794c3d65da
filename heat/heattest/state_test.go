package heattest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
)

// stateTpl draws from every random source the fake has (IDs, nested
// names, MACs, RandomString) and both address allocators.
const stateTpl = `heat_template_version: 2018-08-31
parameters:
  count: {type: number, default: 2}
resources:
  net: {type: OS::Neutron::Net}
  subnet: {type: OS::Neutron::Subnet, properties: {network: {get_resource: net}, cidr: 192.168.60.0/24}}
  secret: {type: OS::Heat::RandomString, properties: {length: 16}}
  lb: {type: OS::Octavia::LoadBalancer, properties: {vip_subnet: {get_resource: subnet}}}
  fip: {type: OS::Neutron::FloatingIP, properties: {floating_network: public}}
  nodes:
    type: OS::Heat::ResourceGroup
    depends_on: [subnet]
    properties:
      count: {get_param: count}
      resource_def:
        type: OS::Nova::Server
        properties:
          networks: [{network: {get_resource: net}}]
outputs:
  names: {value: {get_attr: [nodes, name]}}
  ips: {value: {get_attr: [nodes, first_address]}}
  refs: {value: {get_attr: [nodes, refs]}}
  secret: {value: {get_attr: [secret, value]}}
  vip: {value: {get_attr: [lb, vip_address]}}
  floating: {value: {get_attr: [fip, floating_ip_address]}}
`

func stateReq(name string, count int) heat.StackRequest {
	return heat.StackRequest{Name: name, Template: []byte(stateTpl), Parameters: map[string]any{"count": count}, Tags: []string{"persist"}, DisableRollback: true}
}

func openState(t *testing.T, path string, clock heattest.Clock) *heattest.Server {
	t.Helper()
	srv, err := heattest.Open(heattest.Options{StateFile: path, Clock: clock, ActionDuration: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

func getStack(t *testing.T, o heat.Orchestrator, id string) *heat.Stack {
	t.Helper()
	s, err := o.GetStack(context.Background(), id, true)
	require.NoError(t, err)
	return s
}

func TestStatePersistsAcrossServers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heat.jsonl")
	t0 := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := heattest.NewManualClock(t0)

	srv1 := openState(t, path, clock)
	o1 := orch(t, srv1)
	a, err := o1.CreateStack(ctx, stateReq("alpha", 2))
	require.NoError(t, err)
	clock.Advance(time.Second)
	o1b := orch(t, srv1) // a second login draws a token from the same random source
	b, err := o1b.CreateStack(ctx, stateReq("bravo", 1))
	require.NoError(t, err)
	require.NoError(t, o1.UpdateStack(ctx, a, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"count": 3}, DisableRollback: true}))
	c, err := o1.CreateStack(ctx, stateReq("charlie", 1))
	require.NoError(t, err)
	require.NoError(t, o1.DeleteStack(ctx, c))
	_, err = o1.CreateStack(ctx, heat.StackRequest{Name: "alpha", Template: []byte(stateTpl)})
	require.ErrorIs(t, err, errdefs.ErrConflict, "a refused request changes nothing")

	before := map[string]*heat.Stack{}
	for _, id := range []string{a, b} {
		s := getStack(t, o1, id)
		assert.Contains(t, []string{"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"}, s.Status, "nothing has finished yet")
		before[id] = s
	}
	assert.Len(t, before[a].Outputs["names"], 3)
	require.NoError(t, srv1.StateError())
	srv1.Close()

	// A later process: the clock has moved on past ActionDuration.
	later := heattest.NewManualClock(t0.Add(time.Hour))
	srv2 := openState(t, path, later)
	require.NoError(t, srv2.StateError())
	o2 := orch(t, srv2)
	listed, err := o2.ListStacks(ctx, heat.ListFilter{Tags: []string{"persist"}})
	require.NoError(t, err)
	var names []string
	for _, s := range listed {
		names = append(names, s.Name)
	}
	assert.ElementsMatch(t, []string{"alpha", "bravo"}, names, "the deleted stack is not listed")
	for id, was := range before {
		now := getStack(t, o2, id)
		assert.Equal(t, was.ID, now.ID)
		assert.Equal(t, was.Name, now.Name)
		assert.Equal(t, was.Outputs, now.Outputs, "same addresses, names and random values")
		assert.Equal(t, was.CreatedAt, now.CreatedAt)
		assert.Equal(t, was.UpdatedAt, now.UpdatedAt)
		assert.Equal(t, was.Parameters, now.Parameters)
		assert.Equal(t, "COMPLETE", now.Status[len(now.Status)-len("COMPLETE"):], "%s finished by the clock: %s", now.Name, now.Status)
	}
	assert.Equal(t, "UPDATE_COMPLETE", getStack(t, o2, a).Status)
	assert.Equal(t, "CREATE_COMPLETE", getStack(t, o2, b).Status)
	_, err = o2.GetStack(ctx, c, false)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "deleted stacks stay deleted")

	// The name of the deleted stack is free again; new IDs do not collide.
	d, err := o2.CreateStack(ctx, stateReq("charlie", 1))
	require.NoError(t, err)
	assert.NotContains(t, []string{a, b, c}, d)
	dWas := getStack(t, o2, d)
	assert.NotEqual(t, before[a].Outputs["floating"], dWas.Outputs["floating"], "the floating pool went on where it was")
	srv2.Close()

	// A third process sees the second's work too.
	srv3 := openState(t, path, heattest.NewManualClock(t0.Add(2*time.Hour)))
	o3 := orch(t, srv3)
	dNow := getStack(t, o3, d)
	assert.Equal(t, "CREATE_COMPLETE", dNow.Status)
	assert.Equal(t, dWas.Outputs, dNow.Outputs)
	assert.Equal(t, "UPDATE_COMPLETE", getStack(t, o3, a).Status)
}

func TestStateActionsInProgressFinishByTheClock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heat.jsonl")
	t0 := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	srv1 := openState(t, path, heattest.NewManualClock(t0))
	id, err := orch(t, srv1).CreateStack(ctx, stateReq("slow", 1))
	require.NoError(t, err)
	srv1.Close()

	clock := heattest.NewManualClock(t0.Add(time.Second))
	srv2 := openState(t, path, clock)
	o2 := orch(t, srv2)
	assert.Equal(t, "CREATE_IN_PROGRESS", getStack(t, o2, id).Status, "1s of 2s has passed")
	clock.Advance(time.Second)
	assert.Equal(t, "CREATE_COMPLETE", getStack(t, o2, id).Status)
}

func TestStateResourceFaultsPersist(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heat.jsonl")
	t0 := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	srv1 := openState(t, path, heattest.NewManualClock(t0))
	srv1.FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: "No valid host was found.", Times: 1})
	o1 := orch(t, srv1)
	bad, err := o1.CreateStack(ctx, stateReq("bad", 1))
	require.NoError(t, err)
	good, err := o1.CreateStack(ctx, stateReq("good", 1))
	require.NoError(t, err)
	srv1.Close()

	srv2 := openState(t, path, heattest.NewManualClock(t0.Add(time.Minute)))
	o2 := orch(t, srv2)
	s := getStack(t, o2, bad)
	assert.Equal(t, "CREATE_FAILED", s.Status)
	assert.Contains(t, s.StatusReason, "No valid host was found.")
	assert.Equal(t, "CREATE_COMPLETE", getStack(t, o2, good).Status, "the fault fired once, in the first process")
	srv2.ClearFaults()
	srv2.Close()
}

func TestStateTornLastLineIsDropped(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "heat.jsonl")
	t0 := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	srv1 := openState(t, path, heattest.NewManualClock(t0))
	id, err := orch(t, srv1).CreateStack(ctx, stateReq("kept", 1))
	require.NoError(t, err)
	srv1.Close()

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"op":"create","at":"2025-06-01T09:00:05Z","body":{"stack_na`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	srv2 := openState(t, path, heattest.NewManualClock(t0.Add(time.Minute)))
	serr := srv2.StateError()
	require.Error(t, serr, "the torn line is reported")
	assert.ErrorIs(t, serr, errdefs.ErrInvalid)
	o2 := orch(t, srv2)
	assert.Equal(t, "CREATE_COMPLETE", getStack(t, o2, id).Status)
	id2, err := o2.CreateStack(ctx, stateReq("after", 1))
	require.NoError(t, err)
	srv2.Close()

	srv3 := openState(t, path, heattest.NewManualClock(t0.Add(2*time.Minute)))
	assert.NoError(t, srv3.StateError(), "the torn line was cut off, so the next record starts a clean line")
	assert.Equal(t, "CREATE_COMPLETE", getStack(t, orch(t, srv3), id2).Status)
}

func TestStateFileErrors(t *testing.T) {
	dir := t.TempDir()
	garbled := filepath.Join(dir, "garbled.jsonl")
	require.NoError(t, os.WriteFile(garbled, []byte("{\"format\":\"heattest-state\",\"version\":1}\nnot json\n{\"op\":\"clear_resource_faults\"}\n"), 0o600))
	foreign := filepath.Join(dir, "foreign.jsonl")
	require.NoError(t, os.WriteFile(foreign, []byte("{\"something\":\"else\"}\n"), 0o600))
	other := filepath.Join(dir, "other.jsonl")
	srv, err := heattest.Open(heattest.Options{StateFile: other, ProjectID: "p1"})
	require.NoError(t, err)
	srv.Close()

	for _, tc := range []struct {
		name string
		opts heattest.Options
		kind error
	}{
		{"bad line before good ones", heattest.Options{StateFile: garbled}, errdefs.ErrInvalid},
		{"not a state file", heattest.Options{StateFile: foreign}, errdefs.ErrInvalid},
		{"another project's", heattest.Options{StateFile: other, ProjectID: "p2"}, errdefs.ErrConflict},
		{"missing directory", heattest.Options{StateFile: filepath.Join(dir, "no", "such", "dir", "s.jsonl")}, os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := heattest.Open(tc.opts)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.kind), "%v", err)

			// New serves anyway, without persistence, and says why.
			srv := heattest.New(tc.opts)
			defer srv.Close()
			assert.ErrorIs(t, srv.StateError(), tc.kind)
			_, err = orch(t, srv).CreateStack(context.Background(), stateReq("unpersisted", 1))
			assert.NoError(t, err)
		})
	}
}

// BenchmarkStateReplay measures opening a state file of 300 stacks (300
// creates, 100 updates, 50 deletes): what a CLI pays per invocation.
func BenchmarkStateReplay(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "heat.jsonl")
	clock := heattest.NewManualClock(time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC))
	srv, err := heattest.Open(heattest.Options{StateFile: path, Clock: clock, ActionDuration: 2 * time.Second})
	require.NoError(b, err)
	o := orch(b, srv)
	var ids []string
	for i := range 300 {
		id, err := o.CreateStack(ctx, stateReq(fmt.Sprintf("s%03d", i), 1+i%3))
		require.NoError(b, err)
		ids = append(ids, id)
		clock.Advance(time.Second)
	}
	for i := range 100 {
		require.NoError(b, o.UpdateStack(ctx, ids[i], heat.UpdateRequest{Existing: true, Parameters: map[string]any{"count": 4}}))
	}
	for i := range 50 {
		require.NoError(b, o.DeleteStack(ctx, ids[100+i]))
	}
	srv.Close()
	st, err := os.Stat(path)
	require.NoError(b, err)
	b.ReportMetric(float64(st.Size())/1e6, "MB")
	b.ResetTimer()
	for range b.N {
		srv, err := heattest.Open(heattest.Options{StateFile: path, Clock: clock, ActionDuration: 2 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		srv.Close()
	}
}
