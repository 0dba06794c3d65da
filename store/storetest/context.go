package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

// testCancellation calls every method with an ended context: each returns
// an error wrapping the context's, and no write happens.
func testCancellation(t *testing.T, e *env) {
	s := e.s
	tm := e.template()
	c := e.cluster(tm.UUID)
	g := e.group(c)
	newT := e.newTemplate()
	newC, newGroups := e.newCluster(tm.UUID)
	newG := e.newGroup(c)
	upT, upC, upG := tm.Clone(), c.Clone(), g.Clone()
	upT.Name, upC.Name, upG.Name = "changed", "changed", "changed"

	leaseAt := e.now()
	calls := map[string]func(ctx context.Context) error{
		"CreateTemplate": func(ctx context.Context) error { return s.CreateTemplate(ctx, newT) },
		"GetTemplate":    func(ctx context.Context) error { _, err := s.GetTemplate(ctx, tm.UUID); return err },
		"FindTemplate": func(ctx context.Context) error {
			_, err := s.FindTemplate(ctx, store.TemplateFilter{}, tm.Name)
			return err
		},
		"ListTemplates": func(ctx context.Context) error {
			_, err := s.ListTemplates(ctx, store.TemplateFilter{}, store.Page{})
			return err
		},
		"UpdateTemplate": func(ctx context.Context) error { return s.UpdateTemplate(ctx, upT) },
		"DeleteTemplate": func(ctx context.Context) error { return s.DeleteTemplate(ctx, newT.UUID, 0) },
		"CreateCluster":  func(ctx context.Context) error { return s.CreateCluster(ctx, newC, newGroups) },
		"GetCluster":     func(ctx context.Context) error { _, err := s.GetCluster(ctx, c.UUID); return err },
		"FindCluster": func(ctx context.Context) error {
			_, err := s.FindCluster(ctx, store.ClusterFilter{}, c.Name)
			return err
		},
		"ListClusters": func(ctx context.Context) error {
			_, err := s.ListClusters(ctx, store.ClusterFilter{}, store.Page{})
			return err
		},
		"CountClusters":   func(ctx context.Context) error { _, err := s.CountClusters(ctx, store.ClusterFilter{}); return err },
		"UpdateCluster":   func(ctx context.Context) error { return s.UpdateCluster(ctx, upC) },
		"DeleteCluster":   func(ctx context.Context) error { return s.DeleteCluster(ctx, c.UUID, 0) },
		"CreateNodeGroup": func(ctx context.Context) error { return s.CreateNodeGroup(ctx, newG) },
		"GetNodeGroup":    func(ctx context.Context) error { _, err := s.GetNodeGroup(ctx, g.UUID); return err },
		"FindNodeGroup":   func(ctx context.Context) error { _, err := s.FindNodeGroup(ctx, c.UUID, g.Name); return err },
		"ListNodeGroups": func(ctx context.Context) error {
			_, err := s.ListNodeGroups(ctx, store.NodeGroupFilter{}, store.Page{})
			return err
		},
		"UpdateNodeGroup": func(ctx context.Context) error { return s.UpdateNodeGroup(ctx, upG) },
		"DeleteNodeGroup": func(ctx context.Context) error { return s.DeleteNodeGroup(ctx, g.UUID, 0) },
		"CreateClusterWithin": func(ctx context.Context) error {
			return s.CreateClusterWithin(ctx, newC, newGroups, store.Quota{Clusters: store.AtMost(100), Nodes: store.AtMost(100)})
		},
		"UpdateClusterWithin": func(ctx context.Context) error {
			return s.UpdateClusterWithin(ctx, upC, store.Quota{Nodes: store.AtMost(100)})
		},
		"UpdateClusterGroups": func(ctx context.Context) error {
			return s.UpdateClusterGroups(ctx, upC, []*cluster.NodeGroup{upG}, store.Quota{Nodes: store.AtMost(100)})
		},
		"HeartbeatService": func(ctx context.Context) error {
			return s.HeartbeatService(ctx, &store.Service{Host: "h", Binary: "b"}, time.Now())
		},
		"ListServices":  func(ctx context.Context) error { _, err := s.ListServices(ctx); return err },
		"DeleteService": func(ctx context.Context) error { return s.DeleteService(ctx, "kept", "b") },
		"AcquireLease": func(ctx context.Context) error {
			_, err := s.AcquireLease(ctx, "new-lease", "h", leaseAt, time.Hour)
			return err
		},
		"ReleaseLease": func(ctx context.Context) error { return s.ReleaseLease(ctx, "kept-lease", "h") },
		"RenewLeases": func(ctx context.Context) error {
			_, err := s.RenewLeases(ctx, "h", []string{"kept-lease"}, leaseAt.Add(time.Minute), 2*time.Hour)
			return err
		},
	}
	require.NoError(t, s.HeartbeatService(e.ctx, &store.Service{Host: "kept", Binary: "b"}, e.now()))
	held, err := s.AcquireLease(e.ctx, "kept-lease", "h", leaseAt, time.Hour)
	require.NoError(t, err)
	require.True(t, held)

	cancelled, cancel := context.WithCancel(e.ctx)
	cancel()
	expired, cancel2 := context.WithDeadline(e.ctx, time.Now().Add(-time.Second))
	defer cancel2()
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			assert.ErrorIs(t, call(cancelled), context.Canceled)
			assert.ErrorIs(t, call(expired), context.DeadlineExceeded)
		})
	}

	// Nothing was written.
	ctx := e.ctx
	_, err = s.GetTemplate(ctx, newT.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = s.GetCluster(ctx, newC.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = s.GetNodeGroup(ctx, newG.UUID)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	gotT, err := s.GetTemplate(ctx, tm.UUID)
	require.NoError(t, err)
	assert.Equal(t, tm, gotT)
	gotC, err := s.GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, c, gotC)
	gotG, err := s.GetNodeGroup(ctx, g.UUID)
	require.NoError(t, err)
	assert.Equal(t, g, gotG)
	svcs, err := s.ListServices(ctx)
	require.NoError(t, err)
	require.Len(t, svcs, 1, "no heartbeat stored, the service not deleted")
	assert.Equal(t, "kept", svcs[0].Host)
	assert.Equal(t, int64(1), svcs[0].ReportCount)
	held, err = s.AcquireLease(ctx, "kept-lease", "other", leaseAt.Add(time.Minute), time.Hour)
	require.NoError(t, err)
	assert.False(t, held, "the lease was not released")
	held, err = s.AcquireLease(ctx, "kept-lease", "other", leaseAt.Add(time.Hour), time.Hour)
	require.NoError(t, err)
	assert.True(t, held, "the lease was not renewed: it expired an hour after it was taken")
	held, err = s.AcquireLease(ctx, "new-lease", "other", leaseAt.Add(time.Minute), time.Hour)
	require.NoError(t, err)
	assert.True(t, held, "the lease was not granted")
}

