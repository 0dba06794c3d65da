package k8s

import (
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/template"
)

// COE is the name of the Kubernetes COE.
const COE = "kubernetes"

// Capabilities are what Kubernetes drivers accept in a template: flannel
// (the default) or calico networking, the cinder volume driver, vm or bm
// servers, an external network (Heat's external_network parameter is
// required), and the labels of [Labels], checked by [ValidateLabels].
func Capabilities() template.Capabilities {
	return template.Capabilities{
		COE:                  COE,
		ServerTypes:          []string{"vm", "bm"},
		NetworkDrivers:       []string{"flannel", "calico"},
		DefaultNetworkDriver: "flannel",
		VolumeDrivers:        []string{"cinder"},
		RequiredFields:       []string{"external_network_id"},
		ValidateLabels:       ValidateLabels,
	}
}

// Driver is a Kubernetes driver for one OS distro.
type Driver struct {
	info driver.Info
}

// NewFedoraAtomic returns the driver for Kubernetes on Fedora Atomic
// virtual machines (Magnum's k8s_fedora_atomic_v1).
func NewFedoraAtomic() *Driver {
	return &Driver{info: driver.Info{
		Name:         "k8s_fedora_atomic_v1",
		Tuples:       []driver.Tuple{{ServerType: "vm", OSDistro: "fedora-atomic", COE: COE}},
		Capabilities: Capabilities(),
	}}
}

// NewCoreOS returns the driver for Kubernetes on CoreOS virtual machines
// (Magnum's k8s_coreos_v1).
func NewCoreOS() *Driver {
	return &Driver{info: driver.Info{
		Name:         "k8s_coreos_v1",
		Tuples:       []driver.Tuple{{ServerType: "vm", OSDistro: "coreos", COE: COE}},
		Capabilities: Capabilities(),
	}}
}

// Info implements driver.Driver.
func (d *Driver) Info() driver.Info { return d.info }
