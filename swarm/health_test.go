package swarm_test

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

// managerInfo is a classic swarm manager's /info with the given nodes
// (name → status, error).
func managerInfo(nodes ...[3]string) []byte {
	status := [][2]string{{"Role", "primary"}, {"Strategy", "spread"}, {"Filters", "health, port"}, {"Nodes", strconv.Itoa(len(nodes))}}
	for i, n := range nodes {
		status = append(status,
			[2]string{" " + n[0], "10.0.0." + strconv.Itoa(i+1) + ":2375"},
			[2]string{"  └ ID", "ABCD:" + n[0]},
			[2]string{"  └ Status", n[1]},
			[2]string{"  └ Containers", "0 (0 Running, 0 Paused, 0 Stopped)"},
			[2]string{"  └ Error", n[2]},
			[2]string{"  └ UpdatedAt", "2024-01-01T00:00:00Z"})
	}
	b, _ := json.Marshal(map[string]any{"Containers": 0, "SystemStatus": status, "ServerVersion": "swarm/1.2.9"})
	return b
}

// dockerAPI serves /_ping and /info over TLS with client certificates
// required, recording the client's common name.
type dockerAPI struct {
	srv       *httptest.Server
	ping      int
	info      []byte
	clientCNs []string
}

func newDockerAPI(t *testing.T, p *testPKI, tlsOn bool, info []byte) *dockerAPI {
	t.Helper()
	d := &dockerAPI{ping: http.StatusOK, info: info}
	d.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			d.clientCNs = append(d.clientCNs, r.TLS.PeerCertificates[0].Subject.CommonName)
		}
		switch r.URL.Path {
		case "/_ping":
			w.WriteHeader(d.ping)
			if d.ping == http.StatusOK {
				_, _ = w.Write([]byte("OK"))
			}
		case "/info":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(d.info)
		default:
			http.NotFound(w, r)
		}
	}))
	d.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	if tlsOn {
		d.srv.TLS = p.serverTLS()
		d.srv.StartTLS()
	} else {
		d.srv.Start()
	}
	t.Cleanup(d.srv.Close)
	return d
}

func (d *dockerAPI) address() string { return "tcp://" + d.srv.Listener.Addr().String() }

func reachable(tlsDisabled bool) heat.Features {
	return heat.Features{"master_lb": false, "floating_ip": true, "lb_floating_ip": false, "tls_disabled": tlsDisabled}
}

func TestHealthMonitor(t *testing.T) {
	p := newTestPKI(t)
	healthy := [3]string{"prod-node-0", "Healthy", "(none)"}
	tests := []struct {
		name    string
		info    []byte
		ping    int
		nodes   int
		status  cluster.HealthStatus
		reasons map[string]string
	}{
		{"healthy", managerInfo(healthy, [3]string{"prod-node-1", "Healthy", "(none)"}), 200, 2, cluster.Healthy,
			map[string]string{"api": "OK", "prod-node-0.Ready": "True", "prod-node-1.Ready": "True"}},
		{"a node pending", managerInfo(healthy, [3]string{"prod-node-1", "Pending", "cannot connect: x509: bad certificate"}), 200, 2, cluster.Unhealthy,
			map[string]string{"api": "OK", "prod-node-0.Ready": "True", "prod-node-1.Ready": "Unknown", "prod-node-1.Error": "cannot connect: x509: bad certificate"}},
		{"a node unhealthy", managerInfo([3]string{"prod-node-0", "Unhealthy", "(none)"}), 200, 1, cluster.Unhealthy,
			map[string]string{"api": "OK", "prod-node-0.Ready": "False"}},
		{"a node missing", managerInfo(healthy), 200, 2, cluster.Unhealthy,
			map[string]string{"api": "OK", "prod-node-0.Ready": "True", "nodes": "1 of 2 nodes joined"}},
		{"ping fails", managerInfo(healthy), 500, 1, cluster.Unhealthy,
			map[string]string{"api": "_ping answered 500 ", "prod-node-0.Ready": "True"}},
		{"info is garbage", []byte("<html>"), 200, 1, cluster.Unhealthy,
			map[string]string{"api": "OK", "nodes": "info is not a JSON object"}},
		{"no nodes yet", managerInfo(), 200, 0, cluster.Healthy, map[string]string{"api": "OK"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDockerAPI(t, p, true, tt.info)
			d.ping = tt.ping
			var m swarm.HealthMonitor
			h := m.Check(t.Context(), swarm.HealthTarget{
				Cluster:  &cluster.Cluster{Name: "prod", APIAddress: d.address(), NodeCount: tt.nodes},
				Features: reachable(false), CA: p.ca, Client: p.client,
			})
			assert.Equal(t, tt.status, h.Status)
			assert.Equal(t, tt.reasons, h.Reasons)
			assert.Contains(t, d.clientCNs, "admin", "the poll presents the client certificate")
		})
	}
}

