package magnum_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/template"
)

// credDriver is a toy ClusterDriver with driver.CredentialRotator: its
// clusters are complete as soon as they are created, and it records the
// rotations asked of it.
type credDriver struct {
	mu    sync.Mutex
	calls []*driver.Request
	fail  error
}

var _ driver.CredentialRotator = (*credDriver)(nil)

func (*credDriver) Info() driver.Info {
	return driver.Info{
		Name:         "credtoy_v1",
		Tuples:       []driver.Tuple{{ServerType: "vm", OSDistro: "fedora-atomic", COE: "credtoy"}},
		Capabilities: template.Capabilities{COE: "credtoy", ServerTypes: []string{"vm"}},
	}
}
func (*credDriver) Validate(*driver.Request) error { return nil }
func (*credDriver) Create(_ context.Context, req *driver.Request) (string, error) {
	return "toy-" + req.Cluster.UUID, nil
}
func (*credDriver) Resize(context.Context, *driver.Request) error { return nil }
func (*credDriver) Delete(context.Context, *driver.Request) error { return nil }
func (*credDriver) Finish(context.Context, *driver.Request) error { return nil }
func (*credDriver) Faults(context.Context, *driver.Request) (map[string]string, error) {
	return nil, nil
}
func (d *credDriver) Observer() driver.Observer { return d }
func (*credDriver) Observe(_ context.Context, ts []driver.Target) (map[string]driver.Observation, error) {
	out := make(map[string]driver.Observation, len(ts))
	for _, t := range ts {
		out[t.ClusterID] = driver.Observation{Ref: "toy-" + t.ClusterID, Status: cluster.CreateComplete}
	}
	return out, nil
}
func (d *credDriver) RotateCredential(_ context.Context, req *driver.Request) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, req)
	return d.fail
}

func (d *credDriver) rotations() []*driver.Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*driver.Request(nil), d.calls...)
}

// TestRotateCredential rotates through a driver that can: synchronously,
// with the cluster's node access, its status untouched; and refuses
// callers without the right, unsettled clusters and failing drivers.
func TestRotateCredential(t *testing.T) {
	toy := &credDriver{}
	reg, err := driver.NewRegistry(toy)
	require.NoError(t, err)
	e := newCloudEnv(t, magnum.Config{Drivers: reg})
	ctx := as(alice)
	_, err = e.m.CreateClusterTemplate(ctx, &template.ClusterTemplate{Name: "toy", COE: "credtoy", ImageID: "fedora-atomic-latest", FlavorID: "m1.small"})
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "c1", ClusterTemplate: "toy", KeyPair: "testkey"})
	require.NoError(t, err)

	// Not while the create runs.
	_, err = e.m.RotateCredential(ctx, "c1")
	require.ErrorIs(t, err, errdefs.ErrConflict)
	assert.Contains(t, err.Error(), "CREATE_IN_PROGRESS")
	assert.Empty(t, toy.rotations())

	done := syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	got, err := e.m.RotateCredential(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, c.UUID, got.UUID)
	calls := toy.rotations()
	require.Len(t, calls, 1)
	assert.Equal(t, c.UUID, calls[0].Cluster.UUID)
	assert.Equal(t, "toy", calls[0].Template.Name)
	assert.Equal(t, "trustee-1", calls[0].Nodes.Trustee.UserID, "the driver gets the node access")
	assert.NotEmpty(t, calls[0].Nodes.CACerts)
	after, err := e.m.GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, cluster.CreateComplete, after.Status, "a synchronous call leaves the status")
	assert.Equal(t, done.Revision, after.Revision, "nor changes the record")

	// By UUID too, and by an admin; others do not see the cluster.
	_, err = e.m.RotateCredential(as(admin), c.UUID)
	require.NoError(t, err)
	_, err = e.m.RotateCredential(as(bob), c.UUID)
	require.Error(t, err)
	assert.True(t, errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, errdefs.ErrForbidden), "%v", err)
	_, err = e.m.RotateCredential(ctx, "nope")
	require.ErrorIs(t, err, errdefs.ErrNotFound)
	assert.Len(t, toy.rotations(), 2)

	// A driver failure comes back with its kind.
	toy.mu.Lock()
	toy.fail = &errdefs.Error{Kind: errdefs.ErrUnavailable, Reason: "identity service down"}
	toy.mu.Unlock()
	_, err = e.m.RotateCredential(ctx, "c1")
	require.ErrorIs(t, err, errdefs.ErrUnavailable)
}

// TestRotateCredentialUnsupported: the Heat Kubernetes driver has no
// credential rotation, so the call is ErrUnsupported (the API's 400).
func TestRotateCredentialUnsupported(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "k", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	_, err = e.m.RotateCredential(ctx, "k")
	require.ErrorIs(t, err, errdefs.ErrUnsupported)
	assert.Contains(t, err.Error(), "credential rotation")
	// Nor is the driver itself one (the Heat backend wraps it).
	_, isRot := any(k8s.NewFedoraAtomic()).(driver.CredentialRotator)
	assert.False(t, isRot)
}
