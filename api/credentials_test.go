package api_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/template"
)

// credDriver is a toy ClusterDriver with credential rotation. Its
// clusters stay CREATE_IN_PROGRESS until ready is set.
type credDriver struct {
	ready atomic.Bool
	mu    sync.Mutex
	calls []string // cluster UUIDs
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
func (d *credDriver) Observe(_ context.Context, ts []driver.Target) (map[string]driver.Observation, error) {
	st := cluster.CreateInProgress
	if d.ready.Load() {
		st = cluster.CreateComplete
	}
	out := make(map[string]driver.Observation, len(ts))
	for _, t := range ts {
		out[t.ClusterID] = driver.Observation{Ref: "toy-" + t.ClusterID, Status: st}
	}
	return out, nil
}
func (d *credDriver) RotateCredential(_ context.Context, req *driver.Request) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, req.Cluster.UUID)
	return nil
}

func (d *credDriver) rotations() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.calls...)
}

// TestCredentialRotationOverHTTP drives PATCH /v1/credentials/{cluster}:
// 406 before 1.12, 409 while the cluster is being built, 202 with the
// cluster's UUID through a driver that rotates, 400 for the Heat
// Kubernetes driver, which cannot, and 404 for clusters the caller cannot
// see.
func TestCredentialRotationOverHTTP(t *testing.T) {
	toy := &credDriver{}
	reg, err := magnum.DefaultDrivers()
	require.NoError(t, err)
	require.NoError(t, reg.Register(toy))
	e := newEnvDrivers(t, true, 5*time.Millisecond, reg)
	k8sID := e.builtCluster(t)

	tr := e.do(t, "POST", "/v1/clustertemplates", "alice-token", "", `{"name":"toy","coe":"credtoy","image_id":"fedora-atomic-latest","flavor_id":"m1.small"}`)
	require.Equal(t, http.StatusCreated, tr.status, tr.raw)
	cr := e.do(t, "POST", "/v1/clusters", "alice-token", "latest", `{"name":"toy","cluster_template_id":"toy","keypair":"testkey"}`)
	require.Equal(t, http.StatusAccepted, cr.status, cr.raw)
	toyID := cr.body["uuid"].(string)

	busy := e.do(t, "PATCH", "/v1/credentials/toy", "alice-token", "1.12", "")
	assert.Equal(t, http.StatusConflict, busy.status, busy.raw)
	assert.Contains(t, errorOf(t, busy)["detail"], "CREATE_IN_PROGRESS")
	toy.ready.Store(true)
	e.waitCluster(t, toyID, "CREATE_COMPLETE")

	for _, v := range []string{"1.1", "1.11"} {
		r := e.do(t, "PATCH", "/v1/credentials/toy", "alice-token", v, "")
		assert.Equal(t, http.StatusNotAcceptable, r.status, "at %s: %s", v, r.raw)
		assert.Equal(t, "container-infra "+v, r.header.Get("OpenStack-API-Version"))
	}
	assert.Empty(t, toy.rotations(), "nothing rotated yet")

	for _, ident := range []string{"toy", toyID} {
		r := e.do(t, "PATCH", "/v1/credentials/"+ident, "alice-token", "1.12", "")
		require.Equal(t, http.StatusAccepted, r.status, r.raw)
		assert.Equal(t, map[string]any{"uuid": toyID}, r.body)
	}
	assert.Equal(t, []string{toyID, toyID}, toy.rotations(), "synchronous: done when answered")
	show := e.do(t, "GET", "/v1/clusters/toy", "alice-token", "latest", "")
	assert.Equal(t, "CREATE_COMPLETE", show.body["status"], "the status is left as it was")

	unsupported := e.do(t, "PATCH", "/v1/credentials/"+k8sID, "alice-token", "latest", "")
	assert.Equal(t, http.StatusBadRequest, unsupported.status, unsupported.raw)
	assert.Contains(t, errorOf(t, unsupported)["detail"], "credential rotation")

	assert.Equal(t, http.StatusNotFound, e.do(t, "PATCH", "/v1/credentials/toy", "bob-token", "1.12", "").status, "another project's")
	assert.Equal(t, http.StatusNotFound, e.do(t, "PATCH", "/v1/credentials/nope", "alice-token", "1.12", "").status)
	assert.Equal(t, http.StatusAccepted, e.do(t, "PATCH", "/v1/credentials/"+toyID, "admin-token", "1.12", "").status, "admins act on every project")
	other := e.do(t, "GET", "/v1/credentials/toy", "alice-token", "1.12", "")
	assert.Equal(t, http.StatusMethodNotAllowed, other.status, other.raw)
	assert.Equal(t, "PATCH", other.header.Get("Allow"))
	assert.Len(t, toy.rotations(), 3)
}
