package swarm

import (
	"errors"
	"slices"
	"strings"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// COE is the name of the Docker Swarm COE.
const COE = "swarm"

// Capabilities are what Swarm drivers accept in a template: docker (the
// default) or flannel networking, the rexray volume driver, vm or bm servers,
// an external network, and the swarm_strategy label.
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

// Strategies lists the scheduling strategies the swarm_strategy label takes.
func Strategies() []string { return []string{"spread", "binpack", "random"} }

// ValidateLabels checks the labels Swarm interprets: swarm_strategy is one or
// more of spread, binpack and random, separated by white space.
func ValidateLabels(l labels.Labels) error {
	var errs []error
	if v, ok := l["swarm_strategy"]; ok {
		words := strings.Fields(v)
		if len(words) == 0 {
			errs = append(errs, errdefs.Invalid("labels/swarm_strategy", "must name a strategy (%s)", strings.Join(Strategies(), ", ")))
		}
		for _, w := range words {
			if !slices.Contains(Strategies(), w) {
				errs = append(errs, errdefs.Invalid("labels/swarm_strategy", "unknown strategy %q (allowed: %s)", w, strings.Join(Strategies(), ", ")))
			}
		}
	}
	return errors.Join(errs...)
}

// Driver is the Docker Swarm driver.
type Driver struct{}

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
