package openstacktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	gcopenstack "github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/gophercloud/gophercloud/v2/pagination"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
)

// clients logs in with plain gophercloud, whose endpoint locator reads the
// catalog and the services' version documents.
func clients(t *testing.T, srv *openstacktest.Server) (img, compute, network *gophercloud.ServiceClient) {
	t.Helper()
	ctx := context.Background()
	pc, err := config.NewProviderClient(ctx, srv.AuthOptions())
	require.NoError(t, err)
	img, err = gcopenstack.NewImageV2(pc, gophercloud.EndpointOpts{})
	require.NoError(t, err)
	compute, err = gcopenstack.NewComputeV2(pc, gophercloud.EndpointOpts{})
	require.NoError(t, err)
	network, err = gcopenstack.NewNetworkV2(pc, gophercloud.EndpointOpts{})
	require.NoError(t, err)
	return img, compute, network
}

func TestSeedCatalog(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{})
	defer srv.Close()
	ic, cc, nc := clients(t, srv)
	ctx := context.Background()

	pages, err := images.List(ic, images.ListOpts{}).AllPages(ctx)
	require.NoError(t, err)
	imgs, err := images.ExtractImages(pages)
	require.NoError(t, err)
	distros := map[string]any{}
	for _, img := range imgs {
		assert.Equal(t, images.ImageStatusActive, img.Status)
		distros[img.Name] = img.Properties["os_distro"]
	}
	assert.Equal(t, map[string]any{"fedora-atomic-latest": "fedora-atomic", "coreos": "coreos", "ubuntu-mesos": "ubuntu"}, distros)

	fp, err := flavors.ListDetail(cc, flavors.ListOpts{}).AllPages(ctx)
	require.NoError(t, err)
	fl, err := flavors.ExtractFlavors(fp)
	require.NoError(t, err)
	var names []string
	for _, f := range fl {
		names = append(names, f.Name)
		assert.Positive(t, f.RAM)
	}
	assert.Equal(t, []string{"m1.small", "m1.medium", "m1.magnum"}, names)

	kp, err := keypairs.Get(ctx, cc, "testkey", nil).Extract()
	require.NoError(t, err)
	assert.Equal(t, "testkey", kp.Name)
	assert.NotEmpty(t, kp.PublicKey)

	yes := true
	np, err := networks.List(nc, external.ListOptsExt{ListOptsBuilder: networks.ListOpts{}, External: &yes}).AllPages(ctx)
	require.NoError(t, err)
	var ext []struct {
		networks.Network
		external.NetworkExternalExt
	}
	require.NoError(t, networks.ExtractNetworksInto(np, &ext))
	require.Len(t, ext, 1)
	assert.Equal(t, "public", ext[0].Name)
	assert.True(t, ext[0].External)
	require.Len(t, ext[0].Subnets, 1)
	sn, err := subnets.Get(ctx, nc, ext[0].Subnets[0]).Extract()
	require.NoError(t, err)
	assert.Equal(t, "172.24.4.0/22", sn.CIDR)
	assert.Equal(t, ext[0].ID, sn.NetworkID)

	empty := openstacktest.New(openstacktest.Options{Empty: true})
	defer empty.Close()
	assert.Empty(t, empty.Images())
	assert.Empty(t, empty.Flavors())
	assert.Empty(t, empty.Keypairs())
	assert.Empty(t, empty.Networks())
}

