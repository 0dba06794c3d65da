package openstack_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	magnum "github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
)

// The Cloud is what the Manager asks about images.
var _ magnum.ImageInspector = (*openstack.Cloud)(nil)

// fakeCloud starts openstacktest and logs in to it through gophercloud;
// retry waits are not slept.
func fakeCloud(t testing.TB, opts openstacktest.Options) (*openstacktest.Server, *openstack.Cloud) {
	t.Helper()
	srv := openstacktest.New(opts)
	t.Cleanup(srv.Close)
	c, err := srv.Connect(context.Background())
	require.NoError(t, err)
	c.Lookup.Sleep = noWait
	srv.ResetCounts()
	return srv, c
}

func TestImageInspectorIsCloud(t *testing.T) {
	srv, c := fakeCloud(t, openstacktest.Options{})
	var ii magnum.ImageInspector = c
	distro, err := ii.OSDistro(context.Background(), "coreos")
	require.NoError(t, err)
	assert.Equal(t, "coreos", distro)
	_, err = ii.OSDistro(context.Background(), "no-such-image")
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "the interface's contract: a missing image is ErrNotFound")
	assert.Equal(t, 2, srv.Requests(openstacktest.KindImageList))
}

func TestOSDistro(t *testing.T) {
	srv, c := fakeCloud(t, openstacktest.Options{})
	bare := srv.AddImage(openstacktest.Image{Name: "bare"})
	srv.AddImage(openstacktest.Image{Name: "twin", Properties: map[string]string{"os_distro": "fedora-atomic"}})
	twin2 := srv.AddImage(openstacktest.Image{Name: "twin", Properties: map[string]string{"os_distro": "coreos"}})
	// A name shaped like an ID that is no image's ID is still a name.
	uuidName := "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
	srv.AddImage(openstacktest.Image{Name: uuidName, Properties: map[string]string{"os_distro": "ubuntu"}})

	tests := []struct {
		name, image, want string
		kind              error
	}{
		{name: "fedora atomic by name", image: "fedora-atomic-latest", want: "fedora-atomic"},
		{name: "coreos by name", image: "coreos", want: "coreos"},
		{name: "ubuntu by name", image: "ubuntu-mesos", want: "ubuntu"},
		{name: "by ID", image: srv.ImageID("coreos"), want: "coreos"},
		{name: "one of twins by ID", image: twin2.ID, want: "coreos"},
		{name: "UUID-shaped name", image: uuidName, want: "ubuntu"},
		{name: "no os_distro", image: bare.ID, want: ""},
		{name: "missing", image: "centos", kind: errdefs.ErrNotFound},
		{name: "missing ID", image: "6d1f6c0e-0000-4000-8000-000000000000", kind: errdefs.ErrNotFound},
		{name: "ambiguous name", image: "twin", kind: errdefs.ErrConflict},
		{name: "empty", image: "", kind: errdefs.ErrInvalid},
		{name: "too long", image: strings.Repeat("x", 256), kind: errdefs.ErrInvalid},
		{name: "control character", image: "a\nb", kind: errdefs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.OSDistro(context.Background(), tt.image)
			if tt.kind != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.kind)
				var de *errdefs.Error
				require.ErrorAs(t, err, &de)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// problems maps each field of a CheckResources error to its kind.
func problems(t *testing.T, err error) map[string]error {
	t.Helper()
	out := map[string]error{}
	for _, p := range errdefs.Problems(err) {
		require.NotEmpty(t, p.Field, "every problem names its field: %v", p)
		_, dup := out[p.Field]
		require.False(t, dup, "one problem per field: %v", err)
		out[p.Field] = p.Kind
	}
	return out
}

func TestCheckResources(t *testing.T) {
	srv, c := fakeCloud(t, openstacktest.Options{})
	srv.AddImage(openstacktest.Image{Name: "no-distro"})
	srv.AddImage(openstacktest.Image{Name: "uploading", Status: "queued", Properties: map[string]string{"os_distro": "coreos"}})
	srv.AddImage(openstacktest.Image{Name: "twin", Properties: map[string]string{"os_distro": "coreos"}})
	srv.AddImage(openstacktest.Image{Name: "twin", Properties: map[string]string{"os_distro": "coreos"}})
	srv.AddFlavor(openstacktest.Flavor{Name: "dup.flavor"})
	srv.AddFlavor(openstacktest.Flavor{Name: "dup.flavor"})
	srv.AddFlavor(openstacktest.Flavor{ID: "42", Name: "numbered"})
	ext2 := srv.AddNetwork(openstacktest.Network{Name: "ext-twin", External: true})
	srv.AddNetwork(openstacktest.Network{Name: "ext-twin", External: true})
	srv.AddNetwork(openstacktest.Network{Name: "net-twin"})
	srv.AddNetwork(openstacktest.Network{Name: "net-twin"})
	srv.AddSubnet(openstacktest.Subnet{Name: "sub-twin", NetworkID: ext2.ID, CIDR: "192.0.2.0/25"})
	srv.AddSubnet(openstacktest.Subnet{Name: "sub-twin", NetworkID: ext2.ID, CIDR: "192.0.2.128/25"})

	base := openstack.Resources{
		Image: "fedora-atomic-latest", Flavor: "m1.small", MasterFlavor: "m1.medium", Keypair: "testkey",
		ExternalNetwork: "public", FixedNetwork: "private", FixedSubnet: "private-subnet",
	}
	with := func(f func(r *openstack.Resources)) openstack.Resources {
		r := base
		f(&r)
		return r
	}
	tests := []struct {
		name string
		res  openstack.Resources
		want map[string]error // field → kind; empty: no error
	}{
		{name: "all present by name", res: base},
		{name: "all present by ID", res: openstack.Resources{
			Image: srv.ImageID("coreos"), Flavor: srv.FlavorID("m1.small"), MasterFlavor: "42", Keypair: "testkey",
			ExternalNetwork: srv.NetworkID("public"), FixedNetwork: srv.NetworkID("private"), FixedSubnet: srv.SubnetID("private-subnet")}},
		{name: "nothing asked", res: openstack.Resources{}},
		{name: "image missing", res: with(func(r *openstack.Resources) { r.Image = "centos" }),
			want: map[string]error{"image_id": errdefs.ErrInvalid}},
		{name: "image ID missing", res: with(func(r *openstack.Resources) { r.Image = "00000000-0000-4000-8000-00000000dead" }),
			want: map[string]error{"image_id": errdefs.ErrInvalid}},
		{name: "image ambiguous", res: with(func(r *openstack.Resources) { r.Image = "twin" }),
			want: map[string]error{"image_id": errdefs.ErrConflict}},
		{name: "image without os_distro", res: with(func(r *openstack.Resources) { r.Image = "no-distro" }),
			want: map[string]error{"image_id": errdefs.ErrInvalid}},
		{name: "image not active", res: with(func(r *openstack.Resources) { r.Image = "uploading" }),
			want: map[string]error{"image_id": errdefs.ErrInvalid}},
		{name: "flavors missing", res: with(func(r *openstack.Resources) { r.Flavor, r.MasterFlavor = "m1.tiny", "m1.huge" }),
			want: map[string]error{"flavor_id": errdefs.ErrInvalid, "master_flavor_id": errdefs.ErrInvalid}},
		{name: "same flavor twice, missing", res: with(func(r *openstack.Resources) { r.Flavor, r.MasterFlavor = "m1.tiny", "m1.tiny" }),
			want: map[string]error{"flavor_id": errdefs.ErrInvalid, "master_flavor_id": errdefs.ErrInvalid}},
		{name: "flavor ambiguous", res: with(func(r *openstack.Resources) { r.Flavor = "dup.flavor" }),
			want: map[string]error{"flavor_id": errdefs.ErrConflict}},
		{name: "keypair missing", res: with(func(r *openstack.Resources) { r.Keypair = "otherkey" }),
			want: map[string]error{"keypair_id": errdefs.ErrInvalid}},
		{name: "cluster keypair missing", res: with(func(r *openstack.Resources) { r.Keypair, r.KeypairField = "otherkey", "keypair" }),
			want: map[string]error{"keypair": errdefs.ErrInvalid}},
		{name: "external network missing", res: with(func(r *openstack.Resources) { r.ExternalNetwork = "internet" }),
			want: map[string]error{"external_network_id": errdefs.ErrInvalid}},
		{name: "external network not external", res: with(func(r *openstack.Resources) { r.ExternalNetwork = "private" }),
			want: map[string]error{"external_network_id": errdefs.ErrInvalid}},
		{name: "external network ambiguous", res: with(func(r *openstack.Resources) { r.ExternalNetwork = "ext-twin" }),
			want: map[string]error{"external_network_id": errdefs.ErrConflict}},
		{name: "fixed network missing", res: with(func(r *openstack.Resources) { r.FixedNetwork, r.FixedSubnet = "lan", "" }),
			want: map[string]error{"fixed_network": errdefs.ErrInvalid}},
		{name: "fixed network ambiguous", res: with(func(r *openstack.Resources) { r.FixedNetwork, r.FixedSubnet = "net-twin", "" }),
			want: map[string]error{"fixed_network": errdefs.ErrConflict}},
		{name: "fixed subnet missing", res: with(func(r *openstack.Resources) { r.FixedSubnet = "lan-subnet" }),
			want: map[string]error{"fixed_subnet": errdefs.ErrInvalid}},
		{name: "fixed subnet ambiguous", res: with(func(r *openstack.Resources) { r.FixedNetwork, r.FixedSubnet = "", "sub-twin" }),
			want: map[string]error{"fixed_subnet": errdefs.ErrConflict}},
		{name: "fixed subnet of another network", res: with(func(r *openstack.Resources) { r.FixedSubnet = "public-subnet" }),
			want: map[string]error{"fixed_subnet": errdefs.ErrInvalid}},
		{name: "fixed subnet alone", res: openstack.Resources{FixedSubnet: "public-subnet"}},
		{name: "name too long", res: with(func(r *openstack.Resources) { r.Flavor = strings.Repeat("f", 300) }),
			want: map[string]error{"flavor_id": errdefs.ErrInvalid}},
		{name: "everything wrong at once", res: openstack.Resources{
			Image: "twin", Flavor: "m1.tiny", MasterFlavor: "dup.flavor", Keypair: "nokey",
			ExternalNetwork: "private", FixedNetwork: "lan", FixedSubnet: "sub-twin"},
			want: map[string]error{
				"image_id": errdefs.ErrConflict, "flavor_id": errdefs.ErrInvalid, "master_flavor_id": errdefs.ErrConflict,
				"keypair_id": errdefs.ErrInvalid, "external_network_id": errdefs.ErrInvalid,
				"fixed_network": errdefs.ErrInvalid, "fixed_subnet": errdefs.ErrConflict}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.CheckResources(context.Background(), tt.res)
			if len(tt.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			got := problems(t, err)
			require.Len(t, got, len(tt.want), "problems: %v", err)
			for field, kind := range tt.want {
				require.Contains(t, got, field, "problems: %v", err)
				assert.ErrorIs(t, got[field], kind, "field %s: %v", field, err)
			}
			// A missing resource is the caller's mistake, never a 404.
			assert.NotErrorIs(t, err, errdefs.ErrNotFound)
		})
	}
}

func TestResolveResources(t *testing.T) {
	srv, c := fakeCloud(t, openstacktest.Options{})
	got, err := c.ResolveResources(context.Background(), openstack.Resources{
		Image: "ubuntu-mesos", Flavor: "m1.magnum", MasterFlavor: "m1.medium", Keypair: "testkey",
		ExternalNetwork: "public", FixedNetwork: srv.NetworkID("private"), FixedSubnet: "private-subnet",
	})
	require.NoError(t, err)
	assert.Equal(t, openstack.Resolved{
		ImageID: srv.ImageID("ubuntu-mesos"), OSDistro: "ubuntu",
		FlavorID: srv.FlavorID("m1.magnum"), MasterFlavorID: srv.FlavorID("m1.medium"), Keypair: "testkey",
		ExternalNetworkID: srv.NetworkID("public"),
		FixedNetworkID:    srv.NetworkID("private"), FixedNetworkName: "private",
		FixedSubnetID: srv.SubnetID("private-subnet"), FixedSubnetCIDR: "10.0.0.0/24",
	}, got)

	// What a check costs: names are listed, UUIDs fetched, flavors
	// tried as IDs first (Nova's IDs are free-form).
	assert.Equal(t, map[openstacktest.RequestKind]int{
		openstacktest.KindImageList:   1,
		openstacktest.KindFlavorGet:   2,
		openstacktest.KindFlavorList:  2,
		openstacktest.KindKeypairGet:  1,
		openstacktest.KindNetworkList: 1,
		openstacktest.KindNetworkGet:  1,
		openstacktest.KindSubnetList:  1,
	}, srv.RequestCounts())
}

// The usual template names one flavor for masters and nodes: it is looked
// up once.
func TestCheckResourcesSameFlavor(t *testing.T) {
	srv, c := fakeCloud(t, openstacktest.Options{})
	got, err := c.ResolveResources(context.Background(), openstack.Resources{Flavor: "m1.magnum", MasterFlavor: "m1.magnum"})
	require.NoError(t, err)
	assert.Equal(t, srv.FlavorID("m1.magnum"), got.FlavorID)
	assert.Equal(t, got.FlavorID, got.MasterFlavorID)
	assert.Equal(t, 1, srv.Requests(openstacktest.KindFlavorList))
}

// Lists are followed across pages: a name repeated on another page is still
// ambiguous, and what is on the last page is found.
func TestCheckResourcesPages(t *testing.T) {
	srv, c := fakeCloud(t, openstacktest.Options{PageSize: 1})
	srv.AddImage(openstacktest.Image{Name: "coreos", Properties: map[string]string{"os_distro": "coreos"}})
	err := c.CheckResources(context.Background(), openstack.Resources{Image: "coreos", MasterFlavor: "m1.magnum"})
	assert.Equal(t, map[string]error{"image_id": errdefs.ErrConflict}, problems(t, err))
	assert.Equal(t, 2, srv.Requests(openstacktest.KindImageList), "one page per image named coreos")
	assert.Equal(t, 3, srv.Requests(openstacktest.KindFlavorList), "m1.magnum is on the third page")
}

func TestCheckResourcesUnavailable(t *testing.T) {
	tests := []struct {
		name  string
		fault openstacktest.Fault
		res   openstack.Resources
		field string
		kind  error
		calls int
	}{
		{name: "glance down", fault: openstacktest.Fault{Kind: openstacktest.KindImageList, Times: 10},
			res: openstack.Resources{Image: "coreos"}, field: "image_id", kind: errdefs.ErrUnavailable, calls: 3},
		{name: "nova down", fault: openstacktest.Fault{Kind: openstacktest.KindKeypairGet, Status: 500, Times: 10},
			res: openstack.Resources{Keypair: "testkey"}, field: "keypair_id", kind: errdefs.ErrUnavailable, calls: 3},
		{name: "neutron refuses", fault: openstacktest.Fault{Kind: openstacktest.KindNetworkList, Status: 403},
			res: openstack.Resources{ExternalNetwork: "public"}, field: "external_network_id", kind: errdefs.ErrForbidden, calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := fakeCloud(t, openstacktest.Options{})
			c.Lookup.Retry = openstack.RetryPolicy{MaxAttempts: 3}
			srv.InjectFault(tt.fault)
			err := c.CheckResources(context.Background(), tt.res)
			got := problems(t, err)
			require.Len(t, got, 1, "%v", err)
			assert.ErrorIs(t, got[tt.field], tt.kind, "%v", err)
			assert.Equal(t, tt.calls, srv.Requests(tt.fault.Kind))
			var he *openstack.HTTPError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tt.fault.Status|map[bool]int{true: 503}[tt.fault.Status == 0], he.Status)
			assert.Contains(t, he.Error(), "answered")
			assert.NotContains(t, he.Error(), "heat", "the service is named: %v", he)
		})
	}
}

