package magnum_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/store"
)

// groupTemplate is the stack of one node group in groupedDriver: servers
// on the cluster's network, their addresses as an output.
const groupTemplate = `heat_template_version: 2021-04-16
parameters:
  count: {type: number}
  flavor: {type: string}
  image: {type: string}
  network: {type: string}
resources:
  nodes:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: count}
      resource_def:
        type: OS::Nova::Server
        properties:
          flavor: {get_param: flavor}
          image: {get_param: image}
          networks: [{network: {get_param: network}}]
outputs:
  addresses:
    value: {get_attr: [nodes, first_address]}
`

// groupedDriver is the Kubernetes driver with a minimal node-group stack
// of its own, so that these tests exercise the Manager's node-group
// orchestration whatever a real driver's templates hold.
type groupedDriver struct {
	*k8s.Driver
	validated []string // names of the groups ValidateNodeGroup saw
}

var _ heat.NodeGroupStackDriver = (*groupedDriver)(nil)

func (d *groupedDriver) ValidateNodeGroup(req *driver.Request) error {
	d.validated = append(d.validated, req.Group.Name)
	if req.Group.Labels["bad"] != "" {
		return errdefs.Invalid("labels/bad", "refused by the driver")
	}
	return nil
}

func (d *groupedDriver) RenderNodeGroupStack(req *driver.Request, cs *heat.Stack) (heat.StackRequest, error) {
	if cs == nil || cs.Outputs["api_address"] == nil {
		return heat.StackRequest{}, errors.New("the cluster stack's outputs were not given")
	}
	return heat.StackRequest{
		Template: []byte(groupTemplate),
		Parameters: map[string]any{
			"count": req.Group.NodeCount, "flavor": req.Group.FlavorID, "image": req.Group.ImageID,
			"network": "private",
		},
	}, nil
}

func (d *groupedDriver) ScaleNodeGroupStack(req *driver.Request) (heat.UpdateRequest, error) {
	return heat.UpdateRequest{Existing: true, Parameters: map[string]any{"count": req.Group.NodeCount}}, nil
}

func (d *groupedDriver) ApplyNodeGroupOutputs(s *heat.Stack, g *cluster.NodeGroup) error {
	raw, ok := s.Outputs["addresses"].([]any)
	if !ok {
		return fmt.Errorf("addresses: unexpected %T", s.Outputs["addresses"])
	}
	g.NodeAddresses = g.NodeAddresses[:0]
	for _, a := range raw {
		s, _ := a.(string)
		g.NodeAddresses = append(g.NodeAddresses, s)
	}
	g.NodeCount = len(raw)
	return nil
}

func newGroupEnv(t *testing.T, cfg magnum.Config) (*cloudEnv, *groupedDriver) {
	t.Helper()
	gd := &groupedDriver{Driver: k8s.NewFedoraAtomic()}
	reg, err := driver.NewRegistry(gd)
	require.NoError(t, err)
	cfg.Drivers = reg
	if cfg.DefaultCaller == nil {
		cfg.DefaultCaller = &alice
	}
	return newCloudEnv(t, cfg), gd
}

func intp(n int) *int { return &n }

// syncGroups runs SyncOnce until the cluster settles, and returns it with
// its groups by name.
func syncGroups(t *testing.T, e *cloudEnv, ctx context.Context, id string, want cluster.Status) (*cluster.Cluster, map[string]*cluster.NodeGroup) {
	t.Helper()
	c := syncUntil(t, e, ctx, id, want)
	gs, err := e.m.NodeGroups(ctx, id)
	require.NoError(t, err)
	by := map[string]*cluster.NodeGroup{}
	for _, g := range gs {
		by[g.Name] = g
	}
	return c, by
}

