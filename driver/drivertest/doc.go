// Package drivertest is the conformance suite for gomagnum drivers: ours,
// and any a program adds to its driver.Registry. A driver runs it from its
// own tests:
//
//	func TestConformance(t *testing.T) {
//		drivertest.Run(t, mydriver.New(), drivertest.Options{
//			Good: []drivertest.Case{{Name: "default", Template: tmpl, Workers: 2}},
//			Bad: []drivertest.Case{{Name: "net", Template: badNet, BadFields: []string{"network_driver"}}},
//			RequiredOutputs: []string{"api_address"},
//		})
//	}
//
// Run checks what the driver declares (CheckInfo: name, tuples, coherent
// capabilities, a registry that accepts it), that good templates pass and
// bad ones are refused naming the expected fields, that a heat.StackDriver
// renders every case through heat's structural check with user values kept
// out of template text, and that a cluster goes through create → observe →
// Finish (outputs mapped) → resize up and down → delete → gone, by the
// driver.ClusterDriver interface: a heat.StackDriver on a fresh fake cloud
// (openstack/openstacktest) behind a heat.Backend, unless Options.Cloud
// says otherwise. A driver that only declares capabilities fails the
// builds-clusters and lifecycle subtests with what it lacks (Lacks).
//
// The suite works below package magnum: it builds driver requests the way
// the Manager does, with the cluster's CAs from an in-memory certs.Manager.
package drivertest