// A transient failure is retried and the check goes through.
func TestCheckResourcesRetries(t *testing.T) {
	srv, c := fakeCloud(t, openstacktest.Options{})
	srv.InjectFault(openstacktest.Fault{Kind: openstacktest.KindImageList, Times: 2})
	srv.InjectFault(openstacktest.Fault{Kind: openstacktest.KindSubnetList, Status: 429})
	require.NoError(t, c.CheckResources(context.Background(), openstack.Resources{Image: "coreos", FixedSubnet: "private-subnet"}))
	assert.Equal(t, 3, srv.Requests(openstacktest.KindImageList))
	assert.Equal(t, 2, srv.Requests(openstacktest.KindSubnetList))
}

// A stalled service is given up on per attempt and retried; the caller's
// context ends everything, and its error comes back as is.
func TestCheckResourcesContext(t *testing.T) {
	t.Run("attempt timeout", func(t *testing.T) {
		srv, c := fakeCloud(t, openstacktest.Options{})
		c.Lookup.AttemptTimeout = 50 * time.Millisecond
		srv.InjectFault(openstacktest.Fault{Kind: openstacktest.KindFlavorList, Stall: true})
		require.NoError(t, c.CheckResources(context.Background(), openstack.Resources{Flavor: "m1.small"}))
		assert.Equal(t, 2, srv.Requests(openstacktest.KindFlavorList))
	})
	t.Run("deadline", func(t *testing.T) {
		srv, c := fakeCloud(t, openstacktest.Options{})
		c.Lookup.AttemptTimeout = -1
		srv.InjectFault(openstacktest.Fault{Kind: openstacktest.KindImageList, Stall: true})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := c.CheckResources(ctx, openstack.Resources{Image: "coreos", Flavor: "m1.small"})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Empty(t, errdefs.Problems(err), "a caller who gave up gets the context's error alone")
		assert.Less(t, time.Since(start), 5*time.Second)
		_, err = c.OSDistro(ctx, "coreos")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("canceled before", func(t *testing.T) {
		srv, c := fakeCloud(t, openstacktest.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := c.CheckResources(ctx, openstack.Resources{Image: "coreos", Keypair: "testkey"})
		assert.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, srv.TotalRequests())
	})
	t.Run("retry wait canceled", func(t *testing.T) {
		srv, c := fakeCloud(t, openstacktest.Options{})
		c.Lookup.Sleep = nil // real timer
		c.Lookup.Retry = openstack.RetryPolicy{InitialBackoff: time.Hour, MaxBackoff: time.Hour}
		srv.InjectFault(openstacktest.Fault{Kind: openstacktest.KindKeypairGet})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := c.CheckResources(ctx, openstack.Resources{Keypair: "testkey"})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 1, srv.Requests(openstacktest.KindKeypairGet))
	})
}

// Tokens expire; gophercloud logs in again and the checks carry on.
func TestCheckResourcesReauth(t *testing.T) {
	srv, c := fakeCloud(t, openstacktest.Options{})
	srv.Heat().ExpireTokens()
	require.NoError(t, c.CheckResources(context.Background(), openstack.Resources{Image: "coreos", Keypair: "testkey", ExternalNetwork: "public"}))
}

// A Cloud that is not connected, or whose catalog lacks a service, fails
// cleanly.
func TestCheckResourcesNoService(t *testing.T) {
	var nilCloud *openstack.Cloud
	err := nilCloud.CheckResources(context.Background(), openstack.Resources{Image: "coreos"})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)

	_, c := fakeCloud(t, openstacktest.Options{})
	c.Endpoint.Region = "Atlantis"
	err = c.CheckResources(context.Background(), openstack.Resources{Image: "coreos", ExternalNetwork: "public"})
	got := problems(t, err)
	assert.ErrorIs(t, got["image_id"], errdefs.ErrUnavailable)
	assert.ErrorIs(t, got["external_network_id"], errdefs.ErrUnavailable)
}

