package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/api"
	"github.com/gomagnum/magnum/policy"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRequestIDsInLogs(t *testing.T) {
	e := newEnv(t, false)
	var logs lockedBuffer
	n := 0
	h, err := api.New(api.Config{
		Manager: e.mgr, Authenticator: tokens,
		Logger:       slog.New(slog.NewJSONHandler(&logs, nil)),
		NewRequestID: func() string { n++; return "req-test-" + string(rune('a'+n)) },
	})
	require.NoError(t, err)
	req := httptest.NewRequest("GET", "/v1/clusters/missing", nil)
	req.Header.Set("X-Auth-Token", "alice-token")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNotFound, rec.Code)
	id := rec.Header().Get("X-Openstack-Request-Id")
	assert.Equal(t, "req-test-b", id)
	assert.Contains(t, logs.String(), `"request_id":"req-test-b"`)
	assert.Contains(t, logs.String(), `"status":404`)
	assert.NotContains(t, logs.String(), "alice-token", "tokens are never logged")
}

func TestZeroNodesNeedsVersion110(t *testing.T) {
	e := newEnv(t, true)
	require.Equal(t, http.StatusCreated, e.do(t, "POST", "/v1/clustertemplates", "alice-token", "", k8sTemplate).status)
	r := e.do(t, "POST", "/v1/clusters", "alice-token", "1.9", `{"cluster_template_id":"k8s","node_count":0}`)
	assert.Equal(t, http.StatusBadRequest, r.status, r.raw)
	r = e.do(t, "POST", "/v1/clusters", "alice-token", "1.10", `{"name":"zero","cluster_template_id":"k8s","node_count":0}`)
	require.Equal(t, http.StatusAccepted, r.status, r.raw)
	assert.NotEmpty(t, r.body["uuid"])
	assert.Len(t, r.body, 1, "202 carries only the uuid")

	r = e.do(t, "PATCH", "/v1/clusters/zero", "alice-token", "1.9", `[{"op":"replace","path":"/node_count","value":"0"}]`)
	assert.Equal(t, http.StatusBadRequest, r.status, r.raw)
	r = e.do(t, "POST", "/v1/clusters/zero/actions/resize", "alice-token", "1.9", `{"node_count":0}`)
	assert.Equal(t, http.StatusBadRequest, r.status, r.raw)
	r = e.do(t, "POST", "/v1/clusters/zero/actions/resize", "alice-token", "1.9", `{}`)
	assert.Equal(t, http.StatusBadRequest, r.status, "node_count is mandatory: %s", r.raw)

	// Stats: alice's own project; the admin's view covers every project.
	s := e.do(t, "GET", "/v1/stats", "alice-token", "1.4", "")
	require.Equal(t, http.StatusOK, s.status, s.raw)
	assert.EqualValues(t, 1, s.body["clusters"])
	s = e.do(t, "GET", "/v1/stats?project_id=demo", "admin-token", "1.4", "")
	require.Equal(t, http.StatusOK, s.status, s.raw)
	assert.EqualValues(t, 1, s.body["clusters"])
	s = e.do(t, "GET", "/v1/stats", "bob-token", "1.4", "")
	assert.EqualValues(t, 0, s.body["clusters"])

	// Node groups of the cluster (1.9+): the two default groups.
	ng := e.do(t, "GET", "/v1/clusters/zero/nodegroups", "alice-token", "1.9", "")
	require.Equal(t, http.StatusOK, ng.status, ng.raw)
	assert.Len(t, ng.body["nodegroups"], 2)
	one := e.do(t, "GET", "/v1/clusters/zero/nodegroups/default-worker", "alice-token", "1.9", "")
	require.Equal(t, http.StatusOK, one.status, one.raw)
	assert.Equal(t, "worker", one.body["role"])
	assert.Equal(t, http.StatusNotFound, e.do(t, "GET", "/v1/clusters/zero/nodegroups/nope", "alice-token", "1.9", "").status)
}

func TestPaginationNextLink(t *testing.T) {
	e := newEnv(t, false)
	for _, name := range []string{"a", "b", "c"} {
		body := `{"name":"` + name + `","coe":"kubernetes","image_id":"fedora-atomic-latest","cluster_distro":"fedora-atomic","external_network_id":"public"}`
		require.Equal(t, http.StatusCreated, e.do(t, "POST", "/v1/clustertemplates", "alice-token", "", body).status)
	}
	r := e.do(t, "GET", "/v1/clustertemplates?limit=2&sort_key=name&sort_dir=desc", "alice-token", "", "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	items := r.body["clustertemplates"].([]any)
	require.Len(t, items, 2)
	assert.Equal(t, "c", items[0].(map[string]any)["name"])
	next, ok := r.body["next"].(string)
	require.True(t, ok, "a full page has a next link: %s", r.raw)
	assert.Contains(t, next, e.srv.URL+"/v1/clustertemplates?")
	r = e.do(t, "GET", next[len(e.srv.URL):], "alice-token", "", "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	items = r.body["clustertemplates"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, "a", items[0].(map[string]any)["name"])
	assert.NotContains(t, r.body, "next", "the last page has none")

	for _, q := range []string{"limit=0", "limit=-1", "limit=x", "sort_dir=up", "sort_key=password", "marker=00000000-0000-0000-0000-000000000000"} {
		assert.Equal(t, http.StatusBadRequest, e.do(t, "GET", "/v1/clustertemplates?"+q, "alice-token", "", "").status, q)
	}
}

func TestPanicsBecome500(t *testing.T) {
	e := newEnv(t, false)
	var logs lockedBuffer
	h, err := api.New(api.Config{
		Manager:       e.mgr,
		Authenticator: api.AuthenticatorFunc(func(*http.Request) (policy.Caller, error) { panic("authenticator bug") }),
		Logger:        slog.New(slog.NewJSONHandler(&logs, nil)),
		IdentityURI:   "http://keystone.example/v3",
	})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/clusters", nil))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, rec.Body.String(), `"code":"server"`)
	assert.NotContains(t, rec.Body.String(), "authenticator bug", "internal details stay in the logs")
	assert.Contains(t, logs.String(), "authenticator bug")

	h, err = api.New(api.Config{Manager: e.mgr, Authenticator: tokens, IdentityURI: "http://keystone.example/v3"})
	require.NoError(t, err)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/clusters", nil))
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Equal(t, `Keystone uri="http://keystone.example/v3"`, rec.Header().Get("WWW-Authenticate"))
}
