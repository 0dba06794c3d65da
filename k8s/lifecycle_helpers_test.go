package k8s_test

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/openstack"
)

// lifecycleRun drives one matrix point through create → scale up → scale
// down (removing a chosen minion by server id) → delete on an
// orchestrator, mapping outputs back after each step.
type lifecycleRun struct {
	o       heat.Orchestrator
	wait    openstack.WaitOptions
	prepare func(t *testing.T, req *heat.StackRequest) // adds stand-ins on the lab
	prefix  string                                     // stack name prefix (for cleanup)
}

func (lr lifecycleRun) run(t *testing.T, d *k8s.Driver, v variant) {
	ctx := context.Background()
	in := input(t, v)
	in.StackName = fmt.Sprintf("%s-%s-%s", lr.prefix, d.Info().Name[4:8], stackSuffix(v))
	req, features, err := d.RenderCluster(in)
	require.NoError(t, err)
	if lr.prepare != nil {
		lr.prepare(t, &req)
	}
	id, err := lr.o.CreateStack(ctx, req)
	require.NoError(t, err)
	deleted := false
	t.Cleanup(func() {
		if !deleted {
			_ = lr.o.DeleteStack(context.Background(), id)
		}
	})
	s, err := openstack.Wait(ctx, lr.o, id, lr.wait)
	require.NoError(t, err)
	require.Equal(t, "CREATE_COMPLETE", s.Status)

	c, groups := in.Cluster, in.NodeGroups
	require.NoError(t, d.ApplyOutputs(s, features, c, groups))
	checkMapped(t, v, c, groups, v.Masters, v.Workers)
	ids := stringList(t, s.Outputs["kube_minion_ids"])
	require.Len(t, ids, v.Workers)

	// Scale up by one.
	groups[1].NodeCount = v.Workers + 1
	upd, err := d.ScaleUpdate(in, false)
	require.NoError(t, err)
	require.NoError(t, lr.o.UpdateStack(ctx, id, upd))
	s, err = openstack.Wait(ctx, lr.o, id, lr.wait)
	require.NoError(t, err)
	require.Equal(t, "UPDATE_COMPLETE", s.Status)
	groups[1].NodeCount = 0 // read back from the stack
	require.NoError(t, d.ApplyOutputs(s, features, c, groups))
	checkMapped(t, v, c, groups, v.Masters, v.Workers+1)
	idsUp := stringList(t, s.Outputs["kube_minion_ids"])
	require.Len(t, idsUp, v.Workers+1)
	assert.Equal(t, ids, idsUp[:v.Workers], "existing minions keep their servers")

	// Scale down, removing the first minion, asked for by member name.
	minions, err := k8s.Minions(s)
	require.NoError(t, err)
	require.Len(t, minions, v.Workers+1)
	for i, m := range minions {
		assert.Equal(t, fmt.Sprint(i), m.Member)
		assert.Equal(t, idsUp[i], m.ServerID)
		assert.Equal(t, fmt.Sprintf("%s-node-%d", in.Cluster.Name+"-3c8b1d2e", i), m.NodeName)
	}
	victims, err := k8s.ChooseNodesToRemove(ctx, k8s.ScaleDown{Minions: minions, Count: v.Workers, Requested: []string{"0"}})
	require.NoError(t, err)
	victim := idsUp[0]
	require.Equal(t, []string{victim}, victims)
	groups[1].NodeCount = v.Workers
	in.NodesToRemove = victims
	upd, err = d.ScaleUpdate(in, false)
	require.NoError(t, err)
	require.NoError(t, lr.o.UpdateStack(ctx, id, upd))
	s, err = openstack.Wait(ctx, lr.o, id, lr.wait)
	require.NoError(t, err)
	require.Equal(t, "UPDATE_COMPLETE", s.Status)
	require.NoError(t, d.ApplyOutputs(s, features, c, groups))
	checkMapped(t, v, c, groups, v.Masters, v.Workers)
	idsDown := stringList(t, s.Outputs["kube_minion_ids"])
	assert.NotContains(t, idsDown, victim, "the chosen minion was removed")
	assert.Equal(t, idsUp[1:], idsDown, "the others stayed")

	require.NoError(t, lr.o.DeleteStack(ctx, id))
	_, err = openstack.Wait(ctx, lr.o, id, lr.wait)
	require.ErrorIs(t, err, errdefs.ErrNotFound)
	deleted = true
}

