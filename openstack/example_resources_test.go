package openstack_test

import (
	"context"
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
)

// Check a template's resources before creating anything. openstacktest
// stands in for the cloud; with a real one, Connect reads clouds.yaml.
func ExampleCloud_CheckResources() {
	fake := openstacktest.New(openstacktest.Options{})
	defer fake.Close()
	fake.AddImage(openstacktest.Image{Name: "coreos", Properties: map[string]string{"os_distro": "coreos"}})

	ctx := context.Background()
	cloud, err := openstack.Connect(ctx, fake.ConnectOptions())
	if err != nil {
		panic(err)
	}
	res := openstack.Resources{
		Image: "coreos", Flavor: "m1.small", Keypair: "ops-key",
		ExternalNetwork: "public", FixedNetwork: "private", FixedSubnet: "lan-subnet",
	}
	err = cloud.CheckResources(ctx, res)
	for _, p := range errdefs.Problems(err) {
		fmt.Printf("%s: %s\n", p.Field, p.Reason)
	}

	// What a valid request resolves to.
	res = openstack.Resources{Image: "fedora-atomic-latest", ExternalNetwork: "public", FixedSubnet: "private-subnet"}
	got, err := cloud.ResolveResources(ctx, res)
	fmt.Println(got.OSDistro, got.FixedSubnetCIDR, err)
	// Output:
	// image_id: 2 images are named "coreos": give the ID
	// keypair_id: keypair not found
	// fixed_subnet: subnet not found
	// fedora-atomic 10.0.0.0/24 <nil>
}
