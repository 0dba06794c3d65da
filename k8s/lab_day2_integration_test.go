//go:build integration

package k8s_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/labtest"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/openstack"
)

// TestDay2OnRealHeat: a cluster stack, a node group stack made from its
// outputs, the group scaled, the cluster upgraded in batches of 2 (every
// server replaced: new ids), then both deleted — on a real Heat with the
// stand-ins of testdata/lab (whose servers are replaced, like Nova's, on a
// new image or new user data).
func TestDay2OnRealHeat(t *testing.T) {
	o := labtest.Orchestrator(t, openstack.Config{})
	ctx := context.Background()
	wait := openstack.WaitOptions{Interval: 300 * time.Millisecond, WithOutputs: true}
	prefix := fmt.Sprintf("k8sday2-%d", time.Now().UnixNano()%1_000_000)
	d := k8s.NewFedoraAtomic()

	create := func(t *testing.T, sr heat.StackRequest) string {
		t.Helper()
		labtest.WithStandIns(t, &sr)
		id, err := o.CreateStack(ctx, sr)
		require.NoError(t, err)
		t.Cleanup(func() { _ = o.DeleteStack(context.Background(), id) })
		return id
	}
	update := func(t *testing.T, id string, upd heat.UpdateRequest) *heat.Stack {
		t.Helper()
		require.NoError(t, o.UpdateStack(ctx, id, upd))
		s, err := openstack.Wait(ctx, o, id, wait)
		require.NoError(t, err)
		require.Equal(t, "UPDATE_COMPLETE", s.Status, s.StatusReason)
		return s
	}

	// The cluster: 1 master, 2 minions, an etcd volume (upgrades need it).
	req := upgradeRequest(t)
	req.Name = prefix + "-cluster"
	req.Nodes.CACerts = nil
	in := input(t, variant{EtcdVolume: true})
	in.Template = req.Template
	in.Cluster = req.Cluster
	in.NodeGroups = req.NodeGroups
	in.StackName = req.Name
	sr, features, err := d.RenderCluster(in)
	require.NoError(t, err)
	cid := create(t, sr)
	cs, err := openstack.Wait(ctx, o, cid, wait)
	require.NoError(t, err)
	require.Equal(t, "CREATE_COMPLETE", cs.Status, cs.StatusReason)
	require.NoError(t, d.ApplyOutputs(cs, features, req.Cluster, req.NodeGroups))
	join, err := k8s.ParseClusterJoin(cs)
	require.NoError(t, err)
	assert.Equal(t, cs.Outputs["api_private_address"], join.APIPrivateAddress)

	// A node group from the cluster's outputs.
	g := gpuGroup()
	greq := groupRequest(t, variant{EtcdVolume: true}, g)
	greq.Name = prefix + "-gpu"
	gsr, err := d.RenderNodeGroupStack(greq, cs)
	require.NoError(t, err)
	gsr.Name = greq.Name
	gid := create(t, gsr)
	gs, err := openstack.Wait(ctx, o, gid, wait)
	require.NoError(t, err)
	require.Equal(t, "CREATE_COMPLETE", gs.Status, gs.StatusReason)
	assert.Equal(t, join.FixedNetwork, gs.Parameters["fixed_network"])
	assert.Equal(t, join.MinionSecurityGroup, gs.Parameters["minion_security_group"])
	assert.Equal(t, "gpu=true,node.kubernetes.io/pool=gpu,topology.kubernetes.io/zone=az1", gs.Parameters["node_labels"])
	g.NodeCount = 0
	require.NoError(t, d.ApplyNodeGroupOutputs(gs, g))
	assert.Equal(t, 2, g.NodeCount)
	assert.Len(t, g.NodeAddresses, 2)
	names := stringList(t, gs.Outputs["kube_minion_names"])
	assert.Equal(t, []string{"prod-cluster-3c8b1d2e-ng9f1e2d-node-0", "prod-cluster-3c8b1d2e-ng9f1e2d-node-1"}, names)

	// Scale the group to 3.
	g.NodeCount = 3
	upd, err := d.ScaleNodeGroupStack(greq)
	require.NoError(t, err)
	gs = update(t, gid, upd)
	require.NoError(t, d.ApplyNodeGroupOutputs(gs, g))
	assert.Equal(t, 3, g.NodeCount)
	assert.Len(t, g.NodeAddresses, 3)

	// Upgrade the cluster in batches of 2: every server is replaced.
	masters := stringList(t, cs.Outputs["kube_master_ids"])
	masterIPs := stringList(t, cs.Outputs["kube_masters_private"])
	minions := stringList(t, cs.Outputs["kube_minion_ids"])
	require.NoError(t, d.ValidateUpgrade(req))
	upd, err = d.UpgradeStack(req)
	require.NoError(t, err)
	cs = update(t, cid, upd)
	assert.Equal(t, "2", cs.Parameters["update_max_batch_size"])
	assert.Equal(t, "fedora-atomic-30", cs.Parameters["master_image"])
	assert.Equal(t, "fedora-atomic-30", cs.Parameters["minion_image"])
	newMasters := stringList(t, cs.Outputs["kube_master_ids"])
	newMinions := stringList(t, cs.Outputs["kube_minion_ids"])
	require.Len(t, newMasters, len(masters))
	require.Len(t, newMinions, len(minions))
	for _, id := range newMasters {
		assert.NotContains(t, masters, id, "masters replaced")
	}
	for _, id := range newMinions {
		assert.NotContains(t, minions, id, "minions replaced")
	}
	assert.Equal(t, masterIPs, stringList(t, cs.Outputs["kube_masters_private"]), "masters keep their ports")

	// The group follows: its stack upgraded to the same template.
	gids := stringList(t, gs.Outputs["kube_minion_ids"])
	greq.Upgrade = req.Upgrade
	greq.Template = req.Template
	upd, err = d.UpgradeStack(greq)
	require.NoError(t, err)
	gs = update(t, gid, upd)
	for _, id := range stringList(t, gs.Outputs["kube_minion_ids"]) {
		assert.NotContains(t, gids, id, "group nodes replaced")
	}

	// Delete the group, then the cluster.
	for _, id := range []string{gid, cid} {
		require.NoError(t, o.DeleteStack(ctx, id))
		_, err = openstack.Wait(ctx, o, id, wait)
		require.ErrorIs(t, err, errdefs.ErrNotFound)
	}
}
