package mesos

import (
	"sync"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/template"
)

// COE is the name of the Apache Mesos COE.
const COE = "mesos"

// Capabilities are what Mesos drivers accept in a template: docker
// networking, the rexray volume driver, vm or bm servers, an external
// network, the labels of [Labels] (checked by [ValidateLabels]), and the
// hyphenated spellings of those labels as aliases ("rexray-preempt" for
// rexray_preempt; see [LabelAliases]).
func Capabilities() template.Capabilities {
	return template.Capabilities{
		COE:                  COE,
		ServerTypes:          []string{"vm", "bm"},
		NetworkDrivers:       []string{"docker"},
		DefaultNetworkDriver: "docker",
		VolumeDrivers:        []string{"rexray"},
		RequiredFields:       []string{"external_network_id"},
		ValidateLabels:       ValidateLabels,
		LabelAliases:         LabelAliases(),
	}
}

// LabelAliases maps the hyphenated spelling of each Mesos label to its
// name ("rexray-preempt" → "rexray_preempt"): Magnum's guides and the
// seed write some of them that way.
func LabelAliases() map[string]string {
	out := make(map[string]string, len(labelSpecs))
	for _, s := range labelSpecs {
		if alias := hyphenated(s.Name); s.alias && alias != s.Name {
			out[alias] = s.Name
		}
	}
	return out
}

// Driver is the Mesos driver (Magnum's mesos_ubuntu_v1): Mesos masters
// (with ZooKeeper and Marathon) and slaves on Ubuntu servers, built through
// Heat. It is safe for concurrent use.
type Driver struct {
	once     sync.Once
	renderer *heat.Renderer
	err      error
}

// New returns the driver for Mesos on Ubuntu virtual machines (Magnum's
// mesos_ubuntu_v1).
func New() *Driver { return &Driver{} }

// Info implements driver.Driver.
func (*Driver) Info() driver.Info {
	return driver.Info{
		Name:         "mesos_ubuntu_v1",
		Tuples:       []driver.Tuple{{ServerType: "vm", OSDistro: "ubuntu", COE: COE}},
		Capabilities: Capabilities(),
	}
}

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
