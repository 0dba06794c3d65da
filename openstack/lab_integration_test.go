//go:build integration

package openstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
)

// The real-Heat tier: heat's sample definition, rendered by the renderer,
// created, scaled and deleted through this package's orchestrator on the
// Keystone+Heat lab of ../shared/openstack (scripts/heat-lab-test.sh starts
// it and runs these), and on heattest, with the same mapped outputs.

// labCloud logs in with the environment (OS_CLOUD + clouds.yaml, or openrc
// variables). Without a cloud the run fails: it must never pass by skipping.
func labCloud(t *testing.T) *openstack.Cloud {
	t.Helper()
	if os.Getenv("OS_CLOUD") == "" && os.Getenv("OS_AUTH_URL") == "" {
		t.Fatal("no cloud configured: run scripts/heat-lab-test.sh, or set OS_CLOUD/OS_CLIENT_CONFIG_FILE or source an openrc")
	}
	cloud, err := openstack.Connect(context.Background(), openstack.ConnectOptions{})
	require.NoError(t, err)
	return cloud
}

// withLabStubs adds the lab's stand-ins for Nova, Neutron, Octavia and
// Cinder to a rendered request: the rendered environment's registry plus
// testdata/lab/stubs-env.yaml, and the provider templates as files.
func withLabStubs(t *testing.T, req heat.StackRequest) heat.StackRequest {
	t.Helper()
	rendered, err := heat.ParseEnvironment("rendered", req.Environment)
	require.NoError(t, err)
	stubDoc, err := os.ReadFile("testdata/lab/stubs-env.yaml")
	require.NoError(t, err)
	stubs, err := heat.ParseEnvironment("stubs-env.yaml", stubDoc)
	require.NoError(t, err)
	registry := map[string]any{}
	for k, v := range rendered.ResourceRegistry {
		registry[k] = v
	}
	for k, v := range stubs.ResourceRegistry {
		_, clash := registry[k]
		require.False(t, clash, "the stubs override %s, which the definition maps", k)
		registry[k] = v
	}
	env := map[string]any{"resource_registry": registry}
	if len(rendered.Parameters) > 0 {
		env["parameters"] = rendered.Parameters
	}
	if len(rendered.ParameterDefaults) > 0 {
		env["parameter_defaults"] = rendered.ParameterDefaults
	}
	doc, err := json.Marshal(env)
	require.NoError(t, err)
	out := req
	out.Environment = doc
	out.Files = map[string]string{}
	for k, v := range req.Files {
		out.Files[k] = v
	}
	paths, err := filepath.Glob("testdata/lab/lab-*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out.Files[filepath.Base(p)] = string(b)
	}
	return out
}

// shape describes mapped values without the addresses themselves, which
// differ between clouds: "url(https,6443)", "ipv4×2", numbers as they are.
func shape(t *testing.T, v *heat.OutputValues) map[string]string {
	t.Helper()
	out := map[string]string{}
	describe := func(x any) string {
		switch y := x.(type) {
		case string:
			if u, err := url.Parse(y); err == nil && u.Scheme != "" {
				_, err := netip.ParseAddr(u.Hostname())
				return fmt.Sprintf("url(%s,%s,ip=%v)", u.Scheme, u.Port(), err == nil)
			}
			if _, err := netip.ParseAddr(y); err == nil {
				return "ipv4"
			}
			return "string"
		case []string:
			for _, s := range y {
				if _, err := netip.ParseAddr(s); err != nil {
					return fmt.Sprintf("list with non-address %q", s)
				}
			}
			return fmt.Sprintf("ipv4×%d", len(y))
		}
		return fmt.Sprintf("%v", x)
	}
	for k, x := range v.Cluster {
		out["cluster."+k] = describe(x)
	}
	for role, attrs := range v.NodeGroups {
		for k, x := range attrs {
			out[role+"."+k] = describe(x)
		}
	}
	return out
}

type cloudRun struct {
	name   string
	o      heat.Orchestrator
	wait   openstack.WaitOptions
	stub   bool // add the lab stubs
	shapes []map[string]string
	timing map[string]time.Duration
}

