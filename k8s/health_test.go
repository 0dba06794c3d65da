package k8s_test

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
)

// fakeAPI is a Kubernetes API server over TLS that requires a client
// certificate of the cluster CA and serves /healthz, nodes and pods.
type fakeAPI struct {
	srv    *httptest.Server
	ca     *x509.Certificate
	client *certs.KeyPair

	mu      sync.Mutex
	healthz string
	status  int
	nodes   []map[string]any
	pods    []map[string]any
	page    int      // items per page (0: all)
	users   []string // client certificate CNs seen
	paths   []string
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	ctx := context.Background()
	mgr, err := certs.New(certs.Config{})
	require.NoError(t, err)
	c := certs.Cluster{UUID: "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f", Name: "prod", ProjectID: "p", UserID: "u"}
	_, err = mgr.Create(ctx, c)
	require.NoError(t, err)
	ca, err := mgr.CA(ctx, c.UUID, certs.CAKubernetes)
	require.NoError(t, err)
	client, err := mgr.ClientKeyPair(ctx, c.UUID)
	require.NoError(t, err)
	// The API server's certificate, signed through the same policy.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "kubernetes"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}, key)
	require.NoError(t, err)
	serverCert, err := mgr.SignCSR(ctx, certs.SignRequest{Cluster: c, Requester: certs.Requester{Admin: true},
		CSR: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})})
	require.NoError(t, err)

	f := &fakeAPI{ca: ca, client: client, healthz: "ok", status: http.StatusOK}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	f.srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{serverCert.Raw}, PrivateKey: key}},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users = append(f.users, r.TLS.PeerCertificates[0].Subject.CommonName)
	f.paths = append(f.paths, r.URL.RequestURI())
	switch r.URL.Path {
	case "/healthz":
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.healthz)
	case "/api/v1/nodes":
		f.list(w, r, "NodeList", f.nodes)
	case "/api/v1/pods":
		f.list(w, r, "PodList", f.pods)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeAPI) list(w http.ResponseWriter, r *http.Request, kind string, items []map[string]any) {
	start := 0
	if c := r.URL.Query().Get("continue"); c != "" {
		fmt.Sscan(c, &start)
	}
	end := len(items)
	if f.page > 0 && start+f.page < end {
		end = start + f.page
	}
	meta := map[string]any{}
	if end < len(items) {
		meta["continue"] = fmt.Sprint(end)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"kind": kind, "apiVersion": "v1", "metadata": meta, "items": items[start:end]})
}

func nodeItem(name, ready string) map[string]any {
	return map[string]any{"metadata": map[string]any{"name": name},
		"status": map[string]any{"conditions": []any{
			map[string]any{"type": "MemoryPressure", "status": "False"},
			map[string]any{"type": "Ready", "status": ready}}}}
}

func podItem(node, phase, owner string, mirror bool) map[string]any {
	meta := map[string]any{"name": "p"}
	if owner != "" {
		meta["ownerReferences"] = []any{map[string]any{"kind": owner, "name": "o"}}
	}
	if mirror {
		meta["annotations"] = map[string]any{"kubernetes.io/config.mirror": "x"}
	}
	return map[string]any{"metadata": meta, "spec": map[string]any{"nodeName": node}, "status": map[string]any{"phase": phase}}
}

func (f *fakeAPI) target(features heat.Features) k8s.HealthTarget {
	return k8s.HealthTarget{
		Cluster:  &cluster.Cluster{Name: "prod", APIAddress: f.srv.URL},
		Features: features,
		CA:       f.ca, Client: f.client,
	}
}

var public = heat.Features{"master_lb": false, "floating_ip": true}

func TestHealthMonitor(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(f *fakeAPI)
		status  cluster.HealthStatus
		reasons map[string]string
	}{
		{"all ready", func(f *fakeAPI) {
			f.nodes = []map[string]any{nodeItem("n-0", "True"), nodeItem("n-1", "True")}
		}, cluster.Healthy, map[string]string{"api": "ok", "n-0.Ready": "True", "n-1.Ready": "True"}},
		{"a node not ready", func(f *fakeAPI) {
			f.nodes = []map[string]any{nodeItem("n-0", "True"), nodeItem("n-1", "False"), nodeItem("n-2", "Unknown")}
		}, cluster.Unhealthy, map[string]string{"api": "ok", "n-0.Ready": "True", "n-1.Ready": "False", "n-2.Ready": "Unknown"}},
		{"a node without conditions", func(f *fakeAPI) {
			f.nodes = []map[string]any{{"metadata": map[string]any{"name": "n-0"}}}
		}, cluster.Unhealthy, map[string]string{"api": "ok", "n-0.Ready": "Unknown"}},
		{"healthz failing", func(f *fakeAPI) {
			f.status, f.healthz = http.StatusInternalServerError, "[-]etcd failed: reason withheld"
			f.nodes = []map[string]any{nodeItem("n-0", "True")}
		}, cluster.Unhealthy, map[string]string{"api": "[-]etcd failed: reason withheld", "n-0.Ready": "True"}},
		{"hostile node names are cleaned", func(f *fakeAPI) {
			f.nodes = []map[string]any{nodeItem("n\n0\x1b[31m", "True")}
		}, cluster.Healthy, map[string]string{"api": "ok", "n 0 [31m.Ready": "True"}},
		{"many nodes over pages", func(f *fakeAPI) {
			f.page = 2
			for i := range 5 {
				f.nodes = append(f.nodes, nodeItem(fmt.Sprintf("n-%d", i), "True"))
			}
		}, cluster.Healthy, map[string]string{"api": "ok", "n-0.Ready": "True", "n-1.Ready": "True", "n-2.Ready": "True", "n-3.Ready": "True", "n-4.Ready": "True"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			tt.setup(f)
			var m k8s.HealthMonitor
			h := m.Check(context.Background(), f.target(public))
			assert.Equal(t, tt.status, h.Status)
			assert.Equal(t, tt.reasons, h.Reasons)
			for _, u := range f.users {
				assert.Equal(t, "admin", u, "the admin client certificate was presented")
			}
		})
	}
}

