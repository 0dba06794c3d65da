package k8s

import (
	"sync"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
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

// Driver is a Kubernetes driver for one OS distro. It is safe for
// concurrent use.
type Driver struct {
	info   driver.Info
	distro string

	once     sync.Once
	renderer *heat.Renderer
	err      error

	groupOnce     sync.Once
	groupRenderer *heat.Renderer
	groupErr      error
}

// NewFedoraAtomic returns the driver for Kubernetes on Fedora Atomic
// virtual machines (Magnum's k8s_fedora_atomic_v1): nodes boot with
// multipart MIME user data (cloud-config, then the bootstrap script).
func NewFedoraAtomic() *Driver {
	return &Driver{distro: distroFedoraAtomic, info: driver.Info{
		Name:         "k8s_fedora_atomic_v1",
		Tuples:       []driver.Tuple{{ServerType: "vm", OSDistro: "fedora-atomic", COE: COE}},
		Capabilities: Capabilities(),
	}}
}

// NewCoreOS returns the driver for Kubernetes on CoreOS virtual machines
// (Magnum's k8s_coreos_v1): nodes boot with a cloud-config that writes the
// files and starts the bootstrap as a systemd unit.
func NewCoreOS() *Driver {
	return &Driver{distro: distroCoreOS, info: driver.Info{
		Name:         "k8s_coreos_v1",
		Tuples:       []driver.Tuple{{ServerType: "vm", OSDistro: "coreos", COE: COE}},
		Capabilities: Capabilities(),
	}}
}

// Info implements driver.Driver.
func (d *Driver) Info() driver.Info { return d.info }

// Definition returns the driver's Heat definition: features, environment
// rules, parameter and output mappings.
func (d *Driver) Definition() heat.Definition { return definition(d.distro) }

// Renderer returns the driver's renderer, built once. Its error is a
// programming error of the driver (ErrInvalid).
func (d *Driver) Renderer() (*heat.Renderer, error) {
	d.once.Do(func() {
		d.renderer, d.err = heat.NewRenderer(Templates(), definition(d.distro))
	})
	return d.renderer, d.err
}
