package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	gcopenstack "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/api"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/store"
)

// TestKeystoneOnSharedFake: the Keystone authenticator validates tokens
// through the fake Keystone of heat/heattest (served by openstacktest), and
// the callers it makes — user, project, roles, admin — are what policy
// decides on.
func TestKeystoneOnSharedFake(t *testing.T) {
	ctx := context.Background()
	fake := openstacktest.New(openstacktest.Options{Heat: heattest.Options{PollsToComplete: 1}})
	t.Cleanup(fake.Close)
	cloud, err := fake.Connect(ctx)
	require.NoError(t, err)
	orch, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	m, err := magnum.New(magnum.Config{Quota: &store.Quota{}, Orchestrator: orch, Images: cloud, Resources: cloud,
		Nodes: driver.NodeAccess{SignURL: "https://magnum.example.com:9511/v1", AuthURL: fake.AuthOptions().IdentityEndpoint,
			Trustee: driver.Trustee{UserID: "trustee-1", Password: "s3cret"}}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })

	identity, err := gcopenstack.NewIdentityV3(cloud.Provider, cloud.Endpoint)
	require.NoError(t, err)
	auth, err := api.NewKeystone(api.KeystoneConfig{Identity: identity})
	require.NoError(t, err)
	h, err := api.New(api.Config{Manager: m, Authenticator: auth, IdentityURI: fake.AuthOptions().IdentityEndpoint})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{mgr: m, srv: srv, h: h}

	hs := fake.Heat()
	aliceTok := hs.IssueToken(heattest.TokenSpec{UserID: "alice", ProjectID: "demo", Roles: []string{"member"}})
	bobTok := hs.IssueToken(heattest.TokenSpec{UserID: "bob", ProjectID: "other", Roles: []string{"member"}})
	adminTok := hs.IssueToken(heattest.TokenSpec{UserID: "root", ProjectID: "admin", Roles: []string{"admin", "member"}})
	expiredTok := hs.IssueToken(heattest.TokenSpec{UserID: "carol", ProjectID: "demo", ExpiresAt: time.Now().Add(-time.Minute)})

	r := e.do(t, "POST", "/v1/clustertemplates", aliceTok, "", `{"name":"k8s","coe":"kubernetes","image_id":"fedora-atomic-latest",
		"keypair_id":"testkey","external_network_id":"public","flavor_id":"m1.small"}`)
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.Equal(t, "alice", r.body["user_id"])
	assert.Equal(t, "demo", r.body["project_id"])
	uuid, _ := r.body["uuid"].(string)
	require.NotEmpty(t, uuid)

	// Bob's project does not see alice's private template; the admin does.
	assert.Equal(t, http.StatusNotFound, e.do(t, "GET", "/v1/clustertemplates/"+uuid, bobTok, "", "").status)
	assert.Equal(t, http.StatusOK, e.do(t, "GET", "/v1/clustertemplates/"+uuid, adminTok, "", "").status)
	// Services are for admins: the admin role from Keystone makes one.
	assert.Equal(t, http.StatusForbidden, e.do(t, "GET", "/v1/mservices", aliceTok, "", "").status)
	assert.Equal(t, http.StatusOK, e.do(t, "GET", "/v1/mservices", adminTok, "", "").status)

	for name, tok := range map[string]string{"unknown": "gAAAAnot-issued", "expired": expiredTok, "none": ""} {
		r := e.do(t, "GET", "/v1/clusters", tok, "", "")
		assert.Equal(t, http.StatusUnauthorized, r.status, name)
		assert.Contains(t, r.header.Get("WWW-Authenticate"), fake.AuthOptions().IdentityEndpoint, name)
	}

	// Keystone failing is the service's trouble: 503.
	hs.InjectFault(heattest.Fault{Kind: heattest.KindValidate, Status: http.StatusInternalServerError})
	assert.Equal(t, http.StatusServiceUnavailable, e.do(t, "GET", "/v1/clusters", aliceTok, "", "").status)
	assert.Equal(t, http.StatusOK, e.do(t, "GET", "/v1/clusters", aliceTok, "", "").status)
	assert.Equal(t, 9, hs.Requests(heattest.KindValidate), "no cache configured: one validation per request with a token")
}
