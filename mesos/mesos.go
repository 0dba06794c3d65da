package mesos

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// COE is the name of the Apache Mesos COE.
const COE = "mesos"

// Capabilities are what Mesos drivers accept in a template: docker
// networking, the rexray volume driver, vm or bm servers, an external
// network, and the mesos_slave_* labels.
func Capabilities() template.Capabilities {
	return template.Capabilities{
		COE:                  COE,
		ServerTypes:          []string{"vm", "bm"},
		NetworkDrivers:       []string{"docker"},
		DefaultNetworkDriver: "docker",
		VolumeDrivers:        []string{"rexray"},
		RequiredFields:       []string{"external_network_id"},
		ValidateLabels:       ValidateLabels,
	}
}

// Isolations lists the values mesos_slave_isolation accepts.
func Isolations() []string {
	return []string{"filesystem/posix", "filesystem/linux", "filesystem/shared", "posix/cpu",
		"posix/mem", "posix/disk", "cgroups/cpu", "cgroups/mem", "docker/runtime", "namespaces/pid"}
}

// ImageProviders lists the values mesos_slave_image_providers accepts.
func ImageProviders() []string { return []string{"docker", "appc"} }

// ValidateLabels checks the labels Mesos interprets:
//   - mesos_slave_isolation: a comma list of Isolations();
//   - mesos_slave_image_providers: a comma list of ImageProviders()
//     (case-insensitive); with docker, the isolation must include
//     docker/runtime;
//   - mesos_slave_executor_env_variables: a JSON document.
func ValidateLabels(l labels.Labels) error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, errdefs.Invalid("labels/"+key, format, args...))
	}
	isolation := commaList(l["mesos_slave_isolation"], false)
	for _, v := range isolation {
		if !slices.Contains(Isolations(), v) {
			bad("mesos_slave_isolation", "unknown isolation %q (allowed: %s)", v, strings.Join(Isolations(), ", "))
		}
	}
	providers := commaList(l["mesos_slave_image_providers"], true)
	for _, v := range providers {
		if !slices.Contains(ImageProviders(), v) {
			bad("mesos_slave_image_providers", "unknown image provider %q (allowed: %s)", v, strings.Join(ImageProviders(), ", "))
		}
	}
	if slices.Contains(providers, "docker") && !slices.Contains(isolation, "docker/runtime") {
		bad("mesos_slave_isolation", "must include docker/runtime when mesos_slave_image_providers includes docker")
	}
	if v, ok := l["mesos_slave_executor_env_variables"]; ok && v != "" && !json.Valid([]byte(v)) {
		bad("mesos_slave_executor_env_variables", "must be a JSON document")
	}
	return errors.Join(errs...)
}

func commaList(s string, lower bool) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if lower {
			part = strings.ToLower(part)
		}
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Driver is the Mesos driver.
type Driver struct{}

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
