//go:build integration

package magnum_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/openstack"
)

// The real-Heat tier of the Manager: the Kubernetes lifecycle of
// TestClusterLifecycleOnFakeCloud, run through magnum.Manager on the
// Keystone+Heat lab of ../shared/openstack (scripts/heat-lab-test.sh starts
// it and runs this). The lab has no Nova, Neutron, Glance or Octavia, so the
// stacks get the stand-ins of the k8s package's lab tests
// (k8s/testdata/lab) and the Manager runs without resource checks or image
// inspection.

// labStandInsDir holds the stand-in environment and provider templates.
const labStandInsDir = "k8s"

// labConnect logs in to the cloud the environment names (OS_CLOUD with
// clouds.yaml, or openrc variables), else to the lab's own clouds.yaml
// when up.sh has written one. Without a cloud the run fails: it must never
// pass by skipping.
func labConnect(t *testing.T) *openstack.Cloud {
	t.Helper()
	opts := openstack.ConnectOptions{}
	if os.Getenv("OS_CLOUD") == "" && os.Getenv("OS_AUTH_URL") == "" {
		dir := os.Getenv("OS_LAB_DIR")
		if dir == "" {
			dir = "/tmp/openstack-lab"
		}
		file := filepath.Join(dir, "clouds.yaml")
		if _, err := os.Stat(file); err != nil {
			t.Fatal("no cloud configured: run scripts/heat-lab-test.sh, or set OS_CLOUD/OS_CLIENT_CONFIG_FILE or source an openrc")
		}
		opts = openstack.ConnectOptions{CloudsFile: file, Cloud: "openstack-lab"}
	}
	cloud, err := openstack.Connect(context.Background(), opts)
	require.NoError(t, err)
	return cloud
}

// standIns is a heat.Orchestrator that makes the stacks it creates
// runnable on the lab: it adds the stand-in mappings to each create's
// environment and the provider templates to its files. Updates are passed
// on unchanged when they reuse the stored template (Heat keeps the
// environment); full replacements get the stand-ins too.
type standIns struct {
	heat.Orchestrator
	registry map[string]string // type → stand-in type or file
	files    map[string]string // file name → template

	mu      sync.Mutex
	creates int
}

// newStandIns loads k8s/testdata/lab's environment and templates.
func newStandIns(t *testing.T, o heat.Orchestrator) *standIns {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(labStandInsDir, "testdata/lab/env.yaml"))
	require.NoError(t, err)
	env, err := heat.ParseEnvironment("env.yaml", data)
	require.NoError(t, err)
	require.NotEmpty(t, env.ResourceRegistry)
	s := &standIns{Orchestrator: o, registry: env.ResourceRegistry, files: map[string]string{}}
	for _, target := range env.ResourceRegistry {
		if filepath.Ext(target) != ".yaml" {
			continue
		}
		body, err := os.ReadFile(filepath.Join(labStandInsDir, target))
		require.NoError(t, err)
		s.files[target] = string(body)
	}
	return s
}

// apply returns the environment and files with the stand-ins added. A
// stand-in for a type the rendered environment maps itself is an error:
// the stand-in would hide the driver's own choice.
func (s *standIns) apply(envDoc []byte, files map[string]string) ([]byte, map[string]string, error) {
	env := map[string]any{}
	if len(envDoc) > 0 {
		if err := yaml.Unmarshal(envDoc, &env); err != nil {
			return nil, nil, fmt.Errorf("stand-ins: rendered environment: %w", err)
		}
	}
	registry := map[string]any{}
	if r, ok := env["resource_registry"]; ok && r != nil {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("stand-ins: resource_registry is a %T", r)
		}
		registry = m
	}
	for typ, target := range s.registry {
		if prev, clash := registry[typ]; clash {
			return nil, nil, fmt.Errorf("stand-ins: the rendered environment maps %s to %v itself", typ, prev)
		}
		registry[typ] = target
	}
	env["resource_registry"] = registry
	doc, err := yaml.Marshal(env)
	if err != nil {
		return nil, nil, err
	}
	out := maps.Clone(files)
	if out == nil {
		out = map[string]string{}
	}
	for name, body := range s.files {
		if prev, clash := out[name]; clash && prev != body {
			return nil, nil, fmt.Errorf("stand-ins: the request has its own %s", name)
		}
		out[name] = body
	}
	return doc, out, nil
}

func (s *standIns) CreateStack(ctx context.Context, req heat.StackRequest) (string, error) {
	env, files, err := s.apply(req.Environment, req.Files)
	if err != nil {
		return "", err
	}
	req.Environment, req.Files = env, files
	s.mu.Lock()
	s.creates++
	s.mu.Unlock()
	return s.Orchestrator.CreateStack(ctx, req)
}

func (s *standIns) UpdateStack(ctx context.Context, id string, req heat.UpdateRequest) error {
	if !req.Existing {
		env, files, err := s.apply(req.Environment, req.Files)
		if err != nil {
			return err
		}
		req.Environment, req.Files = env, files
	}
	return s.Orchestrator.UpdateStack(ctx, id, req)
}

