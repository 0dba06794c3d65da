// Package driver defines what a cluster driver is and the Registry that picks
// one for a template by its (server type, OS distro, COE) tuple.
//
// A driver declares its tuples and the capabilities of its COE (server
// types, network and volume drivers, label rules); the registry serves them
// to template validation as a template.Catalog, so a new driver needs no
// change anywhere else. There is no global registry: build one and pass it
// to the Manager.
//
//	reg, err := driver.NewRegistry(k8s.NewFedoraAtomic(), swarm.New(), mesos.New())
//	if err != nil { ... }
//	d, err := reg.Lookup(driver.Tuple{ServerType: "vm", OSDistro: "fedora-atomic", COE: "kubernetes"})
//	// errors.Is(err, errdefs.ErrUnsupported) when nothing serves the tuple
package driver
