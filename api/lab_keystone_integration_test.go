//go:build integration

package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	gcopenstack "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/roles"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/users"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/api"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/store"
)

// The real-Keystone tier of the API: the handler with the Keystone
// authenticator and project lookup against the Keystone of the lab in
// ../shared/openstack (scripts/heat-lab-test.sh starts it and runs these).

// labConnectAPI logs in to the cloud the environment names (OS_CLOUD with
// clouds.yaml, or openrc variables), else to the lab's own clouds.yaml.
// Without a cloud the run fails: it must never pass by skipping.
func labConnectAPI(t *testing.T) *openstack.Cloud {
	t.Helper()
	opts := openstack.ConnectOptions{}
	if os.Getenv("OS_CLOUD") == "" && os.Getenv("OS_AUTH_URL") == "" {
		dir := os.Getenv("OS_LAB_DIR")
		if dir == "" {
			dir = "/tmp/openstack-lab"
		}
		file := filepath.Join(dir, "clouds.yaml")
		if _, err := os.Stat(file); err != nil {
			t.Fatal("no cloud configured: run scripts/heat-lab-test.sh, or set OS_CLOUD/OS_CLIENT_CONFIG_FILE or source an openrc")
		}
		opts = openstack.ConnectOptions{CloudsFile: file, Cloud: "openstack-lab"}
	}
	cloud, err := openstack.Connect(context.Background(), opts)
	require.NoError(t, err)
	return cloud
}

// labMember makes a project of its own and a user holding the member role
// in it, both deleted when the test ends. It returns their IDs and the
// user's password.
func labMember(t *testing.T, ctx context.Context, identity *gophercloud.ServiceClient) (projectID, userID, password string) {
	t.Helper()
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	suffix := hex.EncodeToString(b)
	password = "pw-" + suffix

	p, err := projects.Create(ctx, identity, projects.CreateOpts{Name: "gomagnum-api-" + suffix, DomainID: "default",
		Description: "gomagnum api lab test; deleted by the test"}).Extract()
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		assert.NoError(t, projects.Delete(ctx, identity, p.ID).ExtractErr())
	})
	u, err := users.Create(ctx, identity, users.CreateOpts{Name: "gomagnum-api-" + suffix, DomainID: "default",
		Password: password, DefaultProjectID: p.ID}).Extract()
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		assert.NoError(t, users.Delete(ctx, identity, u.ID).ExtractErr())
	})
	pages, err := roles.List(identity, roles.ListOpts{Name: "member"}).AllPages(ctx)
	require.NoError(t, err)
	rs, err := roles.ExtractRoles(pages)
	require.NoError(t, err)
	require.Len(t, rs, 1, "the lab has a member role")
	require.NoError(t, roles.Assign(ctx, identity, rs[0].ID, roles.AssignOpts{UserID: u.ID, ProjectID: p.ID}).ExtractErr())
	return p.ID, u.ID, password
}

// labToken logs in with a password (gophercloud's password auth against
// the lab's Keystone) and returns the project-scoped token.
func labToken(t *testing.T, ctx context.Context, endpoint string, ao gophercloud.AuthOptions) string {
	t.Helper()
	ao.IdentityEndpoint = endpoint
	pc, err := gcopenstack.AuthenticatedClient(ctx, ao)
	require.NoError(t, err)
	tok := pc.Token()
	require.NotEmpty(t, tok)
	return tok
}

