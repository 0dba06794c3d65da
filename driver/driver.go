package driver

import (
	"fmt"

	"github.com/gomagnum/magnum/template"
)

// Tuple is what selects a driver for a template: the server type, the image's
// OS distro and the COE (Magnum's driver tuple).
type Tuple struct {
	ServerType string // "vm" or "bm"
	OSDistro   string // the image's os_distro, e.g. "fedora-atomic"
	COE        string // "kubernetes", "swarm", "mesos", …
}

func (t Tuple) String() string {
	return fmt.Sprintf("(%s, %s, %s)", t.ServerType, t.OSDistro, t.COE)
}

// Info describes a driver.
type Info struct {
	// Name is unique in a registry, e.g. "k8s_fedora_atomic_v1".
	Name string
	// Tuples are the (server type, distro, COE) combinations it serves.
	Tuples []Tuple
	// Capabilities are what the driver accepts in a template of its COE.
	// Drivers of the same COE must agree on the default network driver;
	// the registry offers the union of the rest.
	Capabilities template.Capabilities
}

// Driver builds and runs clusters of one kind. The interface holds what
// every driver must do; optional abilities are separate small interfaces
// discovered by type assertion (the database/sql/driver way). It does not
// assume Heat.
type Driver interface {
	Info() Info
}
