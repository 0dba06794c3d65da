package swarm

import (
	"embed"
	"io/fs"
	"sync"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/template"
)

// COE is the name of the Docker Swarm COE.
const COE = "swarm"

// Capabilities are what Swarm drivers accept in a template: docker (the
// default) or flannel networking, the rexray volume driver, vm or bm servers,
// an external network, and the labels of [Labels], checked by
// [ValidateLabels].
func Capabilities() template.Capabilities {
	return template.Capabilities{
		COE:                  COE,
		ServerTypes:          []string{"vm", "bm"},
		NetworkDrivers:       []string{"docker", "flannel"},
		DefaultNetworkDriver: "docker",
		VolumeDrivers:        []string{"rexray"},
		RequiredFields:       []string{"external_network_id"},
		ValidateLabels:       ValidateLabels,
	}
}

// Driver is the Docker Swarm driver. It is safe for concurrent use.
type Driver struct {
	once     sync.Once
	renderer *heat.Renderer
	err      error
}

// New returns the driver for Docker Swarm on Fedora Atomic virtual machines
// (Magnum's swarm_fedora_atomic_v1).
func New() *Driver { return &Driver{} }

// Info implements driver.Driver.
func (*Driver) Info() driver.Info {
	return driver.Info{
		Name:         "swarm_fedora_atomic_v1",
		Tuples:       []driver.Tuple{{ServerType: "vm", OSDistro: "fedora-atomic", COE: COE}},
		Capabilities: Capabilities(),
	}
}

// The Heat templates (templates/) and the node scripts they send with
// get_file (scripts/), as one file system.
//
//go:embed templates scripts
var files embed.FS

// Templates returns the driver's template file system: the Heat templates
// under templates/ (cluster.yaml at the top; Go templates are stored as
// *.tmpl.yaml) and the node scripts under scripts/.
func Templates() fs.FS { return files }

// Definition returns the driver's Heat definition: features, environment
// rules, parameter and output mappings.
func (*Driver) Definition() heat.Definition { return definition() }

// Renderer returns the driver's renderer, built once. Its error is a
// programming error of the driver (ErrInvalid).
func (d *Driver) Renderer() (*heat.Renderer, error) {
	d.once.Do(func() {
		d.renderer, d.err = heat.NewRenderer(Templates(), definition())
	})
	return d.renderer, d.err
}
