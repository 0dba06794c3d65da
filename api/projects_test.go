package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/api"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
)

func TestStaticProjects(t *testing.T) {
	p := api.StaticProjects{"demo", "admin"}
	ctx := context.Background()
	assert.NoError(t, p.CheckProject(ctx, "demo"))
	assert.NoError(t, p.CheckProject(ctx, "admin"))
	for _, id := range []string{"", "ghost", "Demo", "demo "} {
		err := p.CheckProject(ctx, id)
		assert.ErrorIs(t, err, errdefs.ErrNotFound, "%q", id)
		assert.Contains(t, err.Error(), "could not be found", "%q", id)
	}
	assert.ErrorIs(t, api.StaticProjects(nil).CheckProject(ctx, "demo"), errdefs.ErrNotFound, "an empty list knows no project")
}

// keystoneStub is a Keystone answering GET /v3/projects/{id} for the
// projects it knows, or with a fixed status.
type keystoneStub struct {
	mu       sync.Mutex
	known    map[string]bool
	status   int      // when set, every answer
	paths    []string // the escaped paths asked for
	tokens   []string
	requests int
}

func (k *keystoneStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.requests++
	k.paths = append(k.paths, r.URL.EscapedPath())
	k.tokens = append(k.tokens, r.Header.Get("X-Auth-Token"))
	if k.status != 0 {
		w.WriteHeader(k.status)
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/v3/projects/")
	if r.Method != http.MethodGet || !ok || !k.known[id] {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":404,"title":"Not Found","message":"Could not find project."}}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"project": map[string]any{"id": id, "name": id, "domain_id": "default", "enabled": true}})
}

// stubIdentity is a Keystone v3 client of the stub with the service token.
func stubIdentity(url string) *gophercloud.ServiceClient {
	pc := &gophercloud.ProviderClient{}
	pc.SetToken("service-token")
	return &gophercloud.ServiceClient{ProviderClient: pc, Endpoint: url + "/v3/"}
}

// TestKeystoneProjects checks the Keystone lookup's answers: the project,
// none (404), Keystone failing or gone (503), refusing the service (500),
// and that an ID stays one escaped path segment.
func TestKeystoneProjects(t *testing.T) {
	stub := &keystoneStub{known: map[string]bool{"p-1": true, "a/b": true}}
	srv := httptest.NewServer(stub)
	defer srv.Close()
	k := api.KeystoneProjects{Identity: stubIdentity(srv.URL)}
	ctx := context.Background()

	require.NoError(t, k.CheckProject(ctx, "p-1"))
	assert.Equal(t, "service-token", stub.tokens[0], "asked with the service's token")
	assert.Equal(t, "/v3/projects/p-1", stub.paths[0])
	err := k.CheckProject(ctx, "ghost")
	require.ErrorIs(t, err, errdefs.ErrNotFound)
	assert.Equal(t, "Project ghost could not be found.", err.Error(), "Magnum's ProjectNotFound")

	require.NoError(t, k.CheckProject(ctx, "a/b"), "a slash is escaped, not a path separator")
	assert.Equal(t, "/v3/projects/a%2Fb", stub.paths[len(stub.paths)-1])
	before := stub.requests
	for _, id := range []string{"", ".", ".."} {
		assert.ErrorIs(t, k.CheckProject(ctx, id), errdefs.ErrNotFound, "%q", id)
	}
	assert.Equal(t, before, stub.requests, "dot segments never reach Keystone")

	for _, tc := range []struct {
		status int
		kind   error // nil: no errdefs kind (a 500)
	}{
		{http.StatusInternalServerError, errdefs.ErrUnavailable},
		{http.StatusServiceUnavailable, errdefs.ErrUnavailable},
		{http.StatusForbidden, nil},
		{http.StatusUnauthorized, nil},
	} {
		stub.mu.Lock()
		stub.status = tc.status
		stub.mu.Unlock()
		err := k.CheckProject(ctx, "p-1")
		require.Error(t, err, "%d", tc.status)
		assert.NotErrorIs(t, err, errdefs.ErrNotFound, "%d is not a missing project", tc.status)
		if tc.kind != nil {
			assert.ErrorIs(t, err, tc.kind, "%d", tc.status)
		} else {
			var de *errdefs.Error
			assert.False(t, errors.As(err, &de), "%d: %v", tc.status, err)
		}
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, k.CheckProject(canceled, "p-1"), context.Canceled)

	srv.Close()
	assert.ErrorIs(t, k.CheckProject(ctx, "p-1"), errdefs.ErrUnavailable, "Keystone unreachable")
	assert.Error(t, api.KeystoneProjects{}.CheckProject(ctx, "p-1"), "no client")
}

// TestQuotaProjectCheck: with a ProjectChecker, quota creates for unknown
// projects are 404 (after the admin check: members get 403 either way),
// and a checker that cannot tell is 503, not 404.
func TestQuotaProjectCheck(t *testing.T) {
	var (
		mu   sync.Mutex
		down bool
		seen []string
	)
	known := api.StaticProjects{"demo", "admin"}
	checker := api.ProjectCheckerFunc(func(ctx context.Context, id string) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, id)
		if down {
			return errdefs.New(errdefs.ErrUnavailable, "project", id, "the identity service could not look the project up")
		}
		return known.CheckProject(ctx, id)
	})
	e := newEnvAuth(t, api.WithProjects(tokens, checker))
	const v = "1.6"

	r := e.do(t, "POST", "/v1/quotas", "admin-token", v, `{"project_id":"demo","resource":"Cluster","hard_limit":3}`)
	require.Equal(t, 201, r.status, r.raw)
	r = e.do(t, "POST", "/v1/quotas", "admin-token", v, `{"project_id":"ghost","resource":"Cluster","hard_limit":3}`)
	require.Equal(t, 404, r.status, r.raw)
	assert.Equal(t, "Project ghost could not be found.", errorOf(t, r)["detail"])
	r = e.do(t, "GET", "/v1/quotas?all_tenants=true", "admin-token", v, "")
	require.Equal(t, 200, r.status, r.raw)
	assert.Len(t, r.body["quotas"], 1, "nothing stored for the missing project")

	mu.Lock()
	seen = nil
	mu.Unlock()
	r = e.do(t, "POST", "/v1/quotas", "alice-token", v, `{"project_id":"ghost","resource":"Cluster","hard_limit":3}`)
	assert.Equal(t, 403, r.status, r.raw)
	r = e.do(t, "POST", "/v1/quotas", "admin-token", v, `{"project_id":"demo","resource":"Cores","hard_limit":3}`)
	assert.Equal(t, 400, r.status, r.raw)
	mu.Lock()
	assert.Empty(t, seen, "no lookup for a caller who may not create quotas, nor for an invalid quota")
	down = true
	mu.Unlock()

	r = e.do(t, "POST", "/v1/quotas", "admin-token", v, `{"project_id":"admin","resource":"Node","hard_limit":3}`)
	assert.Equal(t, 503, r.status, r.raw)
	mu.Lock()
	down = false
	mu.Unlock()
	r = e.do(t, "POST", "/v1/quotas", "admin-token", v, `{"project_id":"admin","resource":"Node","hard_limit":3}`)
	assert.Equal(t, 201, r.status, r.raw)

	// Only create looks the project up: reads, updates and deletes of
	// existing quotas do not (as in Magnum).
	mu.Lock()
	seen = nil
	mu.Unlock()
	assert.Equal(t, 202, e.do(t, "PATCH", "/v1/quotas/demo/Cluster", "admin-token", v, `{"hard_limit":0}`).status)
	assert.Equal(t, 200, e.do(t, "GET", "/v1/quotas/ghost/Cluster", "admin-token", v, "").status)
	assert.Equal(t, 204, e.do(t, "DELETE", "/v1/quotas/demo/Cluster", "admin-token", v, "").status)
	mu.Lock()
	assert.Empty(t, seen)
	mu.Unlock()
}

