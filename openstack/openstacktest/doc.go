// Package openstacktest is a fake OpenStack cloud for tests: one loopback
// HTTP server with Keystone v3 and Heat from heat/heattest, and the Glance,
// Nova and Neutron calls gomagnum makes to check a cluster's resources
// before creating it. gophercloud (and so openstack.Connect) talks to it as
// to a real cloud: it logs in, finds the services in the token's catalog
// and calls them.
//
// It starts with a seed catalog (Options.Empty leaves it out):
//
//   - images fedora-atomic-latest (os_distro fedora-atomic), coreos
//     (os_distro coreos) and ubuntu-mesos (os_distro ubuntu), all active;
//   - flavors m1.small, m1.medium and m1.magnum;
//   - keypair testkey;
//   - network public (router:external) with subnet public-subnet
//     (172.24.4.0/22), and network private with subnet private-subnet
//     (10.0.0.0/24).
//
// Tests add what they need (AddImage, AddFlavor, AddKeypair, AddNetwork,
// AddSubnet) or take it away (RemoveImage…); names may repeat, as in
// Glance and Neutron, to test ambiguity. Requests are counted by kind
// (Requests; Heat's through Heat().Requests) and faults injected per kind
// (InjectFault; Heat's through Heat().InjectFault).
//
//	cloud := openstacktest.New(openstacktest.Options{})
//	defer cloud.Close()
//	c, err := cloud.Connect(ctx) // or openstack.Connect with cloud.ConnectOptions(), or CloudsYAML
//	…
//	distro, err := c.OSDistro(ctx, "coreos") // "coreos"
//	err = c.CheckResources(ctx, openstack.Resources{Image: "coreos", Flavor: "m1.small", ExternalNetwork: "public"})
//	orch, err := c.Orchestrator(openstack.Config{}) // the fake Heat, same session
//
// Glance, Nova and Neutron serve reads only (show and list with the usual
// filters and limit/marker paging); nothing is created through them.
//
// Options.StateDir makes the cloud persist between processes — a simulated
// cloud for a CLI that starts it, runs one command and exits, with no
// daemon. The directory holds two journals of JSON lines, each change
// fsync'd as it is accepted: HeatStateFile, the stacks (see heattest's
// Options.StateFile: replayed at their original times and random state, so
// IDs, names, addresses and outputs are identical, then actions in
// progress finish by the clock, Options.Heat.ActionDuration), and
// CatalogStateFile, the Add* and Remove* calls (the seed catalog is
// recorded once, when the directory is new). The Keystone project and user
// are those of the options, so keep them the same across processes (the
// defaults are fixed). A torn last line is dropped and reported by
// StateError; Open returns the errors of a directory that cannot be used,
// New serves without persistence then. One process at a time may use a
// directory.
//
//	cloud, err := openstacktest.Open(openstacktest.Options{
//		StateDir: filepath.Join(home, ".local/state/magnum/cloud"),
//		Heat:     heattest.Options{ActionDuration: 20 * time.Second},
//	})
//	if err != nil { … }
//	defer cloud.Close()
//	if err := cloud.StateError(); err != nil { … } // e.g. log it
package openstacktest
