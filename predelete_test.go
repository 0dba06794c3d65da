package magnum_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/k8s"
)

// cleaningDriver is the Kubernetes driver with a pre-delete cleanup.
type cleaningDriver struct {
	*k8s.Driver
	calls atomic.Int32
	fn    func(ctx context.Context) error
}

func (d *cleaningDriver) PreDelete(ctx context.Context, req *driver.Request) error {
	d.calls.Add(1)
	if req.Cluster == nil || req.Cluster.StackID == "" {
		return errors.New("no cluster or stack in the request")
	}
	return d.fn(ctx)
}

func TestPreDeleteRunsBeforeTheDeleteAndNeverBlocksIt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fn     func(ctx context.Context) error
		reason string
	}{
		{"cleaned", func(context.Context) error { return nil }, ""},
		{"failed", func(context.Context) error { return errors.New("2 load balancers left") }, "2 load balancers left"},
		{"stuck", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, "deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &cleaningDriver{Driver: k8s.NewFedoraAtomic(), fn: tc.fn}
			reg, err := driver.NewRegistry(d)
			require.NoError(t, err)
			e := newCloudEnv(t, magnum.Config{Drivers: reg, PreDeleteTimeout: 50 * time.Millisecond})
			ctx := as(alice)
			_, err = e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
			require.NoError(t, err)
			c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "lb", ClusterTemplate: "k8s"})
			require.NoError(t, err)
			syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)

			require.NoError(t, e.m.DeleteCluster(ctx, "lb"))
			require.NoError(t, e.m.Drain(ctx))
			assert.Equal(t, int32(1), d.calls.Load(), "called once, before the delete")
			if tc.reason != "" {
				got, err := e.m.Store().GetCluster(context.Background(), c.UUID)
				require.NoError(t, err)
				assert.Contains(t, got.StatusReason, tc.reason, "the reason is recorded")
			}
			syncUntil(t, e, ctx, c.UUID, cluster.DeleteComplete) // and the delete completes anyway
		})
	}
}