// TestNodeGroupLifecycle adds a node group as its own stack, resizes it
// within its bounds, patches the bounds, deletes it, and finally deletes
// a cluster that still has a group: the group's stack goes first.
func TestNodeGroupLifecycle(t *testing.T) {
	e, gd := newGroupEnv(t, magnum.Config{})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	_, err = e.m.CreateNodeGroup(ctx, "prod", &magnum.NodeGroupRequest{Name: "early"})
	assert.True(t, errors.Is(err, errdefs.ErrConflict), "a cluster in progress takes no group: %v", err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)

	g, err := e.m.CreateNodeGroup(ctx, "prod", &magnum.NodeGroupRequest{Name: "gpu", NodeCount: intp(2), MaxNodeCount: intp(3),
		Labels: map[string]string{"gpu": "yes"}, MergeLabels: true, NodeLabels: map[string]string{"accel": "gpu"}})
	require.NoError(t, err)
	assert.Equal(t, cluster.CreateInProgress, g.Status)
	assert.Equal(t, "worker", g.Role)
	assert.Equal(t, "m1.small", g.FlavorID, "the cluster's flavor")
	assert.Equal(t, "fedora-atomic-latest", g.ImageID, "the template's image")
	assert.Equal(t, []string{"gpu"}, gd.validated)
	busy, err := e.m.GetCluster(ctx, "prod")
	require.NoError(t, err)
	assert.Equal(t, cluster.UpdateInProgress, busy.Status)
	assert.Equal(t, 3, busy.NodeCount, "the group's nodes count from the start")
	_, err = e.m.CreateNodeGroup(ctx, "prod", &magnum.NodeGroupRequest{Name: "second"})
	assert.True(t, errors.Is(err, errdefs.ErrConflict), "one operation at a time: %v", err)

	c, groups := syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)
	require.Contains(t, groups, "gpu")
	g = groups["gpu"]
	assert.Equal(t, cluster.CreateComplete, g.Status)
	assert.Len(t, g.NodeAddresses, 2)
	assert.NotEmpty(t, g.StackID)
	assert.NotEqual(t, c.StackID, g.StackID, "a stack of its own")
	assert.Equal(t, "yes", g.Labels["gpu"])
	assert.Equal(t, 3, c.NodeCount)
	s, err := e.orch.GetStack(context.Background(), g.StackID, false)
	require.NoError(t, err)
	assert.Equal(t, magnum.GroupStackName(c, g), s.Name)
	assert.Subset(t, s.Tags, []string{heat.DefaultStackTag, c.UUID, g.UUID})
	for _, gr := range groups {
		if gr.IsDefault {
			assert.Equal(t, cluster.CreateComplete, gr.Status, "default groups are untouched by another group's operation")
		}
	}

	// Resize within the bounds; beyond them is refused with nothing changed.
	_, err = e.m.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 4, NodeGroup: "gpu"})
	assert.True(t, errors.Is(err, errdefs.ErrInvalid), "above max_node_count: %v", err)
	_, err = e.m.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 3, NodeGroup: "gpu"})
	require.NoError(t, err)
	c, groups = syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, 3, groups["gpu"].NodeCount)
	assert.Len(t, groups["gpu"].NodeAddresses, 3)
	assert.Equal(t, cluster.UpdateComplete, groups["gpu"].Status)
	assert.Equal(t, 4, c.NodeCount)

	// The default worker group resizes as before; the cluster's count adds
	// the other group's nodes.
	_, err = e.m.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 2})
	require.NoError(t, err)
	c, groups = syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, 2, groups[cluster.DefaultWorkerGroup].NodeCount)
	assert.Equal(t, 5, c.NodeCount)

	// Bounds: a patch that would exclude the current count is refused.
	_, err = e.m.UpdateNodeGroup(ctx, "prod", "gpu", ops(t, `[{"op":"replace","path":"/max_node_count","value":2}]`))
	assert.True(t, errors.Is(err, errdefs.ErrInvalid), "max below the count: %v", err)
	_, err = e.m.UpdateNodeGroup(ctx, "prod", "gpu", ops(t, `[{"op":"replace","path":"/node_count","value":1}]`))
	assert.Error(t, err, "node_count changes by resize only")
	ng, err := e.m.UpdateNodeGroup(ctx, "prod", "gpu", ops(t, `[{"op":"replace","path":"/min_node_count","value":1},{"op":"replace","path":"/max_node_count","value":5}]`))
	require.NoError(t, err)
	assert.Equal(t, 1, ng.MinNodeCount)
	assert.Equal(t, 5, *ng.MaxNodeCount)
	got, err := e.m.GetNodeGroup(ctx, "prod", "gpu")
	require.NoError(t, err)
	assert.Equal(t, 1, got.MinNodeCount)

	// Default groups cannot be deleted.
	err = e.m.DeleteNodeGroup(ctx, "prod", cluster.DefaultWorkerGroup)
	assert.True(t, errors.Is(err, errdefs.ErrInvalid), "%v", err)

	require.NoError(t, e.m.DeleteNodeGroup(ctx, "prod", "gpu"))
	gpuStack := g.StackID
	c, groups = syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.NotContains(t, groups, "gpu")
	assert.Len(t, groups, 2)
	assert.Equal(t, 2, c.NodeCount, "the group's nodes left with it")
	_, err = e.orch.GetStack(context.Background(), gpuStack, false)
	if err == nil {
		s, _ := e.orch.GetStack(context.Background(), gpuStack, false)
		assert.Equal(t, string(cluster.DeleteComplete), s.Status)
	}

	// Deleting a cluster that still has a group removes the group's stack
	// first, then the cluster's.
	_, err = e.m.CreateNodeGroup(ctx, "prod", &magnum.NodeGroupRequest{Name: "batch"})
	require.NoError(t, err)
	_, groups = syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)
	require.Contains(t, groups, "batch")
	require.NoError(t, e.m.DeleteCluster(ctx, "prod"))
	syncUntil(t, e, ctx, c.UUID, cluster.DeleteComplete)
	live, err := e.orch.ListStacks(context.Background(), heat.ListFilter{Tags: []string{c.UUID}})
	require.NoError(t, err)
	for _, s := range live {
		assert.Equal(t, string(cluster.DeleteComplete), s.Status, "stack %s left behind", s.Name)
	}
	left, err := e.m.NodeGroups(ctx, c.UUID)
	assert.True(t, errors.Is(err, errdefs.ErrNotFound), "the cluster and its groups are gone: %v %v", left, err)
}