// lifecycle creates the sample, scales it up and down and deletes it,
// recording the mapped outputs' shapes after each step.
func lifecycle(t *testing.T, run *cloudRun, name string, opts heat.SampleOptions) {
	ctx := context.Background()
	req, rendered, r := sampleRequest(t, name, opts)
	require.NoError(t, heat.Check(req, rendered.Outputs), "the rendered request passes the structural check")
	if run.stub {
		req = withLabStubs(t, req)
	}
	req.Timeout = 10 * time.Minute
	run.timing = map[string]time.Duration{}
	step := func(label string, fn func() *heat.Stack) *heat.Stack {
		start := time.Now()
		s := fn()
		run.timing[label] = time.Since(start)
		return s
	}
	var id string
	wait := func() *heat.Stack {
		s, err := openstack.Wait(ctx, run.o, id, run.wait)
		require.NoError(t, err, run.name)
		return s
	}
	s := step("create", func() *heat.Stack {
		var err error
		id, err = run.o.CreateStack(ctx, req)
		require.NoError(t, err, run.name)
		return wait()
	})
	t.Cleanup(func() { _ = run.o.DeleteStack(context.Background(), id) })
	require.Equal(t, "CREATE_COMPLETE", s.Status)
	vals, err := r.Definition().ApplyOutputs(s, rendered.Features)
	require.NoError(t, err)
	run.shapes = append(run.shapes, shape(t, vals))
	ids, _ := s.Outputs["kube_minion_ids"].([]any)
	require.Len(t, ids, opts.Workers, run.name)

	s = step("scale up", func() *heat.Stack {
		require.NoError(t, run.o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, DisableRollback: true,
			Parameters: map[string]any{"number_of_minions": opts.Workers + 1}}))
		return wait()
	})
	require.Equal(t, "UPDATE_COMPLETE", s.Status, run.name)
	vals, err = r.Definition().ApplyOutputs(s, rendered.Features)
	require.NoError(t, err)
	run.shapes = append(run.shapes, shape(t, vals))
	idsUp, _ := s.Outputs["kube_minion_ids"].([]any)
	require.Len(t, idsUp, opts.Workers+1, run.name)
	assert.Equal(t, ids, idsUp[:len(ids)], "%s: existing nodes stay", run.name)

	victim := idsUp[0].(string)
	s = step("scale down", func() *heat.Stack {
		require.NoError(t, run.o.UpdateStack(ctx, id, heat.UpdateRequest{Existing: true, DisableRollback: true,
			Parameters: map[string]any{"number_of_minions": opts.Workers, "minions_to_remove": []string{victim}}}))
		return wait()
	})
	require.Equal(t, "UPDATE_COMPLETE", s.Status, run.name)
	vals, err = r.Definition().ApplyOutputs(s, rendered.Features)
	require.NoError(t, err)
	run.shapes = append(run.shapes, shape(t, vals))
	idsDown, _ := s.Outputs["kube_minion_ids"].([]any)
	assert.Len(t, idsDown, opts.Workers, run.name)
	assert.NotContains(t, idsDown, victim, "%s: removal_policies removed the chosen node", run.name)

	step("delete", func() *heat.Stack {
		require.NoError(t, run.o.DeleteStack(ctx, id))
		_, err := openstack.Wait(ctx, run.o, id, run.wait)
		require.ErrorIs(t, err, errdefs.ErrNotFound, run.name)
		return nil
	})
}

func TestSampleOnRealHeatAndFake(t *testing.T) {
	variants := map[string]heat.SampleOptions{
		"lb-fip":   {Masters: 1, Workers: 1, MasterLB: true, FloatingIP: true, DockerVolumeSize: 5},
		"private":  {Masters: 1, Workers: 2},
		"existing": {Masters: 1, Workers: 1, ExistingNetwork: true, FloatingIP: true},
	}
	cloud := labCloud(t)
	stamp := time.Now().UnixNano() % 1_000_000_000
	for _, vname := range slices.Sorted(maps.Keys(variants)) {
		opts := variants[vname]
		t.Run(vname, func(t *testing.T) {
			t.Parallel()
			labO, err := cloud.Orchestrator(openstack.Config{})
			require.NoError(t, err)
			lab := &cloudRun{name: "heat", o: labO, stub: true, wait: openstack.WaitOptions{Interval: 500 * time.Millisecond, WithOutputs: true}}

			srv := heattest.New(heattest.Options{PollsToComplete: 2})
			defer srv.Close()
			ao := srv.AuthOptions()
			fc, err := openstack.Connect(context.Background(), openstack.ConnectOptions{Auth: &ao})
			require.NoError(t, err)
			fakeO, err := fc.Orchestrator(openstack.Config{})
			require.NoError(t, err)
			fake := &cloudRun{name: "heattest", o: fakeO, wait: openstack.WaitOptions{Sleep: noWait, WithOutputs: true}}

			name := fmt.Sprintf("it%d-%s", stamp, vname)
			lifecycle(t, fake, name, opts)
			lifecycle(t, lab, name, opts)
			assert.Equal(t, fake.shapes, lab.shapes, "the same mapped outputs after create, scale up and scale down")
			t.Logf("%s: mapped outputs after create: %v", vname, lab.shapes[0])
			for _, k := range slices.Sorted(maps.Keys(lab.timing)) {
				t.Logf("%s on the lab: %-10s %6.2fs", vname, k, lab.timing[k].Seconds())
			}
		})
	}
}
