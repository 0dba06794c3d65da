package openstacktest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
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

// A cloud that outlives its process: two servers on one state directory,
// one after the other, as two runs of a CLI would start them. The stack
// created by the first is found by the second, with the same ID and
// addresses, finished in the meantime by the clock.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "openstacktest-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	tpl := []byte(`heat_template_version: 2018-08-31
resources:
  server: {type: OS::Nova::Server, properties: {networks: [{network: private}]}}
outputs:
  ip: {value: {get_attr: [server, first_address]}}
`)
	clock := heattest.NewManualClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	opts := openstacktest.Options{StateDir: dir, Heat: heattest.Options{Clock: clock, ActionDuration: time.Minute}}

	run := func(f func(heat.Orchestrator) error) {
		cloud, err := openstacktest.Open(opts)
		if err != nil {
			panic(err)
		}
		defer cloud.Close()
		c, err := cloud.Connect(ctx)
		if err != nil {
			panic(err)
		}
		orch, err := c.Orchestrator(openstack.Config{})
		if err != nil {
			panic(err)
		}
		if err := f(orch); err != nil {
			panic(err)
		}
	}

	var id string
	run(func(o heat.Orchestrator) (err error) {
		id, err = o.CreateStack(ctx, heat.StackRequest{Name: "web", Template: tpl})
		s, _ := o.GetStack(ctx, id, true)
		fmt.Println(s.Status, s.Outputs["ip"])
		return err
	})
	clock.Advance(time.Hour) // the next run comes later
	run(func(o heat.Orchestrator) error {
		s, err := o.GetStack(ctx, id, true)
		fmt.Println(s.Name, s.Status, s.Outputs["ip"])
		return err
	})
	// Output:
	// CREATE_IN_PROGRESS 10.0.0.3
	// web CREATE_COMPLETE 10.0.0.3
}