// TestNodeGroupBadInput checks that every bad request is refused before
// anything is recorded.
func TestNodeGroupBadInput(t *testing.T) {
	e, _ := newGroupEnv(t, magnum.Config{})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)

	cases := []struct {
		name  string
		req   *magnum.NodeGroupRequest
		kind  error
		field string
	}{
		{"no request", nil, errdefs.ErrInvalid, ""},
		{"no name", &magnum.NodeGroupRequest{}, errdefs.ErrInvalid, "name"},
		{"master role", &magnum.NodeGroupRequest{Name: "m", Role: "master"}, errdefs.ErrInvalid, "role"},
		{"taken name", &magnum.NodeGroupRequest{Name: cluster.DefaultWorkerGroup}, errdefs.ErrConflict, "name"},
		{"negative count", &magnum.NodeGroupRequest{Name: "n", NodeCount: intp(-1)}, errdefs.ErrInvalid, "node_count"},
		{"below min", &magnum.NodeGroupRequest{Name: "n", NodeCount: intp(1), MinNodeCount: 2}, errdefs.ErrInvalid, "node_count"},
		{"above max", &magnum.NodeGroupRequest{Name: "n", NodeCount: intp(3), MaxNodeCount: intp(2)}, errdefs.ErrInvalid, "node_count"},
		{"max below min", &magnum.NodeGroupRequest{Name: "n", NodeCount: intp(2), MinNodeCount: 2, MaxNodeCount: intp(1)}, errdefs.ErrInvalid, "max_node_count"},
		{"driver refuses", &magnum.NodeGroupRequest{Name: "n", Labels: map[string]string{"bad": "1"}}, errdefs.ErrInvalid, "labels/bad"},
		{"unknown flavor", &magnum.NodeGroupRequest{Name: "n", FlavorID: "m1.huge"}, errdefs.ErrInvalid, ""},
		{"unknown image", &magnum.NodeGroupRequest{Name: "n", ImageID: "nope"}, errdefs.ErrInvalid, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.m.CreateNodeGroup(ctx, "prod", tc.req)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.kind), "%v", err)
			if tc.field != "" {
				var fields []string
				for _, p := range errdefs.Problems(err) {
					fields = append(fields, p.Field)
				}
				assert.Contains(t, fields, tc.field, "%v", err)
			}
		})
	}
	groups, err := e.m.NodeGroups(ctx, "prod")
	require.NoError(t, err)
	assert.Len(t, groups, 2, "nothing recorded")
	c2, err := e.m.GetCluster(ctx, "prod")
	require.NoError(t, err)
	assert.Equal(t, cluster.CreateComplete, c2.Status, "the cluster untouched")
	assert.Equal(t, c.Revision, c2.Revision)
}

// TestNodeGroupQuotaAndFailure checks that a group's nodes count against
// the project's node quota (a refused create leaves no group), and that a
// group whose servers fail leaves the group CREATE_FAILED and the cluster
// UPDATE_FAILED naming it, after which the group can still be deleted.
func TestNodeGroupQuotaAndFailure(t *testing.T) {
	e, _ := newGroupEnv(t, magnum.Config{Quota: &store.Quota{Clusters: store.AtMost(5), Nodes: store.AtMost(4)}})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)

	_, err = e.m.CreateNodeGroup(ctx, "prod", &magnum.NodeGroupRequest{Name: "big", NodeCount: intp(3)})
	assert.True(t, errors.Is(err, errdefs.ErrQuotaExceeded), "2 + 3 nodes > 4: %v", err)
	list, err := e.m.NodeGroups(ctx, "prod")
	require.NoError(t, err)
	assert.Len(t, list, 2, "the refused group was not kept")
	after, err := e.m.GetCluster(ctx, "prod")
	require.NoError(t, err)
	assert.Equal(t, cluster.CreateComplete, after.Status)
	assert.Equal(t, 1, after.NodeCount)

	e.cloud.Heat().FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: "No valid host was found."})
	_, err = e.m.CreateNodeGroup(ctx, "prod", &magnum.NodeGroupRequest{Name: "doomed", NodeCount: intp(2)})
	require.NoError(t, err)
	c, groups := syncGroups(t, e, ctx, c.UUID, cluster.UpdateFailed)
	assert.Equal(t, cluster.CreateFailed, groups["doomed"].Status)
	assert.Contains(t, c.StatusReason, "doomed failed")
	assert.Contains(t, c.StatusReason, "rolled back", "the test driver's stacks roll back")
	e.cloud.Heat().ClearFaults()

	require.NoError(t, e.m.DeleteNodeGroup(ctx, "prod", "doomed"))
	c, groups = syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.NotContains(t, groups, "doomed")
	assert.Equal(t, 1, c.NodeCount)
}