func TestHealthMonitorUnknown(t *testing.T) {
	f := newFakeAPI(t)
	var m k8s.HealthMonitor
	for _, features := range []heat.Features{
		{"master_lb": true, "lb_floating_ip": false, "floating_ip": true},
		{"master_lb": false, "floating_ip": false},
	} {
		h := m.Check(context.Background(), f.target(features))
		assert.Equal(t, cluster.Unknown, h.Status)
		assert.Equal(t, map[string]string{"api": "The cluster prod is not accessible."}, h.Reasons)
	}
	assert.Empty(t, f.paths, "a private cluster is not polled")

	// Reachable in principle, but nothing answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	tgt := f.target(public)
	tgt.Cluster.APIAddress = "https://" + addr
	h := m.Check(context.Background(), tgt)
	assert.Equal(t, cluster.Unknown, h.Status)
	assert.Contains(t, h.Reasons["api"], "not reachable")

	// A server the cluster CA does not vouch for is not trusted.
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }))
	defer other.Close()
	tgt.Cluster.APIAddress = other.URL
	h = m.Check(context.Background(), tgt)
	assert.Equal(t, cluster.Unknown, h.Status)

	// A cancelled poll is UNKNOWN.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h = m.Check(ctx, f.target(public))
	assert.Equal(t, cluster.Unknown, h.Status)

	h = m.Check(context.Background(), k8s.HealthTarget{Cluster: &cluster.Cluster{Name: "x"}, Features: public})
	assert.Equal(t, cluster.Unknown, h.Status, "no API address yet")
}

func TestHealthMonitorNodeListRefused(t *testing.T) {
	f := newFakeAPI(t)
	f.nodes = nil
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			fmt.Fprint(w, "ok")
			return
		}
		http.Error(w, "forbidden", http.StatusForbidden)
	}))
	defer srv.Close()
	m := k8s.HealthMonitor{Timeout: time.Second}
	h := m.Check(context.Background(), k8s.HealthTarget{Cluster: &cluster.Cluster{Name: "p", APIAddress: srv.URL}, Features: public})
	assert.Equal(t, cluster.Unhealthy, h.Status)
	assert.Equal(t, "ok", h.Reasons["api"], "plain http (TLS disabled) needs no credentials")
	assert.Contains(t, h.Reasons["nodes"], "403")
}

func TestHealthPolled(t *testing.T) {
	assert.True(t, k8s.HealthPolled(nil))
	assert.True(t, k8s.HealthPolled(labels.Labels{"auto_healing_enabled": "true"}), "draino does not report health")
	assert.False(t, k8s.HealthPolled(labels.Labels{"auto_healing_enabled": "true", "auto_healing_controller": "magnum-auto-healer"}))
	assert.True(t, k8s.HealthPolled(labels.Labels{"auto_healing_enabled": "false", "auto_healing_controller": "magnum-auto-healer"}))
}

func TestAPIReachable(t *testing.T) {
	assert.True(t, k8s.APIReachable(heat.Features{"master_lb": true, "lb_floating_ip": true}))
	assert.False(t, k8s.APIReachable(heat.Features{"master_lb": true, "lb_floating_ip": false, "floating_ip": true}))
	assert.True(t, k8s.APIReachable(heat.Features{"master_lb": false, "floating_ip": true}))
	assert.False(t, k8s.APIReachable(heat.Features{"master_lb": false, "floating_ip": false}))
	assert.False(t, k8s.APIReachable(nil))
}

func TestAPIClient(t *testing.T) {
	f := newFakeAPI(t)
	f.pods = []map[string]any{
		podItem("a", "Running", "ReplicaSet", false),
		podItem("a", "Running", "DaemonSet", false),
		podItem("a", "Pending", "", false),
		podItem("b", "Running", "DaemonSet", false),
		podItem("b", "Running", "", true),
		podItem("c", "Succeeded", "Job", false),
		podItem("", "Pending", "", false),
	}
	f.page = 3
	c, err := k8s.NewAPIClient(f.srv.URL, k8s.APIClientOptions{CA: f.ca, Client: f.client})
	require.NoError(t, err)
	w, err := c.Workloads(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"a": 2}, w, "DaemonSet, mirror, finished and unscheduled pods do not count")
	assert.Contains(t, f.paths, "/api/v1/pods?continue=3&fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed&limit=500")

	_, err = k8s.NewAPIClient(f.srv.URL, k8s.APIClientOptions{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid, "https needs credentials")
	_, err = k8s.NewAPIClient("ftp://x", k8s.APIClientOptions{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)

	// Oversized or malformed answers are errors, not crashes.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/nodes" {
			fmt.Fprint(w, `{"kind": "PodList", "items": []}`)
			return
		}
		fmt.Fprint(w, strings.Repeat("x", 5000))
	}))
	defer bad.Close()
	c, err = k8s.NewAPIClient(bad.URL, k8s.APIClientOptions{})
	require.NoError(t, err)
	_, _, err = c.Healthz(context.Background())
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = c.Nodes(context.Background())
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}
