//go:build integration

package magnum_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/openstack"
)

// TestDayTwoOnLab runs the day-2 operations through the Manager on the
// real Heat of the lab (cloud resources stood in for): a node group as its
// own stack, scaled; an upgrade in batches of 2 that passes through
// UPDATE_IN_PROGRESS to UPDATE_COMPLETE on the new template; a CA
// rotation; then the cluster and its group deleted.
func TestDayTwoOnLab(t *testing.T) {
	t.Parallel() // beside TestClusterLifecycleOnLab: the lab is slow, not busy
	cloud := labConnect(t)
	orch, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	o := newStandIns(t, orch)
	run := time.Now().UnixNano() % 1_000_000_000
	tag := fmt.Sprintf("gomagnum-lab2-%d", run)
	t.Cleanup(func() { deleteTagged(t, orch, tag) })
	m, err := magnum.New(magnum.Config{
		DefaultCaller: &alice, Orchestrator: o, StackTag: tag,
		Nodes: nodeAccess(cloud.Provider.IdentityEndpoint),
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	ctx := as(alice)

	for _, v := range []struct{ name, tag string }{{"k8s-130", "v1.30.4"}, {"k8s-131", "v1.31.2"}} {
		tpl := versionedTemplate(v.name, v.tag)
		tpl.ClusterDistro = "fedora-atomic" // no Glance to tell it
		_, err = m.CreateClusterTemplate(ctx, tpl)
		require.NoError(t, err)
	}
	name := fmt.Sprintf("lab2-%d", run)
	c, err := m.CreateCluster(ctx, &magnum.ClusterRequest{Name: name, ClusterTemplate: "k8s-130", NodeCount: intp(2)})
	require.NoError(t, err)
	c = labSyncUntil(t, m, ctx, c.UUID, cluster.CreateComplete)

	// A node group of its own stack, scaled up.
	_, err = m.CreateNodeGroup(ctx, name, &magnum.NodeGroupRequest{Name: "batch", NodeCount: intp(1),
		NodeLabels: map[string]string{"pool": "batch"}})
	require.NoError(t, err)
	c = labSyncUntil(t, m, ctx, c.UUID, cluster.UpdateComplete)
	g, err := m.GetNodeGroup(ctx, name, "batch")
	require.NoError(t, err)
	assert.Equal(t, cluster.CreateComplete, g.Status, g.StatusReason)
	require.NotEmpty(t, g.StackID)
	assert.NotEqual(t, c.StackID, g.StackID)
	assert.Len(t, g.NodeAddresses, 1)
	_, err = m.ResizeCluster(ctx, name, magnum.ResizeRequest{NodeCount: 2, NodeGroup: "batch"})
	require.NoError(t, err)
	c = labSyncUntil(t, m, ctx, c.UUID, cluster.UpdateComplete)
	g, err = m.GetNodeGroup(ctx, name, "batch")
	require.NoError(t, err)
	assert.Equal(t, 2, g.NodeCount)
	assert.Len(t, g.NodeAddresses, 2)
	assert.Equal(t, 4, c.NodeCount)

	// Upgrade 1.30 → 1.31 in batches of 2.
	up, err := m.UpgradeCluster(ctx, name, magnum.UpgradeRequest{ClusterTemplate: "k8s-131", MaxBatchSize: 2})
	require.NoError(t, err)
	assert.Equal(t, cluster.UpdateInProgress, up.Status)
	c = labSyncUntil(t, m, ctx, c.UUID, cluster.UpdateComplete)
	to, err := m.GetClusterTemplate(ctx, "k8s-131")
	require.NoError(t, err)
	assert.Equal(t, to.UUID, c.ClusterTemplateID)
	assert.Equal(t, "v1.31.2", c.Labels["kube_tag"])
	s, err := orch.GetStack(context.Background(), c.StackID, false)
	require.NoError(t, err)
	assert.Equal(t, "UPDATE_COMPLETE", s.Status)
	assert.EqualValues(t, "2", s.Parameters["update_max_batch_size"])

	// CA rotation.
	before, err := m.ClusterCA(ctx, name, "")
	require.NoError(t, err)
	_, err = m.RotateCA(ctx, name)
	require.NoError(t, err)
	c = labSyncUntil(t, m, ctx, c.UUID, cluster.UpdateComplete)
	after, err := m.ClusterCA(ctx, name, "")
	require.NoError(t, err)
	assert.NotEqual(t, before, after)
	s, err = orch.GetStack(context.Background(), c.StackID, false)
	require.NoError(t, err)
	assert.Equal(t, string(after), s.Parameters["ca_cert"], "the nodes were handed the new CA")

	// Delete: the group's stack first, then the cluster's.
	require.NoError(t, m.DeleteCluster(ctx, name))
	labSyncUntil(t, m, ctx, c.UUID, cluster.DeleteComplete)
	_, err = m.GetCluster(ctx, name)
	require.ErrorIs(t, err, errdefs.ErrNotFound)
	stacks, err := orch.ListStacks(context.Background(), heat.ListFilter{Tags: []string{tag}})
	require.NoError(t, err)
	for _, s := range stacks {
		assert.Equal(t, "DELETE_COMPLETE", s.Status, "stack %s left behind", s.Name)
	}
}
