package heattest_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	gcopenstack "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat/heattest"
)

// Extra services are listed in the catalog, reached through it by
// gophercloud, and guarded by the fake Keystone's tokens; unusable ones are
// left out instead of breaking the server.
func TestExtraServices(t *testing.T) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"path":"`+r.URL.Path+`"}`)
	})
	srv := heattest.New(heattest.Options{Services: []heattest.Service{
		{Type: "compute", Name: "nova", Path: "/compute/v2.1", Handler: hello},
		{Type: "image", Name: "glance", Path: "/compute/v2.1", Handler: hello}, // duplicate path
		{Type: "network", Name: "neutron", Path: "/v1/net", Handler: hello},    // Heat's prefix
		{Type: "volume", Name: "cinder", Path: "/vol{x}", Handler: hello},      // not a plain path
		{Type: "dns", Name: "designate", Path: "/dns"},                         // no handler
	}})
	defer srv.Close()

	ctx := context.Background()
	pc, err := config.NewProviderClient(ctx, srv.AuthOptions())
	require.NoError(t, err)
	sc, err := gcopenstack.NewComputeV2(pc, gophercloud.EndpointOpts{})
	require.NoError(t, err)
	assert.Equal(t, srv.URL()+"/compute/v2.1/", sc.Endpoint)
	var out struct{ Path string }
	_, err = sc.Get(ctx, sc.ServiceURL("flavors"), &out, nil)
	require.NoError(t, err)
	assert.Equal(t, "/compute/v2.1/flavors", out.Path)

	for _, typ := range []string{"image", "network", "volume", "dns"} {
		_, err := pc.EndpointLocator(gophercloud.EndpointOpts{Type: typ, Availability: gophercloud.AvailabilityPublic})
		assert.Error(t, err, "%s must not be in the catalog", typ)
	}

	resp, err := http.Get(srv.URL() + "/compute/v2.1/flavors")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a request without a token is refused")
}
