package heattest_test

import (
	"context"
	"fmt"

	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
)

// A fake Heat behind a fake Keystone, driven through the real gophercloud
// orchestrator: create a stack, watch it finish, read its outputs, and see
// what that cost in API calls.
func Example() {
	srv := heattest.New(heattest.Options{PollsToComplete: 1})
	defer srv.Close()

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
parameters:
  count: {type: number}
resources:
  subnet: {type: OS::Neutron::Subnet, properties: {network: private, cidr: 192.168.10.0/24}}
  nodes:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: count}
      resource_def:
        type: OS::Nova::Server
        properties:
          name: node-%index%
          networks: [{network: private, subnet: {get_resource: subnet}}]
outputs:
  names: {value: {get_attr: [nodes, name]}}
  addresses: {value: {get_attr: [nodes, first_address]}}
`
	id, err := orch.CreateStack(ctx, heat.StackRequest{Name: "demo", Template: []byte(tpl), Parameters: map[string]any{"count": 2}})
	if err != nil {
		panic(err)
	}
	for {
		s, err := orch.GetStack(ctx, id, true)
		if err != nil {
			panic(err)
		}
		fmt.Println(s.Status)
		if s.Status != "CREATE_IN_PROGRESS" {
			fmt.Println(s.Outputs["names"], s.Outputs["addresses"])
			break
		}
	}
	fmt.Println("create:", srv.Requests(heattest.KindCreate), "get:", srv.Requests(heattest.KindGet))
	// Output:
	// CREATE_IN_PROGRESS
	// CREATE_COMPLETE
	// [node-0 node-1] [192.168.10.3 192.168.10.4]
	// create: 1 get: 2
}