func stackSuffix(v variant) string {
	b := func(on bool, s string) string {
		if on {
			return s
		}
		return ""
	}
	return fmt.Sprintf("m%d%s%s%s%s%s", v.Masters, b(v.TLSDisabled, "t"), b(v.MasterLB, "l"), b(v.FloatingIP, "f"),
		b(v.DockerVolume, "d"), b(v.ExistingNetwork, "e"))
}

var (
	httpsAPI = regexp.MustCompile(`^https://(\d+\.\d+\.\d+\.\d+):6443$`)
	httpAPI  = regexp.MustCompile(`^http://(\d+\.\d+\.\d+\.\d+):8080$`)
)

// checkMapped asserts what ApplyOutputs wrote for a variant.
func checkMapped(t *testing.T, v variant, c *cluster.Cluster, groups []*cluster.NodeGroup, masters, workers int) {
	t.Helper()
	re := httpsAPI
	if v.TLSDisabled {
		re = httpAPI
	}
	m := re.FindStringSubmatch(c.APIAddress)
	require.NotNil(t, m, "api_address %q", c.APIAddress)
	api, err := netip.ParseAddr(m[1])
	require.NoError(t, err)
	assert.Len(t, c.MasterAddresses, masters)
	assert.Len(t, c.NodeAddresses, workers)
	assert.Equal(t, c.MasterAddresses, groups[0].NodeAddresses)
	assert.Equal(t, c.NodeAddresses, groups[1].NodeAddresses)
	assert.Equal(t, masters, groups[0].NodeCount, "master count read back")
	assert.Equal(t, workers, groups[1].NodeCount, "worker count read back")
	assert.Equal(t, masters, c.MasterCount)
	assert.Equal(t, workers, c.NodeCount)
	for _, a := range append(slices.Clone(c.MasterAddresses), c.NodeAddresses...) {
		addr, err := netip.ParseAddr(a)
		require.NoError(t, err)
		assert.Equal(t, v.FloatingIP, isFloating(addr), "public addresses iff floating IPs: %s", a)
	}
	switch {
	case v.MasterLB:
		assert.False(t, slices.Contains(c.MasterAddresses, api.String()), "the API is the load balancer's")
	case v.FloatingIP:
		assert.Equal(t, c.MasterAddresses[0], api.String(), "the first master's floating IP")
	default:
		assert.Equal(t, c.MasterAddresses[0], api.String(), "the first master's private IP")
	}
}

// isFloating tells floating IPs (172.24.0.0/16 on heattest and the lab
// stand-ins) from private addresses.
func isFloating(a netip.Addr) bool { return netip.MustParsePrefix("172.24.0.0/16").Contains(a) }

func stringList(t *testing.T, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	require.True(t, ok, "want a list, got %T", v)
	out := make([]string, len(l))
	for i, x := range l {
		s, ok := x.(string)
		require.True(t, ok, "want strings, got %T", x)
		out[i] = s
	}
	return out
}

// lifecycleSubset is the representative part of the matrix run on the
// fake and the real Heat: each structural choice on and off at least once.
func lifecycleSubset() []variant {
	return []variant{
		{Masters: 1, Workers: 2},
		{Masters: 1, Workers: 2, FloatingIP: true, DockerVolume: true},
		{Masters: 3, Workers: 2, MasterLB: true, FloatingIP: true, EtcdVolume: true},
		{Masters: 3, Workers: 1, MasterLB: true, ExistingNetwork: true, TLSDisabled: true, Calico: true},
		{Masters: 1, Workers: 1, FloatingIP: true, TLSDisabled: true, ExistingNetwork: true},
	}
}
