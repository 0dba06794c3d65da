package template

import (
	"slices"

	"github.com/gomagnum/magnum/labels"
)

// Capabilities are what the drivers of one COE accept in a template. Drivers
// declare them; validation reads them, so a new driver needs no change here.
type Capabilities struct {
	COE                  string   // e.g. "kubernetes"
	ServerTypes          []string // e.g. "vm", "bm"
	NetworkDrivers       []string // allowed network_driver values
	DefaultNetworkDriver string   // used when network_driver is not set
	VolumeDrivers        []string // allowed volume_driver values; unset means none
	// RequiredFields are JSON field names that must be set for this COE
	// beyond the universal ones (coe, image_id), e.g. "external_network_id"
	// for Heat-backed drivers.
	RequiredFields []string
	// ValidateLabels checks the labels this COE interprets. It returns nil
	// or errdefs ErrInvalid errors (joined) whose Field is "labels/<key>".
	// Nil means the COE has no label rules.
	ValidateLabels func(labels.Labels) error
}

// Supports reports whether v is one of the allowed values.
func supports(allowed []string, v string) bool { return slices.Contains(allowed, v) }

// Catalog answers which COEs exist and what each accepts. The driver
// registry implements it; tests may use a [StaticCatalog].
type Catalog interface {
	// Capabilities returns the capabilities of a COE, false if none is known.
	Capabilities(coe string) (Capabilities, bool)
	// COEs lists the known COE names, sorted.
	COEs() []string
}

// StaticCatalog is a Catalog built from a fixed list.
type StaticCatalog []Capabilities

// Capabilities implements Catalog.
func (s StaticCatalog) Capabilities(coe string) (Capabilities, bool) {
	for _, c := range s {
		if c.COE == coe {
			return c, true
		}
	}
	return Capabilities{}, false
}

// COEs implements Catalog.
func (s StaticCatalog) COEs() []string {
	out := make([]string, 0, len(s))
	for _, c := range s {
		out = append(out, c.COE)
	}
	slices.Sort(out)
	return out
}