func TestHealthMonitorUnknown(t *testing.T) {
	p := newTestPKI(t)
	other := newTestPKI(t)
	info := managerInfo([3]string{"n0", "Healthy", "(none)"})
	check := func(ctx context.Context, target swarm.HealthTarget) swarm.Health {
		var m swarm.HealthMonitor
		return m.Check(ctx, target)
	}
	t.Run("unreachable", func(t *testing.T) {
		d := newDockerAPI(t, p, true, info)
		addr := d.address()
		d.srv.Close()
		h := check(t.Context(), swarm.HealthTarget{Cluster: &cluster.Cluster{Name: "prod", APIAddress: addr}, Features: reachable(false), CA: p.ca, Client: p.client})
		assert.Equal(t, cluster.Unknown, h.Status)
		assert.True(t, strings.HasPrefix(h.Reasons["api"], "not reachable: "), h.Reasons["api"])
	})
	t.Run("cancelled", func(t *testing.T) {
		d := newDockerAPI(t, p, true, info)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		h := check(ctx, swarm.HealthTarget{Cluster: &cluster.Cluster{Name: "prod", APIAddress: d.address()}, Features: reachable(false), CA: p.ca, Client: p.client})
		assert.Equal(t, cluster.Unknown, h.Status)
		assert.Equal(t, "not reachable: context canceled", h.Reasons["api"])
		assert.Empty(t, d.clientCNs, "nothing was asked")
	})
	t.Run("server of another CA", func(t *testing.T) {
		d := newDockerAPI(t, other, true, info)
		h := check(t.Context(), swarm.HealthTarget{Cluster: &cluster.Cluster{Name: "prod", APIAddress: d.address()}, Features: reachable(false), CA: p.ca, Client: p.client})
		assert.Equal(t, cluster.Unknown, h.Status)
		assert.Contains(t, h.Reasons["api"], "certificate")
	})
	t.Run("client of another CA", func(t *testing.T) {
		d := newDockerAPI(t, p, true, info)
		h := check(t.Context(), swarm.HealthTarget{Cluster: &cluster.Cluster{Name: "prod", APIAddress: d.address()}, Features: reachable(false), CA: p.ca, Client: other.client})
		assert.Equal(t, cluster.Unknown, h.Status)
	})
	t.Run("not reachable from outside", func(t *testing.T) {
		d := newDockerAPI(t, p, true, info)
		for _, f := range []heat.Features{
			{"master_lb": false, "floating_ip": false},
			{"master_lb": true, "lb_floating_ip": false, "floating_ip": true},
		} {
			h := check(t.Context(), swarm.HealthTarget{Cluster: &cluster.Cluster{Name: "prod", APIAddress: d.address()}, Features: f, CA: p.ca, Client: p.client})
			assert.Equal(t, swarm.Health{Status: cluster.Unknown, Reasons: map[string]string{"api": "The cluster prod is not accessible."}}, h)
		}
		assert.Empty(t, d.clientCNs)
	})
	t.Run("no address, no credentials, bad address", func(t *testing.T) {
		for _, target := range []swarm.HealthTarget{
			{Cluster: &cluster.Cluster{Name: "prod"}, Features: reachable(false)},
			{Cluster: &cluster.Cluster{Name: "prod", APIAddress: "tcp://127.0.0.1:2376"}, Features: reachable(false)},
			{Cluster: &cluster.Cluster{Name: "prod", APIAddress: "https://127.0.0.1:2376"}, Features: reachable(false), CA: p.ca, Client: p.client},
			{},
		} {
			assert.Equal(t, cluster.Unknown, check(t.Context(), target).Status)
		}
	})
}

