package openstacktest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
)

// Check a cluster template's resources against the fake cloud: what is
// there resolves, what is not is reported field by field, all at once.
func Example() {
	cloud := openstacktest.New(openstacktest.Options{})
	defer cloud.Close()
	ctx := context.Background()
	c, err := cloud.Connect(ctx)
	if err != nil {
		panic(err)
	}

	distro, err := c.OSDistro(ctx, "fedora-atomic-latest")
	fmt.Println(distro, err)

	err = c.CheckResources(ctx, openstack.Resources{
		Image: "coreos", Flavor: "m1.small", MasterFlavor: "m1.huge",
		Keypair: "testkey", ExternalNetwork: "private",
	})
	fmt.Println(errors.Is(err, errdefs.ErrInvalid))
	for _, p := range errdefs.Problems(err) {
		fmt.Println(p.Field+":", p.Reason)
	}
	// Output:
	// fedora-atomic <nil>
	// true
	// master_flavor_id: flavor not found
	// external_network_id: not an external network (router:external is false)
}
