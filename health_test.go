package magnum_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
)

// healthAPI is a cluster's Kubernetes API on a local TLS server: its
// certificate is signed by the cluster's CA, it demands a client
// certificate of that CA, and it serves /healthz and the node list.
type healthAPI struct {
	srv *httptest.Server

	mu      sync.Mutex
	nodes   map[string]string // name → Ready condition
	users   []string          // client certificate CNs seen
	entered chan struct{}     // when set, a node list signals it…
	release chan struct{}     // …and waits for this
}

func (a *healthAPI) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.users = append(a.users, r.TLS.PeerCertificates[0].Subject.CommonName)
	var entered, release chan struct{}
	if r.URL.Path == "/api/v1/nodes" {
		entered, release = a.entered, a.release
		a.entered = nil
	}
	a.mu.Unlock()
	switch r.URL.Path {
	case "/healthz":
		fmt.Fprint(w, "ok")
	case "/api/v1/nodes":
		if entered != nil {
			close(entered)
			<-release
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		var items []any
		for name, ready := range a.nodes {
			items = append(items, map[string]any{"metadata": map[string]any{"name": name},
				"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": ready}}}})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "NodeList", "metadata": map[string]any{}, "items": items})
	default:
		http.NotFound(w, r)
	}
}

func (a *healthAPI) setNodes(nodes map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.nodes = nodes
}

func (a *healthAPI) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.users...)
}

// block makes the next node list wait until the returned release is
// called; entered is closed when it starts waiting.
func (a *healthAPI) block() (entered <-chan struct{}, release func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	in, out := make(chan struct{}), make(chan struct{})
	a.entered, a.release = in, out
	return in, sync.OnceFunc(func() { close(out) })
}

// newHealthAPI starts the API of cluster c with a server certificate the
// Manager's certificate authority signs for 127.0.0.1.
func newHealthAPI(t *testing.T, e *cloudEnv, c *cluster.Cluster) *healthAPI {
	t.Helper()
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "kubernetes"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}, key)
	require.NoError(t, err)
	serverCert, err := e.m.Certs().SignCSR(ctx, certs.SignRequest{
		Cluster:   certs.Cluster{UUID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, UserID: c.UserID},
		Requester: certs.Requester{Admin: true},
		CSR:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})})
	require.NoError(t, err)
	ca, err := e.m.Certs().CA(ctx, c.UUID, certs.CAKubernetes)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(ca)

	a := &healthAPI{nodes: map[string]string{}}
	a.srv = httptest.NewUnstartedServer(http.HandlerFunc(a.serve))
	a.srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{serverCert.Raw}, PrivateKey: key}},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	}
	a.srv.StartTLS()
	t.Cleanup(a.srv.Close)
	return a
}

// healthCluster creates a Kubernetes cluster on the fake cloud and waits
// until it is complete.
func healthCluster(t *testing.T, e *cloudEnv, name string, labels map[string]string) *cluster.Cluster {
	t.Helper()
	ctx := as(alice)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: name, ClusterTemplate: "k8s", Labels: labels, MergeLabels: true})
	require.NoError(t, err)
	return syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
}

// pointAt records addr as the cluster's API address. The fake cloud gives
// clusters addresses nothing listens on; a real cluster's API would be at
// the address its stack reports, so the test writes it in the store, as
// sync would have from the stack's outputs.
func pointAt(t *testing.T, e *cloudEnv, id, addr string, also ...func(*cluster.Cluster)) {
	t.Helper()
	ctx := context.Background()
	c, err := e.m.Store().GetCluster(ctx, id)
	require.NoError(t, err)
	c.APIAddress = addr
	for _, f := range also {
		f(c)
	}
	require.NoError(t, e.m.Store().UpdateCluster(ctx, c))
}

func closedAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "https://" + addr
}