// Glance pages by 25 by default; lists with limit and marker page as the
// real services do, and gophercloud follows the links.
func TestPaging(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{})
	defer srv.Close()
	for i := range 30 {
		srv.AddImage(openstacktest.Image{Name: fmt.Sprintf("img-%02d", i)})
		srv.AddFlavor(openstacktest.Flavor{Name: fmt.Sprintf("f-%02d", i)})
		srv.AddNetwork(openstacktest.Network{Name: "dup"})
	}
	ic, cc, nc := clients(t, srv)
	ctx := context.Background()
	srv.ResetCounts()

	pages, err := images.List(ic, images.ListOpts{}).AllPages(ctx)
	require.NoError(t, err)
	imgs, err := images.ExtractImages(pages)
	require.NoError(t, err)
	assert.Len(t, imgs, 33)
	assert.Equal(t, 2, srv.Requests(openstacktest.KindImageList))

	n := 0
	err = flavors.ListDetail(cc, flavors.ListOpts{Limit: 10}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		fl, err := flavors.ExtractFlavors(p)
		n += len(fl)
		return true, err
	})
	require.NoError(t, err)
	assert.Equal(t, 33, n)
	assert.Equal(t, 4, srv.Requests(openstacktest.KindFlavorList), "10+10+10+3")

	np, err := networks.List(nc, networks.ListOpts{Name: "dup", Limit: 7}).AllPages(ctx)
	require.NoError(t, err)
	nets, err := networks.ExtractNetworks(np)
	require.NoError(t, err)
	assert.Len(t, nets, 30)

	_, err = networks.List(nc, networks.ListOpts{Marker: "nope"}).AllPages(ctx)
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusBadRequest), "%v", err)
}

func TestAddAndRemove(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{})
	defer srv.Close()
	ic, cc, nc := clients(t, srv)
	ctx := context.Background()

	img := srv.AddImage(openstacktest.Image{ID: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", Name: "mine", Status: "queued",
		Properties: map[string]string{"os_distro": "fedora-coreos", "hw_rng_model": "virtio"}})
	got, err := images.Get(ctx, ic, img.ID).Extract()
	require.NoError(t, err)
	assert.Equal(t, "mine", got.Name)
	assert.Equal(t, images.ImageStatusQueued, got.Status)
	assert.Equal(t, "fedora-coreos", got.Properties["os_distro"])
	assert.Equal(t, "virtio", got.Properties["hw_rng_model"])
	require.True(t, srv.RemoveImage(img.ID))
	assert.False(t, srv.RemoveImage(img.ID))
	_, err = images.Get(ctx, ic, img.ID).Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound))

	f := srv.AddFlavor(openstacktest.Flavor{ID: "7", Name: "m1.xlarge", VCPUs: 8, RAM: 16384, Disk: 160})
	gf, err := flavors.Get(ctx, cc, "7").Extract()
	require.NoError(t, err)
	assert.Equal(t, 8, gf.VCPUs)
	require.True(t, srv.RemoveFlavor(f.ID))
	_, err = flavors.Get(ctx, cc, "7").Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound))

	srv.AddKeypair(openstacktest.Keypair{Name: "ops", PublicKey: "ssh-ed25519 AAAA ops"})
	kp, err := keypairs.Get(ctx, cc, "ops", nil).Extract()
	require.NoError(t, err)
	assert.Equal(t, "ssh-ed25519 AAAA ops", kp.PublicKey)
	require.True(t, srv.RemoveKeypair("ops"))
	_, err = keypairs.Get(ctx, cc, "ops", nil).Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound))

	net := srv.AddNetwork(openstacktest.Network{Name: "lan"})
	sn := srv.AddSubnet(openstacktest.Subnet{Name: "lan-v4", NetworkID: net.ID, CIDR: "192.168.0.0/24"})
	gn, err := networks.Get(ctx, nc, net.ID).Extract()
	require.NoError(t, err)
	assert.Equal(t, []string{sn.ID}, gn.Subnets)
	sp, err := subnets.List(nc, subnets.ListOpts{NetworkID: net.ID}).AllPages(ctx)
	require.NoError(t, err)
	sns, err := subnets.ExtractSubnets(sp)
	require.NoError(t, err)
	require.Len(t, sns, 1)
	assert.Equal(t, 4, sns[0].IPVersion)
	require.True(t, srv.RemoveNetwork(net.ID))
	assert.Empty(t, srv.SubnetID("lan-v4"), "a network's subnets go with it")
	_, err = subnets.Get(ctx, nc, sn.ID).Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound))

	// Copies handed out do not alias the fake's state.
	imgs := srv.Images()
	imgs[0].Properties["os_distro"] = "changed"
	assert.Equal(t, "fedora-atomic", srv.Images()[0].Properties["os_distro"])
}