// TestNodeGroupOnKubernetes runs a node group of the real Kubernetes
// driver (its own stack from the cluster stack's outputs) through create,
// resize and delete on the fake cloud.
func TestNodeGroupOnKubernetes(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, versionedTemplate("k8s", "v1.30.4"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)

	_, err = e.m.CreateNodeGroup(ctx, "prod", &magnum.NodeGroupRequest{Name: "gpu", NodeCount: intp(2),
		NodeLabels: map[string]string{"node-role.kubernetes.io/control-plane": "x"}})
	assert.True(t, errors.Is(err, errdefs.ErrInvalid), "kubelet refuses that label: %v", err)
	_, err = e.m.CreateNodeGroup(ctx, "prod", &magnum.NodeGroupRequest{Name: "gpu", NodeCount: intp(2),
		NodeLabels: map[string]string{"accel": "gpu"}, NodeTaints: []cluster.Taint{{Key: "gpu", Value: "yes", Effect: "NoSchedule"}}})
	require.NoError(t, err)
	c, groups := syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)
	g := groups["gpu"]
	require.NotNil(t, g)
	assert.Equal(t, cluster.CreateComplete, g.Status, g.StatusReason)
	assert.Len(t, g.NodeAddresses, 2)
	assert.Len(t, e.cloud.Heat().ServerIDs(g.StackID), 2)
	assert.Equal(t, 3, c.NodeCount)

	_, err = e.m.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 1, NodeGroup: "gpu"})
	require.NoError(t, err)
	c, groups = syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, 1, groups["gpu"].NodeCount)
	assert.Len(t, e.cloud.Heat().ServerIDs(g.StackID), 1)
	assert.Equal(t, 2, c.NodeCount)

	require.NoError(t, e.m.DeleteNodeGroup(ctx, "prod", "gpu"))
	c, groups = syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.NotContains(t, groups, "gpu")
	assert.Equal(t, 1, c.NodeCount)
}

// TestNodeGroupPatchChecksTaints: a patched taint passes the driver's
// rules like one given at create.
func TestNodeGroupPatchChecksTaints(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, versionedTemplate("k8s", "v1.30.4"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	_, err = e.m.CreateNodeGroup(ctx, "prod", &magnum.NodeGroupRequest{Name: "gpu"})
	require.NoError(t, err)
	syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)

	_, err = e.m.UpdateNodeGroup(ctx, "prod", "gpu", ops(t, `[{"op":"replace","path":"/node_taints","value":[{"key":"k","effect":"Sometimes"}]}]`))
	assert.True(t, errors.Is(err, errdefs.ErrInvalid), "%v", err)
	g, err := e.m.UpdateNodeGroup(ctx, "prod", "gpu", ops(t, `[{"op":"replace","path":"/node_taints","value":[{"key":"k","effect":"NoSchedule"}]}]`))
	require.NoError(t, err)
	assert.Equal(t, []cluster.Taint{{Key: "k", Effect: "NoSchedule"}}, g.NodeTaints)
	_, err = e.m.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 2, NodeGroup: "nope"})
	assert.True(t, errors.Is(err, errdefs.ErrNotFound), "an unknown group is not found: %v", err)
	_, err = e.m.UpgradeCluster(ctx, "prod", magnum.UpgradeRequest{ClusterTemplate: "k8s", NodeGroup: "gpu"})
	assert.True(t, errors.Is(err, errdefs.ErrConflict), "%v", err)
}

// TestProgress counts a cluster's stack resources while it is built and
// once it is complete.
func TestProgress(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	p, err := e.m.Progress(ctx, "prod")
	require.NoError(t, err)
	assert.Positive(t, p.Total)
	assert.Equal(t, p.Total, p.Done, "a complete stack has every resource complete")
	_, err = e.m.Progress(ctx, "nope")
	assert.True(t, errors.Is(err, errdefs.ErrNotFound), "%v", err)
}
