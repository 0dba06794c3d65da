package driver_test

import (
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/swarm"
)

// Build a registry of the built-in drivers and pick one for a template's
// (server type, OS distro, COE) tuple.
func ExampleNewRegistry() {
	reg, err := driver.NewRegistry(k8s.NewFedoraAtomic(), k8s.NewCoreOS(), swarm.New(), mesos.New())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reg.COEs())

	d, err := reg.Lookup(driver.Tuple{ServerType: "vm", OSDistro: "fedora-atomic", COE: "kubernetes"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Info().Name)

	_, err = reg.Lookup(driver.Tuple{ServerType: "bm", OSDistro: "fedora", COE: "kubernetes"})
	fmt.Println(errors.Is(err, errdefs.ErrUnsupported))
	fmt.Println(err)

	caps, _ := reg.Capabilities("swarm")
	fmt.Println(caps.DefaultNetworkDriver, caps.NetworkDrivers, caps.VolumeDrivers)
	// Output:
	// [kubernetes mesos swarm]
	// k8s_fedora_atomic_v1
	// true
	// cluster type (bm, fedora, kubernetes): no driver for server type "bm", distro "fedora" and COE "kubernetes"
	// docker [docker flannel] [rexray]
}
