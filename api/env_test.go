package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/api"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
)

var (
	alice = policy.Caller{UserID: "alice", ProjectID: "demo", Roles: []string{"member"}}
	bob   = policy.Caller{UserID: "bob", ProjectID: "other", Roles: []string{"member"}}
	admin = policy.Caller{UserID: "root", ProjectID: "admin", Roles: []string{"admin"}, Admin: true}
)

// tokens are the static tokens of the test callers.
var tokens = api.Static{"alice-token": alice, "bob-token": bob, "admin-token": admin}

type env struct {
	// fake is the fake cloud (nil without one).
	fake *openstacktest.Server
	mgr  *magnum.Manager
	srv  *httptest.Server
	h    http.Handler
}

// newEnv starts a fake cloud, a Manager syncing on it, and the API over it.
func newEnv(t testing.TB, cloudy bool) *env {
	t.Helper()
	return newEnvSync(t, cloudy, 5*time.Millisecond)
}

// newEnvSync is newEnv with the Manager's sync interval.
func newEnvSync(t testing.TB, cloudy bool, interval time.Duration) *env {
	t.Helper()
	return newEnvDrivers(t, cloudy, interval, nil)
}

// newEnvDrivers is newEnvSync with the Manager's drivers (nil: the
// built-in ones).
func newEnvDrivers(t testing.TB, cloudy bool, interval time.Duration, drivers *driver.Registry) *env {
	t.Helper()
	cfg := magnum.Config{Quota: &store.Quota{}, SyncInterval: interval, ResumeAfter: time.Hour, Host: "api-test", Drivers: drivers}
	var fake *openstacktest.Server
	if cloudy {
		fake = openstacktest.New(openstacktest.Options{Heat: heattest.Options{PollsToComplete: 1}})
		t.Cleanup(fake.Close)
		cloud, err := fake.Connect(context.Background())
		require.NoError(t, err)
		orch, err := cloud.Orchestrator(openstack.Config{})
		require.NoError(t, err)
		cfg.Orchestrator, cfg.Images, cfg.Resources = orch, cloud, cloud
		cfg.Nodes = driver.NodeAccess{SignURL: "https://magnum.example.com:9511/v1", AuthURL: fake.AuthOptions().IdentityEndpoint,
			Trustee: driver.Trustee{UserID: "trustee-1", Password: "s3cret"}}
	}
	m, err := magnum.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; _ = m.Close() })
	h, err := api.New(api.Config{Manager: m, Authenticator: tokens})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{fake: fake, mgr: m, srv: srv, h: h}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request with the token and version (either may be "").
func (e *env) do(t testing.TB, method, path, token, version, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	if version != "" {
		req.Header.Set("OpenStack-API-Version", "container-infra "+version)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := response{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if len(b) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(b, &out.body), "body: %s", b)
	}
	return out
}

// errorOf returns the single error item of a Magnum error body.
func errorOf(t testing.TB, r response) map[string]any {
	t.Helper()
	errs, ok := r.body["errors"].([]any)
	require.True(t, ok, "no errors list in %s", r.raw)
	require.Len(t, errs, 1)
	return errs[0].(map[string]any)
}

const k8sTemplate = `{"name":"k8s","coe":"kubernetes","image_id":"fedora-atomic-latest","keypair_id":"testkey",
"external_network_id":"public","flavor_id":"m1.small","master_flavor_id":"m1.medium","labels":{"kube_tag":"v1.30.1"}}`

// offlineTemplate is k8sTemplate for a Manager without a cloud (no image
// lookup, so the distro is given).
const offlineTemplate = `{"name":"k8s","coe":"kubernetes","image_id":"fedora-atomic-latest","cluster_distro":"fedora-atomic",
"external_network_id":"public","labels":{"kube_tag":"v1.30.1"}}`