func newHealthEnv(t *testing.T) *cloudEnv {
	t.Helper()
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	_, err := e.m.CreateClusterTemplate(as(alice), fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	return e
}

var autoHealer = map[string]string{"auto_healing_enabled": "true", "auto_healing_controller": "magnum-auto-healer"}

func TestHealthPass(t *testing.T) {
	e := newHealthEnv(t)
	ctx := context.Background()

	healthy := healthCluster(t, e, "healthy", nil)
	healthyAPI := newHealthAPI(t, e, healthy)
	healthyAPI.setNodes(map[string]string{"m-0": "True", "w-0": "True"})
	pointAt(t, e, healthy.UUID, healthyAPI.srv.URL)

	sick := healthCluster(t, e, "sick", nil)
	sickAPI := newHealthAPI(t, e, sick)
	sickAPI.setNodes(map[string]string{"m-0": "True", "w-0": "True", "w-1": "False"})
	pointAt(t, e, sick.UUID, sickAPI.srv.URL)

	gone := healthCluster(t, e, "gone", nil)
	pointAt(t, e, gone.UUID, closedAddress(t))

	// magnum-auto-healer reports this one's health itself.
	healed := healthCluster(t, e, "healed", autoHealer)
	healedAPI := newHealthAPI(t, e, healed)
	pointAt(t, e, healed.UUID, healedAPI.srv.URL)

	// Not settled: not polled.
	failed := healthCluster(t, e, "failed", nil)
	failedAPI := newHealthAPI(t, e, failed)
	pointAt(t, e, failed.UUID, failedAPI.srv.URL, func(c *cluster.Cluster) { c.Status = cluster.UpdateFailed })

	require.NoError(t, e.m.CheckHealthOnce(ctx))

	get := func(id string) *cluster.Cluster {
		c, err := e.m.Store().GetCluster(ctx, id)
		require.NoError(t, err)
		return c
	}
	c := get(healthy.UUID)
	assert.Equal(t, cluster.Healthy, c.HealthStatus)
	assert.Equal(t, map[string]string{"api": "ok", "m-0.Ready": "True", "w-0.Ready": "True"}, c.HealthStatusReason)
	assert.NotEmpty(t, healthyAPI.seen())
	for _, cn := range healthyAPI.seen() {
		assert.Equal(t, "admin", cn, "the cluster's admin client certificate was presented")
	}

	c = get(sick.UUID)
	assert.Equal(t, cluster.Unhealthy, c.HealthStatus)
	assert.Equal(t, map[string]string{"api": "ok", "m-0.Ready": "True", "w-0.Ready": "True", "w-1.Ready": "False"}, c.HealthStatusReason)

	c = get(gone.UUID)
	assert.Equal(t, cluster.Unknown, c.HealthStatus)
	assert.Contains(t, c.HealthStatusReason["api"], "not reachable")

	c = get(healed.UUID)
	assert.Empty(t, c.HealthStatus, "an auto-healed cluster is not polled")
	assert.Empty(t, healedAPI.seen())

	c = get(failed.UUID)
	assert.Empty(t, c.HealthStatus)
	assert.Empty(t, failedAPI.seen(), "a failed cluster is not polled")

	// The healer's report arrives through UpdateCluster, and later
	// passes leave it alone.
	c, err := e.m.UpdateCluster(as(alice), healed.UUID, ops(t,
		`[{"op":"replace","path":"/health_status","value":"UNHEALTHY"},{"op":"replace","path":"/health_status_reason","value":{"w-0.Ready":"False"}}]`),
		magnum.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, cluster.Unhealthy, c.HealthStatus)

	// A pass that finds the same health writes nothing; one that finds a
	// change writes it.
	rev := get(healthy.UUID).Revision
	sickAPI.setNodes(map[string]string{"m-0": "True", "w-0": "True", "w-1": "True"})
	require.NoError(t, e.m.CheckHealthOnce(ctx))
	assert.Equal(t, rev, get(healthy.UUID).Revision, "unchanged health is not rewritten")
	c = get(sick.UUID)
	assert.Equal(t, cluster.Healthy, c.HealthStatus)
	assert.Equal(t, "True", c.HealthStatusReason["w-1.Ready"])
	c = get(healed.UUID)
	assert.Equal(t, cluster.Unhealthy, c.HealthStatus)
	assert.Equal(t, map[string]string{"w-0.Ready": "False"}, c.HealthStatusReason)
	assert.Empty(t, healedAPI.seen())
}

// TestHealthPassKeepsConcurrentChanges changes a cluster while its poll
// waits in the node list: a health report made meanwhile is not
// overwritten, and another change survives the health write.
func TestHealthPassKeepsConcurrentChanges(t *testing.T) {
	e := newHealthEnv(t)
	ctx := context.Background()
	c := healthCluster(t, e, "busy", nil)
	api := newHealthAPI(t, e, c)
	api.setNodes(map[string]string{"m-0": "True", "w-0": "True"})
	pointAt(t, e, c.UUID, api.srv.URL)

	during := func(change func()) {
		t.Helper()
		entered, release := api.block()
		defer release()
		done := make(chan error, 1)
		go func() { done <- e.m.CheckHealthOnce(ctx) }()
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the pass never listed the nodes")
		}
		change()
		release()
		require.NoError(t, <-done)
	}

	// An external healer's report made while the poll runs stands.
	during(func() {
		_, err := e.m.UpdateCluster(as(alice), c.UUID, ops(t,
			`[{"op":"replace","path":"/health_status","value":"UNHEALTHY"},{"op":"replace","path":"/health_status_reason","value":{"healer":"w-0 rebooting"}}]`),
			magnum.UpdateOptions{})
		require.NoError(t, err)
	})
	got, err := e.m.Store().GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, cluster.Unhealthy, got.HealthStatus)
	assert.Equal(t, map[string]string{"healer": "w-0 rebooting"}, got.HealthStatusReason)

	// Another change made while the poll runs survives the health write.
	during(func() {
		pointAt(t, e, c.UUID, api.srv.URL, func(x *cluster.Cluster) { x.StatusReason = "changed meanwhile" })
	})
	got, err = e.m.Store().GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, cluster.Healthy, got.HealthStatus)
	assert.Equal(t, map[string]string{"api": "ok", "m-0.Ready": "True", "w-0.Ready": "True"}, got.HealthStatusReason)
	assert.Equal(t, "changed meanwhile", got.StatusReason)
}

// TestHealthPassCancelled ends a pass whose poll hangs.
func TestHealthPassCancelled(t *testing.T) {
	e := newHealthEnv(t)
	c := healthCluster(t, e, "hung", nil)
	api := newHealthAPI(t, e, c)
	pointAt(t, e, c.UUID, api.srv.URL)
	entered, release := api.block()
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.m.CheckHealthOnce(ctx) }()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the pass never listed the nodes")
	}
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("the pass ignored cancellation")
	}
	release()
	got, err := e.m.Store().GetCluster(context.Background(), c.UUID)
	require.NoError(t, err)
	assert.Empty(t, got.HealthStatus, "an interrupted poll writes nothing")
}
