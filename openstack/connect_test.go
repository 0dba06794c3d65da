package openstack_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
)

func writeClouds(t *testing.T, srv *heattest.Server, password string) string {
	t.Helper()
	ao := srv.AuthOptions()
	path := filepath.Join(t.TempDir(), "clouds.yaml")
	doc := fmt.Sprintf(`clouds:
  fake:
    auth:
      auth_url: %s
      username: %s
      password: %s
      project_name: %s
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
`, ao.IdentityEndpoint, ao.Username, password, ao.TenantName)
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
	return path
}

func TestConnect(t *testing.T) {
	srv := heattest.New(heattest.Options{Password: "s3cret-pw"})
	defer srv.Close()
	ctx := context.Background()
	// Keep the developer's own cloud settings out of the way.
	for _, k := range []string{"OS_CLOUD", "OS_CLIENT_CONFIG_FILE", "OS_REGION_NAME", "OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD",
		"OS_PROJECT_NAME", "OS_PROJECT_ID", "OS_DOMAIN_NAME", "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME", "OS_TENANT_NAME"} {
		t.Setenv(k, "")
	}
	use := func(t *testing.T, cloud *openstack.Cloud) {
		t.Helper()
		o, err := cloud.Orchestrator(openstack.Config{})
		require.NoError(t, err)
		_, err = o.ListStacks(ctx, heat.ListFilter{})
		require.NoError(t, err)
	}

	t.Run("clouds.yaml by option", func(t *testing.T) {
		path := writeClouds(t, srv, "s3cret-pw")
		cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{Cloud: "fake", CloudsFile: path})
		require.NoError(t, err)
		assert.Equal(t, "RegionOne", cloud.Endpoint.Region)
		use(t, cloud)
	})
	t.Run("clouds.yaml by environment", func(t *testing.T) {
		t.Setenv("OS_CLIENT_CONFIG_FILE", writeClouds(t, srv, "s3cret-pw"))
		t.Setenv("OS_CLOUD", "fake")
		cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{})
		require.NoError(t, err)
		use(t, cloud)
	})
	t.Run("openrc variables", func(t *testing.T) {
		ao := srv.AuthOptions()
		t.Setenv("OS_AUTH_URL", ao.IdentityEndpoint)
		t.Setenv("OS_USERNAME", ao.Username)
		t.Setenv("OS_PASSWORD", "s3cret-pw")
		t.Setenv("OS_PROJECT_NAME", ao.TenantName)
		t.Setenv("OS_DOMAIN_NAME", "Default")
		cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{})
		require.NoError(t, err)
		use(t, cloud)
	})
	t.Run("wrong password", func(t *testing.T) {
		path := writeClouds(t, srv, "wrong-pw-value")
		_, err := openstack.Connect(ctx, openstack.ConnectOptions{Cloud: "fake", CloudsFile: path})
		require.ErrorIs(t, err, errdefs.ErrForbidden)
		assert.NotContains(t, err.Error(), "wrong-pw-value", "no secrets in errors")
	})
	t.Run("unknown cloud", func(t *testing.T) {
		path := writeClouds(t, srv, "s3cret-pw")
		_, err := openstack.Connect(ctx, openstack.ConnectOptions{Cloud: "nope", CloudsFile: path})
		require.ErrorIs(t, err, errdefs.ErrInvalid)
		assert.NotContains(t, err.Error(), "s3cret-pw")
	})
	t.Run("clouds file without a cloud name", func(t *testing.T) {
		_, err := openstack.Connect(ctx, openstack.ConnectOptions{CloudsFile: "/nonexistent/clouds.yaml"})
		require.ErrorIs(t, err, errdefs.ErrInvalid)
	})
	t.Run("no credentials at all", func(t *testing.T) {
		_, err := openstack.Connect(ctx, openstack.ConnectOptions{})
		require.ErrorIs(t, err, errdefs.ErrInvalid)
	})
	t.Run("keystone unreachable", func(t *testing.T) {
		dead := heattest.New(heattest.Options{})
		ao := dead.AuthOptions()
		dead.Close()
		_, err := openstack.Connect(ctx, openstack.ConnectOptions{Auth: &ao})
		require.ErrorIs(t, err, errdefs.ErrUnavailable)
	})
	t.Run("expired token: gophercloud logs in again", func(t *testing.T) {
		ao := srv.AuthOptions()
		ao.Password = "s3cret-pw"
		cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{Auth: &ao})
		require.NoError(t, err)
		o, err := cloud.Orchestrator(openstack.Config{})
		require.NoError(t, err)
		before := srv.Requests(heattest.KindAuth)
		srv.ExpireTokens()
		_, err = o.ListStacks(ctx, heat.ListFilter{})
		require.NoError(t, err)
		assert.Equal(t, before+1, srv.Requests(heattest.KindAuth))
	})
	t.Run("wrong region: no endpoint", func(t *testing.T) {
		ao := srv.AuthOptions()
		ao.Password = "s3cret-pw"
		cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{Auth: &ao, Region: "Elsewhere"})
		require.NoError(t, err)
		_, err = cloud.Orchestrator(openstack.Config{})
		require.ErrorIs(t, err, errdefs.ErrUnavailable)
		assert.True(t, strings.Contains(err.Error(), "orchestration"))
	})
}