func (s *standIns) createCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// deleteTagged deletes every stack carrying tag and waits until they are
// gone: the cleanup of a run that failed half-way.
func deleteTagged(t *testing.T, o heat.Orchestrator, tag string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), labStepTimeout)
	defer cancel()
	stacks, err := o.ListStacks(ctx, heat.ListFilter{Tags: []string{tag}})
	if err != nil {
		t.Errorf("cleanup: list stacks tagged %s: %v", tag, err)
		return
	}
	stacks = slices.DeleteFunc(stacks, func(s heat.Stack) bool { return s.Status == "DELETE_COMPLETE" })
	for _, s := range stacks {
		t.Logf("cleanup: deleting stack %s (%s, %s)", s.Name, s.ID, s.Status)
		if err := o.DeleteStack(ctx, s.ID); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("cleanup: delete stack %s: %v", s.ID, err)
		}
	}
	for _, s := range stacks {
		_, err := openstack.Wait(ctx, o, s.ID, openstack.WaitOptions{Interval: 500 * time.Millisecond})
		if !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("cleanup: stack %s not gone: %v", s.ID, err)
		}
	}
}

// labStepTimeout bounds each step of the lifecycle on the lab.
const labStepTimeout = 5 * time.Minute

// labSyncUntil runs SyncOnce until the cluster reaches one of want (nil for
// a deleted cluster, when DeleteComplete is wanted). Real Heat takes
// seconds per action (tens of seconds on a busy machine), so it polls for
// up to labStepTimeout.
func labSyncUntil(t *testing.T, m *magnum.Manager, ctx context.Context, id string, want ...cluster.Status) *cluster.Cluster {
	t.Helper()
	start := time.Now()
	deadline := start.Add(labStepTimeout)
	for time.Now().Before(deadline) {
		require.NoError(t, m.SyncOnce(ctx))
		c, err := m.GetCluster(ctx, id)
		if slices.Contains(want, cluster.DeleteComplete) && errors.Is(err, errdefs.ErrNotFound) {
			t.Logf("cluster %s: DELETE_COMPLETE after %s", id, time.Since(start).Round(10*time.Millisecond))
			return nil
		}
		require.NoError(t, err)
		if slices.Contains(want, c.Status) {
			t.Logf("cluster %s: %s after %s", id, c.Status, time.Since(start).Round(10*time.Millisecond))
			return c
		}
		if !c.Status.InProgress() {
			t.Fatalf("cluster settled in %s (%s; faults %v), want %v", c.Status, c.StatusReason, c.Faults, want)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("cluster %s did not reach %v within %s", id, want, labStepTimeout)
	return nil
}

// TestClusterLifecycleOnLab runs a Kubernetes cluster through create,
// resize up and down (removing named nodes), a node_count patch and delete,
// through the Manager on a real Heat.
func TestClusterLifecycleOnLab(t *testing.T) {
	cloud := labConnect(t)
	orch, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	o := newStandIns(t, orch)

	// A tag of this run only: the lab may hold other tests' stacks, and
	// the cleanup deletes whatever carries it.
	run := time.Now().UnixNano() % 1_000_000_000
	tag := fmt.Sprintf("gomagnum-lab-%d", run)
	t.Cleanup(func() { deleteTagged(t, orch, tag) }) // runs after the Manager is closed

	m, err := magnum.New(magnum.Config{
		DefaultCaller: &alice,
		Orchestrator:  o,
		StackTag:      tag,
		Nodes:         nodeAccess(cloud.Provider.IdentityEndpoint),
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })

	ctx := as(alice)
	var (
		mu     sync.Mutex
		events []magnum.Event
	)
	stop := m.Watch(func(ev magnum.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
	})
	defer stop()

	tpl := fakeK8sTemplate("k8s-lab")
	tpl.ClusterDistro = "fedora-atomic" // no Glance to tell it
	_, err = m.CreateClusterTemplate(ctx, tpl)
	require.NoError(t, err)

	name := fmt.Sprintf("lab-%d", run)
	c, err := m.CreateCluster(ctx, &magnum.ClusterRequest{Name: name, ClusterTemplate: "k8s-lab",
		Labels: map[string]string{"kube_tag": "v1.30.1", "extra": "x"}, MergeLabels: true})
	require.NoError(t, err)
	assert.Equal(t, cluster.CreateInProgress, c.Status)
	assert.Equal(t, 1, c.NodeCount)
	assert.Equal(t, 1, c.MasterCount)

	c = labSyncUntil(t, m, ctx, c.UUID, cluster.CreateComplete)
	assert.Equal(t, 1, o.createCount(), "one stack created")
	assert.Regexp(t, apiRE, c.APIAddress)
	assert.Len(t, c.MasterAddresses, 1)
	assert.Len(t, c.NodeAddresses, 1)
	assert.NotEmpty(t, c.StackID)
	assert.Equal(t, map[string]string{"kube_tag": "v1.30.1", "extra": "x"}, map[string]string(c.LabelsAdded))

	stacks, err := orch.ListStacks(context.Background(), heat.ListFilter{Tags: []string{c.UUID}})
	require.NoError(t, err)
	require.Len(t, stacks, 1)
	assert.Equal(t, magnum.StackName(c), stacks[0].Name)
	assert.Equal(t, c.StackID, stacks[0].ID)
	assert.Contains(t, stacks[0].Tags, tag)

	groups, err := m.NodeGroups(ctx, name)
	require.NoError(t, err)
	require.Len(t, groups, 2)
	for _, g := range groups {
		assert.Equal(t, cluster.CreateComplete, g.Status, g.Name)
		assert.Len(t, g.NodeAddresses, 1, g.Name)
	}
	s, err := orch.GetStack(context.Background(), c.StackID, true)
	require.NoError(t, err)
	first, err := k8s.Minions(s)
	require.NoError(t, err)
	require.Len(t, first, 1)

	// Resize 1 → 3: the existing node keeps its server.
	_, err = m.ResizeCluster(ctx, name, magnum.ResizeRequest{NodeCount: 3})
	require.NoError(t, err)
	c = labSyncUntil(t, m, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, 3, c.NodeCount)
	assert.Len(t, c.NodeAddresses, 3)
	s, err = orch.GetStack(context.Background(), c.StackID, true)
	require.NoError(t, err)
	minions, err := k8s.Minions(s)
	require.NoError(t, err)
	require.Len(t, minions, 3)
	assert.Equal(t, first[0].ServerID, minions[0].ServerID, "the first node kept its server")

	// Resize 3 → 1, removing the first node by server id and the third by
	// member name: the middle one stays.
	_, err = m.ResizeCluster(ctx, name, magnum.ResizeRequest{NodeCount: 1,
		NodesToRemove: []string{minions[0].ServerID, minions[2].Member}})
	require.NoError(t, err)
	c = labSyncUntil(t, m, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, 1, c.NodeCount)
	assert.Len(t, c.NodeAddresses, 1)
	s, err = orch.GetStack(context.Background(), c.StackID, true)
	require.NoError(t, err)
	left, err := k8s.Minions(s)
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, minions[1].ServerID, left[0].ServerID, "the named nodes went, the other stayed")

	// Patch node_count 1 → 2.
	_, err = m.UpdateCluster(ctx, name, ops(t, `[{"op":"replace","path":"/node_count","value":2}]`), magnum.UpdateOptions{})
	require.NoError(t, err)
	c = labSyncUntil(t, m, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, 2, c.NodeCount)
	assert.Len(t, c.NodeAddresses, 2)
	s, err = orch.GetStack(context.Background(), c.StackID, true)
	require.NoError(t, err)
	patched, err := k8s.Minions(s)
	require.NoError(t, err)
	require.Len(t, patched, 2)
	assert.Equal(t, minions[1].ServerID, patched[0].ServerID, "the remaining node kept its server")
	groups, err = m.NodeGroups(ctx, name)
	require.NoError(t, err)
	for _, g := range groups {
		assert.Equal(t, cluster.UpdateComplete, g.Status, g.Name)
		if g.Role == "worker" {
			assert.Equal(t, 2, g.NodeCount)
			assert.Equal(t, c.NodeAddresses, g.NodeAddresses)
		}
	}

	st, err := m.Stats(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, magnum.Stats{Clusters: 1, Nodes: 3}, st)

	// Delete.
	require.NoError(t, m.DeleteCluster(ctx, name))
	labSyncUntil(t, m, ctx, c.UUID, cluster.DeleteComplete)
	_, err = m.GetCluster(ctx, name)
	require.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = orch.GetStack(context.Background(), c.StackID, false)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "the stack is gone from Heat")
	// Heat marks a stack DELETE_COMPLETE a moment before it drops it from
	// its lists; the Manager takes that status for gone, and so does this.
	stacks, err = orch.ListStacks(context.Background(), heat.ListFilter{Tags: []string{tag}})
	require.NoError(t, err)
	for _, s := range stacks {
		assert.Equal(t, "DELETE_COMPLETE", s.Status, "stack %s left behind", s.Name)
	}

	mu.Lock()
	defer mu.Unlock()
	var seen []cluster.Status
	for _, ev := range events {
		if ev.ClusterID == c.UUID && (len(seen) == 0 || seen[len(seen)-1] != ev.To) {
			seen = append(seen, ev.To)
		}
	}
	assert.Equal(t, []cluster.Status{cluster.CreateInProgress, cluster.CreateComplete,
		cluster.UpdateInProgress, cluster.UpdateComplete, cluster.UpdateInProgress, cluster.UpdateComplete,
		cluster.UpdateInProgress, cluster.UpdateComplete, cluster.DeleteInProgress, cluster.DeleteComplete}, seen)
}