// TestQuotaNoProjectCheck: without a ProjectChecker any project is taken,
// as before.
func TestQuotaNoProjectCheck(t *testing.T) {
	e := newEnv(t, false)
	r := e.do(t, "POST", "/v1/quotas", "admin-token", "1.6", `{"project_id":"ghost","resource":"Cluster","hard_limit":3}`)
	assert.Equal(t, 201, r.status, r.raw)
}

// newEnvAuth is a Manager without a cloud and the API over it, with auth.
func newEnvAuth(t testing.TB, auth api.Authenticator) *env {
	t.Helper()
	m, err := magnum.New(magnum.Config{Quota: &store.Quota{}, Host: "api-test"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	h, err := api.New(api.Config{Manager: m, Authenticator: auth})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{mgr: m, srv: srv, h: h}
}

// A quota for a project the ProjectChecker does not know is refused with
// Magnum's 404; a known project gets its quota.
func ExampleWithProjects() {
	m, err := magnum.New(magnum.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	root := policy.Caller{UserID: "root", ProjectID: "admin", Roles: []string{"admin"}, Admin: true}
	auth := api.WithProjects(api.Static{"admin-token": root}, api.StaticProjects{"admin", "demo"})
	h, err := api.New(api.Config{Manager: m, Authenticator: auth})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, project := range []string{"ghost", "demo"} {
		req := httptest.NewRequest("POST", "/v1/quotas", strings.NewReader(`{"project_id":"`+project+`","resource":"Cluster","hard_limit":0}`))
		req.Header.Set("X-Auth-Token", "admin-token")
		req.Header.Set("OpenStack-API-Version", "container-infra 1.6")
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		fmt.Println(project, w.Code)
	}
	// Output:
	// ghost 404
	// demo 201
}
