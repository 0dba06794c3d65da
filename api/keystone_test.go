package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/api"
	"github.com/gomagnum/magnum/policy"
)

// fakeKeystone serves GET /v3/auth/tokens (token validation), which the
// fake Keystone of heat/heattest does not: it only issues tokens.
type fakeKeystone struct {
	srv   *httptest.Server
	calls atomic.Int64
	down  atomic.Bool
}

type ksToken struct {
	user, project string
	roles         []string
	expires       time.Time
}

func newFakeKeystone(t *testing.T, serviceToken string, toks map[string]ksToken) *fakeKeystone {
	f := &fakeKeystone{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		if f.down.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		if r.Method != http.MethodGet || r.URL.Path != "/v3/auth/tokens" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("X-Auth-Token") != serviceToken {
			http.Error(w, `{"error":{"code":401}}`, http.StatusUnauthorized)
			return
		}
		tk, ok := toks[r.Header.Get("X-Subject-Token")]
		if !ok {
			http.Error(w, `{"error":{"code":404}}`, http.StatusNotFound)
			return
		}
		roles := []map[string]string{}
		for _, name := range tk.roles {
			roles = append(roles, map[string]string{"id": "id-" + name, "name": name})
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Subject-Token", r.Header.Get("X-Subject-Token"))
		_ = json.NewEncoder(w).Encode(map[string]any{"token": map[string]any{
			"expires_at": tk.expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
			"user":       map[string]any{"id": tk.user, "name": tk.user, "domain": map[string]string{"id": "default"}},
			"project":    map[string]any{"id": tk.project, "name": tk.project, "domain": map[string]string{"id": "default"}},
			"roles":      roles,
			"methods":    []string{"password"},
		}})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeKeystone) client(serviceToken string) *gophercloud.ServiceClient {
	return &gophercloud.ServiceClient{
		ProviderClient: &gophercloud.ProviderClient{TokenID: serviceToken, HTTPClient: *http.DefaultClient},
		Endpoint:       f.srv.URL + "/v3/",
		Type:           "identity",
	}
}

func TestKeystoneAuthenticator(t *testing.T) {
	future := time.Now().Add(time.Hour)
	ks := newFakeKeystone(t, "svc", map[string]ksToken{
		"user-tok":  {user: "u1", project: "p1", roles: []string{"member", "reader"}, expires: future},
		"admin-tok": {user: "u2", project: "p2", roles: []string{"admin"}, expires: future},
		"old-tok":   {user: "u3", project: "p3", roles: []string{"member"}, expires: time.Now().Add(-time.Minute)},
	})
	auth, err := api.NewKeystone(api.KeystoneConfig{Identity: ks.client("svc")})
	require.NoError(t, err)

	req := func(tok string) *http.Request {
		r := httptest.NewRequest("GET", "/v1/clusters", nil)
		if tok != "" {
			r.Header.Set("X-Auth-Token", tok)
		}
		return r
	}
	c, err := auth.Authenticate(req("user-tok"))
	require.NoError(t, err)
	assert.Equal(t, policy.Caller{UserID: "u1", ProjectID: "p1", Roles: []string{"member", "reader"}}, c)

	c, err = auth.Authenticate(req("admin-tok"))
	require.NoError(t, err)
	assert.True(t, c.Admin)
	assert.Equal(t, "p2", c.ProjectID)

	for _, tok := range []string{"", "nope", "old-tok"} {
		_, err = auth.Authenticate(req(tok))
		assert.ErrorIs(t, err, api.ErrUnauthenticated, "token %q", tok)
	}

	// A Keystone that fails is not the caller's fault: 503, not 401.
	ks.down.Store(true)
	_, err = auth.Authenticate(req("user-tok"))
	require.Error(t, err)
	assert.NotErrorIs(t, err, api.ErrUnauthenticated)

	// The service's own token is wrong: the users' tokens cannot be checked.
	bad, err := api.NewKeystone(api.KeystoneConfig{Identity: ks.client("wrong")})
	require.NoError(t, err)
	ks.down.Store(false)
	_, err = bad.Authenticate(req("user-tok"))
	require.Error(t, err)

	_, err = api.NewKeystone(api.KeystoneConfig{})
	assert.Error(t, err)
}

func TestKeystoneCache(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	ks := newFakeKeystone(t, "svc", map[string]ksToken{
		"tok": {user: "u1", project: "p1", roles: []string{"member"}, expires: now.Add(90 * time.Second)},
	})
	auth, err := api.NewKeystone(api.KeystoneConfig{Identity: ks.client("svc"), CacheTTL: time.Minute, Clock: clock})
	require.NoError(t, err)
	r := httptest.NewRequest("GET", "/v1/clusters", nil)
	r.Header.Set("X-Auth-Token", "tok")
	for range 3 {
		_, err = auth.Authenticate(r)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, ks.calls.Load(), "cached after the first validation")
	now = now.Add(61 * time.Second)
	_, err = auth.Authenticate(r)
	require.NoError(t, err)
	assert.EqualValues(t, 2, ks.calls.Load(), "validated again once the TTL passed")
	now = now.Add(40 * time.Second) // past the token's expiry, within the new TTL
	_, err = auth.Authenticate(r)
	assert.ErrorIs(t, err, api.ErrUnauthenticated, "a cached caller never outlives its token")
}

// TestKeystoneThroughHandler: the handler answers 401 for a bad token and 503
// when Keystone fails.
func TestKeystoneThroughHandler(t *testing.T) {
	ks := newFakeKeystone(t, "svc", map[string]ksToken{
		"tok": {user: "alice", project: "demo", roles: []string{"member"}, expires: time.Now().Add(time.Hour)},
	})
	auth, err := api.NewKeystone(api.KeystoneConfig{Identity: ks.client("svc")})
	require.NoError(t, err)
	e := newEnv(t, false)
	h, err := api.New(api.Config{Manager: e.mgr, Authenticator: auth})
	require.NoError(t, err)
	e.srv.Config.Handler = h

	assert.Equal(t, http.StatusOK, e.do(t, "GET", "/v1/clusters", "tok", "", "").status)
	assert.Equal(t, http.StatusUnauthorized, e.do(t, "GET", "/v1/clusters", "bad", "", "").status)
	ks.down.Store(true)
	r := e.do(t, "GET", "/v1/clusters", "tok", "", "")
	assert.Equal(t, http.StatusServiceUnavailable, r.status, r.raw)
	assert.Equal(t, "server", errorOf(t, r)["code"])
}
