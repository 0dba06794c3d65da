package swarm_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
)

func noSleep(context.Context, time.Duration) error { return nil }

// TestLifecycleOnFakeHeat runs the representative variants through create,
// scale up, scale down and delete on heattest, through gophercloud.
func TestLifecycleOnFakeHeat(t *testing.T) {
	srv := heattest.New(heattest.Options{PollsToComplete: 1, Seed: 11})
	t.Cleanup(srv.Close)
	ao := srv.AuthOptions()
	cloud, err := openstack.Connect(context.Background(), openstack.ConnectOptions{Auth: &ao})
	require.NoError(t, err)
	o, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	lr := lifecycleRun{o: o, wait: openstack.WaitOptions{Sleep: noSleep, WithOutputs: true}, prefix: "fake"}
	for _, v := range append(lifecycleSubset(), labSubset()...) {
		t.Run(v.suffix(), func(t *testing.T) { lr.run(t, v) })
	}
}
