package openstack_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
)

// Create a stack and wait for it; when a resource fails, the reason Heat
// gives for it surfaces in the error. heattest stands in for the cloud: with
// a real one, Connect reads clouds.yaml (OS_CLOUD) or openrc variables.
func ExampleWait() {
	srv := heattest.New(heattest.Options{})
	defer srv.Close()
	srv.FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: "No valid host was found."})

	ctx := context.Background()
	ao := srv.AuthOptions()
	cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{Auth: &ao})
	if err != nil {
		panic(err)
	}
	orch, err := cloud.Orchestrator(openstack.Config{})
	if err != nil {
		panic(err)
	}
	tpl := `heat_template_version: 2018-08-31
resources:
  workers:
    type: OS::Heat::ResourceGroup
    properties:
      count: 2
      resource_def: {type: OS::Nova::Server, properties: {flavor: m1.small, image: fedora}}
`
	id, err := orch.CreateStack(ctx, heat.StackRequest{Name: "demo", Template: []byte(tpl), DisableRollback: true, Tags: []string{"cluster-uuid"}})
	if err != nil {
		panic(err)
	}
	_, err = openstack.Wait(ctx, orch, id, openstack.WaitOptions{})
	var failed *openstack.StackFailedError
	if errors.As(err, &failed) {
		fmt.Println(failed.Stack.Status)
		for _, f := range openstack.LeafFailures(failed.Failures) {
			fmt.Println(f.Resource, "-", f.Reason)
		}
	}
	// Output:
	// CREATE_FAILED
	// workers.0 - ResourceInError: resources[0]: No valid host was found.
	// workers.1 - ResourceInError: resources[1]: No valid host was found.
}