func TestHealthMonitorTLSDisabled(t *testing.T) {
	d := newDockerAPI(t, nil, false, managerInfo([3]string{"n0", "Healthy", "(none)"}))
	var m swarm.HealthMonitor
	h := m.Check(t.Context(), swarm.HealthTarget{Cluster: &cluster.Cluster{Name: "prod", APIAddress: d.address(), NodeCount: 1}, Features: reachable(true)})
	assert.Equal(t, cluster.Healthy, h.Status, "%v", h.Reasons)
}

// TestCheckHealth goes through driver.HealthChecker, features from the
// template: floating IPs on, TLS on.
func TestCheckHealth(t *testing.T) {
	p := newTestPKI(t)
	d := newDockerAPI(t, p, true, managerInfo([3]string{"n0", "Healthy", "(none)"}))
	var hc driver.HealthChecker = swarm.New()
	assert.False(t, hc.ReportsOwnHealth(nil))
	tmpl := &template.ClusterTemplate{COE: swarm.COE, ImageID: "img", ExternalNetworkID: "public"}
	c := &cluster.Cluster{UUID: "0b6a2f1c-0000-4000-8000-000000000001", Name: "prod", APIAddress: d.address(), NodeCount: 1, MasterCount: 1}
	h := hc.CheckHealth(t.Context(), &driver.HealthRequest{Template: tmpl, Cluster: c, CA: p.ca, Client: p.client})
	assert.Equal(t, driver.Health{Status: cluster.Healthy, Reasons: map[string]string{"api": "OK", "n0.Ready": "True"}}, h)

	no := false
	c.FloatingIPEnabled = &no
	h = hc.CheckHealth(t.Context(), &driver.HealthRequest{Template: tmpl, Cluster: c, CA: p.ca, Client: p.client})
	assert.Equal(t, cluster.Unknown, h.Status, "private managers cannot be polled from outside")

	h = hc.CheckHealth(t.Context(), &driver.HealthRequest{Cluster: c})
	assert.Equal(t, cluster.Unknown, h.Status)
	require.NotEmpty(t, h.Reasons["api"])
}

func TestParseInfo(t *testing.T) {
	nodes, err := swarm.ParseInfo(managerInfo([3]string{"a", "Healthy", "(none)"}, [3]string{"b", "Pending", "boom"}))
	require.NoError(t, err)
	assert.Equal(t, []swarm.SwarmNode{
		{Name: "a", Address: "10.0.0.1:2375", Status: "Healthy"},
		{Name: "b", Address: "10.0.0.2:2375", Status: "Pending", Error: "boom"},
	}, nodes)
	// Older managers: DriverStatus; plain engines: no list.
	nodes, err = swarm.ParseInfo([]byte(`{"DriverStatus": [["Nodes", "1"], [" x", "1.2.3.4:2375"], ["  └ Status", "Healthy"]]}`))
	require.NoError(t, err)
	assert.Equal(t, []swarm.SwarmNode{{Name: "x", Address: "1.2.3.4:2375", Status: "Healthy"}}, nodes)
	nodes, err = swarm.ParseInfo([]byte(`{"SystemStatus": null, "Containers": 3}`))
	require.NoError(t, err)
	assert.Empty(t, nodes)
	// Entries of other shapes are skipped; node lines outside "Nodes" too.
	nodes, err = swarm.ParseInfo([]byte(`{"SystemStatus": [[" early", "x"], ["Nodes", "1"], [1, 2], ["a"], ["  └ Status", "Healthy"], [" n", "addr"], ["Role", "x"], [" late", "y"]]}`))
	require.NoError(t, err)
	assert.Equal(t, []swarm.SwarmNode{{Name: "n", Address: "addr"}}, nodes)
	for _, bad := range []string{``, `[]`, `"x"`, `{"SystemStatus": {"a": 1}}`} {
		_, err := swarm.ParseInfo([]byte(bad))
		assert.Error(t, err, bad)
	}
}