// One session for everything: logged in from clouds.yaml, the Cloud checks
// resources and its orchestrator runs a stack on the fake Heat.
func TestFakeCloudHeatSameSession(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{})
	defer srv.Close()
	path, err := srv.WriteCloudsYAML(t.TempDir())
	require.NoError(t, err)
	ctx := context.Background()
	c, err := openstack.Connect(ctx, openstack.ConnectOptions{Cloud: openstacktest.CloudName, CloudsFile: path})
	require.NoError(t, err)

	distro, err := c.OSDistro(ctx, "fedora-atomic-latest")
	require.NoError(t, err)
	assert.Equal(t, "fedora-atomic", distro)

	orch, err := c.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	tpl := `heat_template_version: 2018-08-31
parameters:
  image: {type: string}
resources:
  node:
    type: OS::Nova::Server
    properties: {flavor: m1.small, image: {get_param: image}}
outputs:
  address: {value: {get_attr: [node, first_address]}}
`
	id, err := orch.CreateStack(ctx, heat.StackRequest{Name: "tiny", Template: []byte(tpl),
		Parameters: map[string]any{"image": "fedora-atomic-latest"}, Tags: []string{"cluster-uuid"}})
	require.NoError(t, err)
	st, err := openstack.Wait(ctx, orch, id, openstack.WaitOptions{WithOutputs: true, Sleep: noWait})
	require.NoError(t, err)
	assert.Equal(t, "CREATE_COMPLETE", st.Status)
	assert.NotEmpty(t, st.Outputs["address"])
	assert.Equal(t, 1, srv.Heat().Requests(heattest.KindCreate))
	assert.Equal(t, 1, srv.Requests(openstacktest.KindImageList))
	assert.Equal(t, 1, srv.Heat().Requests(heattest.KindAuth), "one login serves Glance and Heat")
}

func TestLookupErrorsCarryNoSecrets(t *testing.T) {
	srv, c := fakeCloud(t, openstacktest.Options{})
	srv.InjectFault(openstacktest.Fault{Kind: openstacktest.KindImageList, Status: 400})
	err := c.CheckResources(context.Background(), openstack.Resources{Image: "coreos"})
	require.Error(t, err)
	ao := srv.AuthOptions()
	assert.NotContains(t, err.Error(), ao.Password)
	assert.True(t, errors.Is(err, errdefs.ErrInvalid))
}
