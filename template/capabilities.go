package template

import (
	"errors"
	"maps"
	"slices"

	"github.com/gomagnum/magnum/errdefs"
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
	// LabelAliases maps other spellings users write for the COE's labels
	// (alias) to the names the driver reads (canonical), e.g.
	// "rexray-preempt" → "rexray_preempt". CanonicalLabels applies them;
	// validation checks labels after it. An alias names a canonical label
	// directly (no chains). Nil: no aliases.
	LabelAliases map[string]string
}

// CanonicalLabels returns l with every alias of c.LabelAliases renamed to
// its canonical name, and the renames made (alias → canonical), so callers
// can store the canonical form and tell the user what was normalised.
//
// When nothing is renamed, l itself is returned (and a nil map); otherwise
// a new map, l being left alone. An alias given next to its canonical name
// with the same value is dropped (and reported as renamed); with a different
// value it is an errdefs.ErrInvalid error on field "labels/<alias>" naming
// both labels — every conflict is reported, and the result then keeps the
// canonical name's value (or that of the first alias in sorted order, when
// only aliases are given).
func (c Capabilities) CanonicalLabels(l labels.Labels) (labels.Labels, map[string]string, error) {
	if len(c.LabelAliases) == 0 || len(l) == 0 {
		return l, nil, nil
	}
	var (
		out     labels.Labels
		renamed map[string]string
		errs    []error
	)
	for _, alias := range slices.Sorted(maps.Keys(c.LabelAliases)) {
		canonical := c.LabelAliases[alias]
		v, ok := l[alias]
		if !ok || canonical == alias || canonical == "" {
			continue
		}
		if out == nil {
			out = maps.Clone(l)
			renamed = map[string]string{}
		}
		renamed[alias] = canonical
		delete(out, alias)
		if cv, both := out[canonical]; both {
			if cv != v {
				errs = append(errs, errdefs.Invalid("labels/"+alias,
					"label %s is another spelling of %s, which is also given (directly or by another spelling) with a different value; give one of them", alias, canonical))
			}
			continue
		}
		out[canonical] = v
	}
	if out == nil {
		return l, nil, nil
	}
	return out, renamed, errors.Join(errs...)
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
