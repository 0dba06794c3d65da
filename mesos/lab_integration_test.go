//go:build integration

package mesos_test

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/internal/labtest"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/openstack"
)

var marathonURL = regexp.MustCompile(`^http://(\d+\.\d+\.\d+\.\d+):8080$`)

// checkMapped asserts what ApplyOutputs wrote for a variant.
func checkMapped(t *testing.T, v variant, c *cluster.Cluster, groups []*cluster.NodeGroup, masters, slaves int) {
	t.Helper()
	m := marathonURL.FindStringSubmatch(c.APIAddress)
	require.NotNil(t, m, "api_address %q", c.APIAddress)
	assert.Len(t, c.MasterAddresses, masters)
	assert.Len(t, c.NodeAddresses, slaves)
	assert.Equal(t, c.MasterAddresses, groups[0].NodeAddresses)
	assert.Equal(t, c.NodeAddresses, groups[1].NodeAddresses)
	assert.Equal(t, masters, c.MasterCount)
	assert.Equal(t, slaves, c.NodeCount)
	floating := netip.MustParsePrefix("172.24.0.0/16")
	for _, a := range append(slices.Clone(c.MasterAddresses), c.NodeAddresses...) {
		addr, err := netip.ParseAddr(a)
		require.NoError(t, err)
		assert.Equal(t, v.FloatingIP, floating.Contains(addr), "public addresses iff floating IPs: %s", a)
	}
	if v.MasterLB {
		assert.NotContains(t, c.MasterAddresses, m[1], "Marathon is behind the load balancer")
	} else {
		assert.Equal(t, c.MasterAddresses[0], m[1], "Marathon on the first master")
	}
}

// TestLifecycleOnRealHeat creates representative stacks on a real Heat,
// scales the slaves up, scales down removing a chosen slave, and deletes.
// On the shared lab (one Heat engine on two cores) a variant takes minutes
// when other tests load it; give the run time:
//
//	. /tmp/openstack-lab/openrc && go test -tags integration -race -count=1 -timeout 30m ./mesos/...
func TestLifecycleOnRealHeat(t *testing.T) {
	o := labtest.Orchestrator(t, openstack.Config{})
	wait := openstack.WaitOptions{Interval: 300 * time.Millisecond, WithOutputs: true}
	prefix := fmt.Sprintf("mesos%d", time.Now().UnixNano()%1_000_000)
	d := mesos.New()
	for _, v := range []variant{
		// Each structural choice on and off at least once; the fake cloud
		// (drivertest, TestEveryVariantRenders) covers every combination.
		{Masters: 1, Workers: 1},
		{Masters: 1, Workers: 1, FloatingIP: true, DockerVolume: true, Rexray: true}, // the seed
		{Masters: 3, Workers: 1, MasterLB: true, FloatingIP: true, ExistingNetwork: true},
	} {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			in := input(t, v)
			in.StackName = fmt.Sprintf("%s-m%d-%t%t%t%t", prefix, v.Masters, v.MasterLB, v.FloatingIP, v.DockerVolume, v.ExistingNetwork)
			req, features, err := d.RenderCluster(in)
			require.NoError(t, err)
			labtest.WithStandIns(t, &req)
			id, err := o.CreateStack(ctx, req)
			require.NoError(t, err)
			deleted := false
			t.Cleanup(func() {
				if !deleted {
					_ = o.DeleteStack(context.Background(), id)
				}
			})
			s, err := openstack.Wait(ctx, o, id, wait)
			require.NoError(t, err)
			require.Equal(t, "CREATE_COMPLETE", s.Status, s.StatusReason)
			c, groups := in.Cluster, in.NodeGroups
			require.NoError(t, d.ApplyOutputs(s, features, c, groups))
			checkMapped(t, v, c, groups, v.Masters, v.Workers)
			slaves, err := mesos.Slaves(s)
			require.NoError(t, err)
			require.Len(t, slaves, v.Workers)

			// Scale up by one slave: the existing ones stay.
			groups[1].NodeCount = v.Workers + 1
			upd, err := d.ScaleUpdate(in, false)
			require.NoError(t, err)
			require.NoError(t, o.UpdateStack(ctx, id, upd))
			s, err = openstack.Wait(ctx, o, id, wait)
			require.NoError(t, err)
			require.Equal(t, "UPDATE_COMPLETE", s.Status, s.StatusReason)
			groups[1].NodeCount = 0 // read back from the stack
			require.NoError(t, d.ApplyOutputs(s, features, c, groups))
			checkMapped(t, v, c, groups, v.Masters, v.Workers+1)
			grown, err := mesos.Slaves(s)
			require.NoError(t, err)
			require.Len(t, grown, v.Workers+1)
			assert.Equal(t, slaves, grown[:v.Workers], "existing slaves keep their servers and addresses")

			// Scale down: the first slave is idle (Marathon knows no task on
			// it), the others are busy, so it is the one removed.
			tasks := taskCounts{m: map[string]int{}}
			for _, sl := range grown[1:] {
				tasks.m[sl.Host] = 1
			}
			victims, err := mesos.ChooseSlavesToRemove(ctx, mesos.ScaleDown{Slaves: grown, Count: v.Workers, Tasks: tasks})
			require.NoError(t, err)
			require.Equal(t, []string{grown[0].ServerID}, victims)
			groups[1].NodeCount = v.Workers
			in.SlavesToRemove = victims
			upd, err = d.ScaleUpdate(in, false)
			require.NoError(t, err)
			require.NoError(t, o.UpdateStack(ctx, id, upd))
			s, err = openstack.Wait(ctx, o, id, wait)
			require.NoError(t, err)
			require.Equal(t, "UPDATE_COMPLETE", s.Status, s.StatusReason)
			require.NoError(t, d.ApplyOutputs(s, features, c, groups))
			checkMapped(t, v, c, groups, v.Masters, v.Workers)
			left, err := mesos.Slaves(s)
			require.NoError(t, err)
			assert.Equal(t, grown[1:], left, "the chosen slave went, the others stayed")

			require.NoError(t, o.DeleteStack(ctx, id))
			_, err = openstack.Wait(ctx, o, id, wait)
			require.ErrorIs(t, err, errdefs.ErrNotFound)
			deleted = true
		})
	}
}
