package magnum_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// versionedTemplate is a Kubernetes template at a kube_tag, with the etcd
// volume an upgrade that replaces masters needs.
func versionedTemplate(name, kubeTag string) *template.ClusterTemplate {
	t := fakeK8sTemplate(name)
	t.Labels = labels.Labels{"kube_tag": kubeTag, "etcd_volume_size": "5"}
	return t
}

// stackParam returns one parameter of a stack as Heat holds it.
func stackParam(t *testing.T, e *cloudEnv, id, name string) any {
	t.Helper()
	s, err := e.orch.GetStack(context.Background(), id, false)
	require.NoError(t, err)
	return s.Parameters[name]
}

// TestUpgradeLifecycle upgrades a cluster in batches of 2 to a template
// with a newer kube_tag, checks the cluster records its template
// truthfully throughout, then fails an upgrade (injected server fault),
// retries it, fails another and rolls it back.
func TestUpgradeLifecycle(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	ctx := as(alice)
	for _, tpl := range []*template.ClusterTemplate{
		versionedTemplate("v130", "v1.30.4"), versionedTemplate("v131", "v1.31.2"),
		versionedTemplate("v132", "v1.32.0"), versionedTemplate("v133", "v1.33.1"),
		versionedTemplate("v129", "v1.29.9"),
	} {
		_, err := e.m.CreateClusterTemplate(ctx, tpl)
		require.NoError(t, err)
	}
	v130, err := e.m.GetClusterTemplate(ctx, "v130")
	require.NoError(t, err)
	v131, err := e.m.GetClusterTemplate(ctx, "v131")
	require.NoError(t, err)

	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "v130", NodeCount: intp(3)})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	before := e.cloud.Heat().ServerIDs(c.StackID)
	require.Len(t, before, 4, "a master and three workers")

	// Refused before anything changes.
	bad := []struct {
		name string
		r    magnum.UpgradeRequest
		kind error
	}{
		{"no template", magnum.UpgradeRequest{}, errdefs.ErrInvalid},
		{"unknown template", magnum.UpgradeRequest{ClusterTemplate: "nope"}, errdefs.ErrInvalid},
		{"same template", magnum.UpgradeRequest{ClusterTemplate: "v130"}, errdefs.ErrInvalid},
		{"downgrade", magnum.UpgradeRequest{ClusterTemplate: "v129"}, errdefs.ErrInvalid},
		{"skipped minor", magnum.UpgradeRequest{ClusterTemplate: "v132"}, errdefs.ErrInvalid},
		{"bad batch", magnum.UpgradeRequest{ClusterTemplate: "v131", MaxBatchSize: -1}, errdefs.ErrInvalid},
		{"rollback of nothing", magnum.UpgradeRequest{Rollback: true}, errdefs.ErrConflict},
	}
	for _, tc := range bad {
		_, err := e.m.UpgradeCluster(ctx, "prod", tc.r)
		assert.True(t, errors.Is(err, tc.kind), "%s: %v", tc.name, err)
	}
	same, err := e.m.GetCluster(ctx, "prod")
	require.NoError(t, err)
	assert.Equal(t, c.Revision, same.Revision, "refused upgrades change nothing")

	// 1.30 → 1.31 in batches of 2.
	up, err := e.m.UpgradeCluster(ctx, "prod", magnum.UpgradeRequest{ClusterTemplate: "v131", MaxBatchSize: 2})
	require.NoError(t, err)
	assert.Equal(t, cluster.UpdateInProgress, up.Status)
	assert.Equal(t, v130.UUID, up.ClusterTemplateID, "the nodes still run the old template")
	assert.Equal(t, v131.UUID, up.UpgradeTemplateID)
	_, err = e.m.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 4})
	assert.True(t, errors.Is(err, errdefs.ErrConflict), "no resize during an upgrade: %v", err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, v131.UUID, c.ClusterTemplateID)
	assert.Empty(t, c.UpgradeTemplateID)
	assert.Equal(t, "v1.31.2", c.Labels["kube_tag"])
	assert.Equal(t, 3, c.NodeCount)
	after := e.cloud.Heat().ServerIDs(c.StackID)
	require.Len(t, after, 4)
	for _, id := range before {
		assert.NotContains(t, after, id, "every node was replaced, none changed in place")
	}
	assert.EqualValues(t, "2", stackParam(t, e, c.StackID, "update_max_batch_size"))

	// 1.31 → 1.32 fails on new servers; the cluster stays on 1.31.
	e.cloud.Heat().FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: "No valid host was found."})
	_, err = e.m.UpgradeCluster(ctx, "prod", magnum.UpgradeRequest{ClusterTemplate: "v132", MaxBatchSize: 2})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.UpdateFailed)
	assert.Equal(t, v131.UUID, c.ClusterTemplateID, "a failed upgrade leaves the recorded template")
	v132, err := e.m.GetClusterTemplate(ctx, "v132")
	require.NoError(t, err)
	assert.Equal(t, v132.UUID, c.UpgradeTemplateID)
	assert.NotEmpty(t, c.StatusReason)
	_, err = e.m.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 4})
	assert.True(t, errors.Is(err, errdefs.ErrConflict), "retry or roll back first: %v", err)
	_, err = e.m.UpgradeCluster(ctx, "prod", magnum.UpgradeRequest{ClusterTemplate: "v133"})
	assert.True(t, errors.Is(err, errdefs.ErrConflict), "another target while one is unfinished: %v", err)

	// Retry completes it.
	e.cloud.Heat().ClearFaults()
	_, err = e.m.UpgradeCluster(ctx, "prod", magnum.UpgradeRequest{ClusterTemplate: "v132", MaxBatchSize: 2})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, v132.UUID, c.ClusterTemplateID)
	assert.Equal(t, "v1.32.0", c.Labels["kube_tag"])

	// 1.32 → 1.33 fails; rollback returns to 1.32.
	e.cloud.Heat().FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: "No valid host was found."})
	_, err = e.m.UpgradeCluster(ctx, "prod", magnum.UpgradeRequest{ClusterTemplate: "v133"})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.UpdateFailed)
	e.cloud.Heat().ClearFaults()
	rb, err := e.m.UpgradeCluster(ctx, "prod", magnum.UpgradeRequest{Rollback: true})
	require.NoError(t, err)
	assert.Equal(t, v132.UUID, rb.UpgradeTemplateID, "moving back to the recorded template")
	c = syncUntil(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, v132.UUID, c.ClusterTemplateID)
	assert.Empty(t, c.UpgradeTemplateID)
	assert.Equal(t, "v1.32.0", c.Labels["kube_tag"])
	assert.Len(t, e.cloud.Heat().ServerIDs(c.StackID), 4, "whole again")
}