// testClosed shows a closed store refuses work as unavailable.
func testClosed(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	require.NoError(t, s.Close())
	_, err := s.GetTemplate(ctx, tm.UUID)
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	_, err = s.ListClusters(ctx, store.ClusterFilter{}, store.Page{})
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	assert.ErrorIs(t, s.CreateTemplate(ctx, e.newTemplate()), errdefs.ErrUnavailable)
	c, groups := e.newCluster(tm.UUID)
	c.Revision = 1
	for _, g := range groups {
		g.Revision = 1
	}
	assert.ErrorIs(t, s.UpdateClusterGroups(ctx, c, groups, store.Quota{}), errdefs.ErrUnavailable)
	assert.ErrorIs(t, s.UpdateClusterWithin(ctx, c, store.Quota{}), errdefs.ErrUnavailable)
	_, err = s.ListServices(ctx)
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	assert.ErrorIs(t, s.HeartbeatService(ctx, &store.Service{Host: "h", Binary: "b"}, e.now()), errdefs.ErrUnavailable)
	_, err = s.AcquireLease(ctx, "l", "h", e.now(), time.Second)
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	assert.ErrorIs(t, s.ReleaseLease(ctx, "l", "h"), errdefs.ErrUnavailable)
	_, err = s.RenewLeases(ctx, "h", []string{"l"}, e.now(), time.Second)
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
}