// TestKeystoneLab: real tokens from the lab's Keystone become the right
// callers, bad ones are 401, and quota creates look the project up in
// Keystone: 201 for an existing project, 404 for a missing one, 403 for a
// member. A cluster limit of 0 then refuses the member's cluster create.
func TestKeystoneLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cloud := labConnectAPI(t)
	identity, err := gcopenstack.NewIdentityV3(cloud.Provider, cloud.Endpoint)
	require.NoError(t, err)
	orch, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err)

	projectID, userID, password := labMember(t, ctx, identity)
	authURL := identity.IdentityEndpoint
	memberTok := labToken(t, ctx, authURL, gophercloud.AuthOptions{UserID: userID, Password: password, TenantID: projectID})
	adminName, adminPassword := os.Getenv("OS_USERNAME"), os.Getenv("OS_PASSWORD")
	if adminName == "" {
		adminName, adminPassword = "admin", "openstack-lab"
		if pw := os.Getenv("OS_LAB_ADMIN_PASSWORD"); pw != "" {
			adminPassword = pw
		}
	}
	adminProject := os.Getenv("OS_PROJECT_NAME")
	if adminProject == "" {
		adminProject = "admin"
	}
	adminTok := labToken(t, ctx, authURL, gophercloud.AuthOptions{Username: adminName, Password: adminPassword,
		DomainID: "default", TenantName: adminProject})

	ks, err := api.NewKeystone(api.KeystoneConfig{Identity: identity, CacheTTL: 30 * time.Second})
	require.NoError(t, err)

	// The callers Keystone's answers make.
	req := httptest.NewRequest(http.MethodGet, "/v1/clusters", nil)
	req.Header.Set(api.TokenHeader, memberTok)
	member, err := ks.Authenticate(req)
	require.NoError(t, err)
	assert.Equal(t, userID, member.UserID)
	assert.Equal(t, projectID, member.ProjectID)
	assert.Contains(t, member.Roles, "member")
	assert.False(t, member.Admin)
	req.Header.Set(api.TokenHeader, adminTok)
	root, err := ks.Authenticate(req)
	require.NoError(t, err)
	assert.True(t, root.Admin, "the admin role makes an admin")
	assert.True(t, slices.Contains(root.Roles, "admin"))
	assert.NotEmpty(t, root.ProjectID)
	assert.NotEqual(t, projectID, root.ProjectID)

	m, err := magnum.New(magnum.Config{Quota: &store.Quota{}, Orchestrator: orch, Host: "api-lab"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	h, err := api.New(api.Config{Manager: m, IdentityURI: authURL,
		Authenticator: api.WithProjects(ks, api.KeystoneProjects{Identity: identity})})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{mgr: m, srv: srv, h: h}

	// The token's user and project own what it creates.
	r := e.do(t, "POST", "/v1/clustertemplates", memberTok, "1.10", offlineTemplate)
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.Equal(t, userID, r.body["user_id"])
	assert.Equal(t, projectID, r.body["project_id"])

	// Bad tokens.
	for name, tok := range map[string]string{"garbage": "gAAAAAnot-a-token", "none": ""} {
		r := e.do(t, "GET", "/v1/clusters", tok, "", "")
		assert.Equal(t, http.StatusUnauthorized, r.status, name)
		assert.Contains(t, r.header.Get("WWW-Authenticate"), authURL, name)
	}

	// Quotas: Keystone decides whether the project exists.
	r = e.do(t, "POST", "/v1/quotas", adminTok, "1.6", `{"project_id":"`+projectID+`","resource":"Cluster","hard_limit":0}`)
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	assert.EqualValues(t, 0, r.body["hard_limit"])
	r = e.do(t, "POST", "/v1/quotas", adminTok, "1.6", `{"project_id":"no-such-project-`+projectID+`","resource":"Cluster","hard_limit":3}`)
	require.Equal(t, http.StatusNotFound, r.status, r.raw)
	assert.Equal(t, "Project no-such-project-"+projectID+" could not be found.", errorOf(t, r)["detail"])
	r = e.do(t, "POST", "/v1/quotas", memberTok, "1.6", `{"project_id":"`+projectID+`","resource":"Node","hard_limit":3}`)
	assert.Equal(t, http.StatusForbidden, r.status, r.raw)
	r = e.do(t, "GET", "/v1/quotas/"+projectID+"/Cluster", memberTok, "1.6", "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.EqualValues(t, 0, r.body["hard_limit"], "the member reads its project's quota")

	// A limit of 0: the member's project may create no cluster (no stack
	// reaches Heat).
	r = e.do(t, "POST", "/v1/clusters", memberTok, "1.10", `{"name":"c1","cluster_template_id":"k8s","keypair":"k"}`)
	assert.Equal(t, http.StatusForbidden, r.status, r.raw)
}
