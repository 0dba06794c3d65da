//go:build integration

package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	gcopenstack "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/roles"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/users"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/openstack"
)

// The real-Keystone tier of `magnum serve`: serve on the cloud of the lab
// in ../shared/openstack (scripts/heat-lab-test.sh starts it and runs
// these) with --auth keystone, driven with tokens from the lab's Keystone.

// labServeEnv is the environment serve sees: the lab's OS_* variables
// (from the openrc heat-lab-test.sh sources), else its clouds.yaml.
// Without a cloud the run fails: it must never pass by skipping.
func labServeEnv(t *testing.T, stateDir string) func(string) string {
	t.Helper()
	vars := map[string]string{"MAGNUM_STATE_DIR": stateDir}
	if os.Getenv("OS_CLOUD") == "" && os.Getenv("OS_AUTH_URL") == "" {
		dir := os.Getenv("OS_LAB_DIR")
		if dir == "" {
			dir = "/tmp/openstack-lab"
		}
		file := filepath.Join(dir, "clouds.yaml")
		if _, err := os.Stat(file); err != nil {
			t.Fatal("no cloud configured: run scripts/heat-lab-test.sh, or set OS_CLOUD/OS_CLIENT_CONFIG_FILE or source an openrc")
		}
		// openstack.Connect reads clouds.yaml's location from the process.
		t.Setenv("OS_CLIENT_CONFIG_FILE", file)
		t.Setenv("OS_CLOUD", "openstack-lab")
	}
	return func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
}

// labIdentity is an admin Keystone v3 client of the lab.
func labIdentity(t *testing.T, ctx context.Context) *gophercloud.ServiceClient {
	t.Helper()
	cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{})
	require.NoError(t, err)
	identity, err := gcopenstack.NewIdentityV3(cloud.Provider, cloud.Endpoint)
	require.NoError(t, err)
	return identity
}

// TestServeKeystoneLab: `magnum serve --auth keystone` on the lab takes
// its real tokens: the admin's creates a quota for an existing project
// (201) and not for a missing one (404), a member's is refused quota
// creates (403), a bad token is 401.
func TestServeKeystoneLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	getenv := labServeEnv(t, t.TempDir())
	identity := labIdentity(t, ctx)

	// A project with a member of its own, deleted at the end.
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	suffix := hex.EncodeToString(b)
	p, err := projects.Create(ctx, identity, projects.CreateOpts{Name: "gomagnum-serve-" + suffix, DomainID: "default"}).Extract()
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, projects.Delete(context.Background(), identity, p.ID).ExtractErr()) })
	u, err := users.Create(ctx, identity, users.CreateOpts{Name: "gomagnum-serve-" + suffix, DomainID: "default",
		Password: "pw-" + suffix, DefaultProjectID: p.ID}).Extract()
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, users.Delete(context.Background(), identity, u.ID).ExtractErr()) })
	pages, err := roles.List(identity, roles.ListOpts{Name: "member"}).AllPages(ctx)
	require.NoError(t, err)
	rs, err := roles.ExtractRoles(pages)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.NoError(t, roles.Assign(ctx, identity, rs[0].ID, roles.AssignOpts{UserID: u.ID, ProjectID: p.ID}).ExtractErr())

	login := func(ao gophercloud.AuthOptions) string {
		ao.IdentityEndpoint = identity.IdentityEndpoint
		pc, err := gcopenstack.AuthenticatedClient(ctx, ao)
		require.NoError(t, err)
		return pc.Token()
	}
	memberTok := login(gophercloud.AuthOptions{UserID: u.ID, Password: "pw-" + suffix, TenantID: p.ID})
	adminTok := identity.Token() // the environment's user: the lab's admin

	base, out, stop := startServeEnv(t, getenv, "--auth", "keystone")
	assert.Contains(t, out.String(), "quota creates check the project in Keystone", "on by default on a real cloud")

	code, body := apiCall(t, "POST", base+"/v1/quotas", adminTok, map[string]any{"project_id": p.ID, "resource": "Cluster", "hard_limit": 2})
	assert.Equal(t, http.StatusCreated, code, body)
	code, body = apiCall(t, "POST", base+"/v1/quotas", adminTok, map[string]any{"project_id": "missing-" + p.ID, "resource": "Cluster", "hard_limit": 2})
	assert.Equal(t, http.StatusNotFound, code, body)
	code, body = apiCall(t, "POST", base+"/v1/quotas", memberTok, map[string]any{"project_id": p.ID, "resource": "Node", "hard_limit": 2})
	assert.Equal(t, http.StatusForbidden, code, body)
	code, body = apiCall(t, "GET", base+"/v1/quotas/"+p.ID+"/Cluster", memberTok, nil)
	assert.Equal(t, http.StatusOK, code, body)
	assert.EqualValues(t, 2, body["hard_limit"])
	code, _ = apiCall(t, "GET", base+"/v1/clusters", "gAAAAAnot-a-token", nil)
	assert.Equal(t, http.StatusUnauthorized, code)

	exit, stderr := stop()
	assert.Equal(t, ExitOK, exit, stderr)
}