func TestAuthAndUnknownPaths(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{})
	defer srv.Close()
	resp, err := http.Get(srv.URL() + "/image/v2/images")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Zero(t, srv.TotalRequests(), "refused before reaching Glance")

	_, cc, _ := clients(t, srv)
	_, err = cc.Get(context.Background(), cc.ServiceURL("servers", "detail"), nil, nil)
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound), "%v", err)
	assert.Equal(t, 1, srv.Requests(openstacktest.KindOther))
}

func TestFaults(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{})
	ic, _, nc := clients(t, srv)
	ctx := context.Background()
	srv.InjectFault(openstacktest.Fault{Kind: openstacktest.KindImageList, Status: 502, Times: 2})
	for range 2 {
		_, err := images.List(ic, images.ListOpts{}).AllPages(ctx)
		assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusBadGateway), "%v", err)
	}
	_, err := images.List(ic, images.ListOpts{}).AllPages(ctx)
	assert.NoError(t, err)

	srv.InjectFault(openstacktest.Fault{Kind: openstacktest.KindSubnetGet, Times: 5})
	srv.ClearFaults()
	_, err = subnets.Get(ctx, nc, srv.SubnetID("public-subnet")).Extract()
	assert.NoError(t, err)

	// A stalled request ends when the client gives up, or at Close.
	srv.InjectFault(openstacktest.Fault{Kind: openstacktest.KindNetworkList, Stall: true, Times: 2})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = networks.List(nc, nil).AllPages(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	done := make(chan error, 1)
	go func() {
		_, err := networks.List(nc, nil).AllPages(ctx)
		done <- err
	}()
	require.Eventually(t, func() bool { return srv.Requests(openstacktest.KindNetworkList) == 2 }, 5*time.Second, time.Millisecond)
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for a stalled request")
	}
	assert.Error(t, <-done)
}

// clouds.yaml and the auth options both log openstack.Connect in.
func TestConnectWays(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{Heat: heatOptions()})
	defer srv.Close()
	var doc struct {
		Clouds map[string]struct {
			Auth map[string]string `json:"auth"`
		} `json:"clouds"`
	}
	require.NoError(t, json.Unmarshal(srv.CloudsYAML(), &doc))
	assert.Equal(t, srv.AuthOptions().IdentityEndpoint, doc.Clouds[openstacktest.CloudName].Auth["auth_url"])
	assert.Equal(t, "o'brien: \"x\"", doc.Clouds[openstacktest.CloudName].Auth["password"], "quoted, whatever the characters")

	path, err := srv.WriteCloudsYAML(t.TempDir())
	require.NoError(t, err)
	ctx := context.Background()
	for name, opts := range map[string]openstack.ConnectOptions{
		"clouds.yaml":  {Cloud: openstacktest.CloudName, CloudsFile: path},
		"auth options": srv.ConnectOptions(),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := openstack.Connect(ctx, opts)
			require.NoError(t, err)
			d, err := c.OSDistro(ctx, "coreos")
			require.NoError(t, err)
			assert.Equal(t, "coreos", d)
		})
	}
	_, err = srv.WriteCloudsYAML(path) // a file, not a directory
	assert.Error(t, err)
}

func heatOptions() heattest.Options {
	return heattest.Options{Password: "o'brien: \"x\""}
}

// Glance, Nova and Neutron are counted here, Heat and Keystone by Heat();
// ResetCounts clears both.
func TestCountsAreSeparate(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{})
	defer srv.Close()
	ctx := context.Background()
	c, err := srv.Connect(ctx)
	require.NoError(t, err)
	srv.ResetCounts()
	require.NoError(t, c.CheckResources(ctx, openstack.Resources{Image: "coreos", Keypair: "testkey"}))
	assert.Equal(t, 2, srv.TotalRequests())
	assert.Zero(t, srv.Heat().TotalRequests())
	srv.ResetCounts()
	assert.Zero(t, srv.TotalRequests())
}
