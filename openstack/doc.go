// Package openstack connects gomagnum to a real OpenStack cloud through
// gophercloud v2. It holds the Heat orchestrator, the implementation of
// heat.Orchestrator that every driver uses; Connect, which logs in from
// clouds.yaml or openrc variables the way the openstack CLI does; and the
// checks of a cluster's cloud resources before anything is created.
//
//	cloud, err := openstack.Connect(ctx, openstack.ConnectOptions{}) // OS_CLOUD or OS_* variables
//	if err != nil {
//		return err
//	}
//	orch, err := cloud.Orchestrator(openstack.Config{Logger: logger})
//	if err != nil {
//		return err
//	}
//	id, err := orch.CreateStack(ctx, heat.StackRequest{Name: "k8s-abc", Template: tpl, Files: files, Tags: []string{clusterUUID}})
//
// The orchestrator builds Heat's request bodies itself, so nested templates
// travel in the "files" map from memory. Errors carry errdefs kinds (404 →
// ErrNotFound, 409 → ErrConflict, other 4xx → ErrInvalid with Heat's
// message, 5xx and connection failures → ErrUnavailable). Idempotent calls
// are retried with jittered exponential backoff (RetryPolicy); creates never
// are retried blindly: after an ambiguous failure the stack is looked up by
// name first. heat/heattest is a fake Heat this package is tested against.
//
// Before a cluster is created, [Cloud.CheckResources] verifies what its
// template and request name, by name or ID, through Glance, Nova and
// Neutron: the image exists, is active and carries os_distro (which picks
// the driver; [Cloud.OSDistro] returns it and makes a Cloud a
// magnum.ImageInspector), the flavors and keypair exist, the external
// network is router:external, the fixed network and subnet exist and agree.
// All problems come back at once, each an *errdefs.Error naming its field:
// ErrInvalid for what is missing or unusable, ErrConflict for a name several
// resources share, ErrUnavailable or ErrForbidden when the cloud could not
// answer. Lookups are retried like Heat reads (Cloud.Lookup).
//
//	err := cloud.CheckResources(ctx, openstack.Resources{
//		Image: "fedora-atomic-latest", Flavor: "m1.small", MasterFlavor: "m1.medium",
//		Keypair: "testkey", ExternalNetwork: "public",
//	})
//	for _, p := range errdefs.Problems(err) {
//		fmt.Println(p.Field, p.Reason) // e.g. "external_network_id not an external network (router:external is false)"
//	}
//
// openstack/openstacktest is a fake cloud (Keystone, Heat, Glance, Nova,
// Neutron) for tests.
package openstack
