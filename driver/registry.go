package driver

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// Registry maps driver tuples to drivers. It is an explicit value the
// embedding program builds and hands to the Manager: there is no global
// registry. It is safe for concurrent use and implements template.Catalog.
type Registry struct {
	mu      sync.RWMutex
	byName  map[string]Driver
	byTuple map[Tuple]Driver
}

// NewRegistry returns a registry holding the given drivers, or the first
// registration error.
func NewRegistry(drivers ...Driver) (*Registry, error) {
	r := &Registry{}
	for _, d := range drivers {
		if err := r.Register(d); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds a driver. It fails with errdefs.ErrConflict if the name or
// one of its tuples is already taken, or if it disagrees with another driver
// of its COE about the default network driver; with errdefs.ErrInvalid if
// its Info is incomplete. Nothing is registered on failure.
func (r *Registry) Register(d Driver) error {
	if d == nil {
		return errdefs.Invalid("driver", "nil driver")
	}
	info := d.Info()
	if err := checkInfo(info); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byName == nil {
		r.byName = map[string]Driver{}
		r.byTuple = map[Tuple]Driver{}
	}
	if _, dup := r.byName[info.Name]; dup {
		return errdefs.Conflict("driver", info.Name, "a driver of this name is already registered")
	}
	for _, t := range info.Tuples {
		if other, dup := r.byTuple[t]; dup {
			return errdefs.Conflict("driver", info.Name, "tuple %s is already served by %s", t, other.Info().Name)
		}
	}
	for _, other := range r.byName {
		oi := other.Info()
		if oi.Capabilities.COE == info.Capabilities.COE && oi.Capabilities.DefaultNetworkDriver != info.Capabilities.DefaultNetworkDriver {
			return errdefs.Conflict("driver", info.Name, "default network driver %q disagrees with %s's %q for COE %s",
				info.Capabilities.DefaultNetworkDriver, oi.Name, oi.Capabilities.DefaultNetworkDriver, info.Capabilities.COE)
		}
	}
	r.byName[info.Name] = d
	for _, t := range info.Tuples {
		r.byTuple[t] = d
	}
	return nil
}

func checkInfo(info Info) error {
	switch {
	case info.Name == "":
		return errdefs.Invalid("driver", "driver name is empty")
	case len(info.Tuples) == 0:
		return errdefs.Invalid("driver", "driver %s serves no tuple", info.Name)
	case info.Capabilities.COE == "":
		return errdefs.Invalid("driver", "driver %s declares no COE", info.Name)
	case info.Capabilities.DefaultNetworkDriver != "" &&
		!slices.Contains(info.Capabilities.NetworkDrivers, info.Capabilities.DefaultNetworkDriver):
		// Templates get the default filled in and would then fail validation.
		return errdefs.Invalid("driver", "driver %s: default network driver %q is not among its network drivers",
			info.Name, info.Capabilities.DefaultNetworkDriver)
	}
	for _, t := range info.Tuples {
		if t.OSDistro == "" {
			return errdefs.Invalid("driver", "driver %s: tuple %s has no OS distro", info.Name, t)
		}
		if t.COE != info.Capabilities.COE {
			return errdefs.Invalid("driver", "driver %s: tuple %s is not of its COE %s", info.Name, t, info.Capabilities.COE)
		}
		if !slices.Contains(info.Capabilities.ServerTypes, t.ServerType) {
			return errdefs.Invalid("driver", "driver %s: tuple %s has a server type its capabilities do not list", info.Name, t)
		}
	}
	return nil
}

// Lookup returns the driver serving a tuple, or an errdefs.ErrUnsupported
// error (Magnum's ClusterTypeNotSupported).
func (r *Registry) Lookup(t Tuple) (Driver, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if d, ok := r.byTuple[t]; ok {
		return d, nil
	}
	return nil, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: "cluster type", ID: t.String(),
		Reason: fmt.Sprintf("no driver for server type %q, distro %q and COE %q", t.ServerType, t.OSDistro, t.COE)}
}

// Drivers returns the registered drivers sorted by name.
func (r *Registry) Drivers() []Driver {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Driver, 0, len(r.byName))
	for _, d := range r.byName {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Info().Name < out[j].Info().Name })
	return out
}

// COEs implements template.Catalog.
func (r *Registry) COEs() []string {
	var out []string
	for _, d := range r.Drivers() {
		if coe := d.Info().Capabilities.COE; !slices.Contains(out, coe) {
			out = append(out, coe)
		}
	}
	slices.Sort(out)
	return out
}

// Capabilities implements template.Catalog: the union of what the COE's
// drivers accept. Label validators of every driver of the COE all run.
func (r *Registry) Capabilities(coe string) (template.Capabilities, bool) {
	var caps template.Capabilities
	found := false
	for _, d := range r.Drivers() {
		c := d.Info().Capabilities
		if c.COE != coe {
			continue
		}
		if !found {
			caps.COE, caps.DefaultNetworkDriver = c.COE, c.DefaultNetworkDriver
			found = true
		}
		caps.ServerTypes = union(caps.ServerTypes, c.ServerTypes)
		caps.NetworkDrivers = union(caps.NetworkDrivers, c.NetworkDrivers)
		caps.VolumeDrivers = union(caps.VolumeDrivers, c.VolumeDrivers)
		caps.RequiredFields = union(caps.RequiredFields, c.RequiredFields)
		if c.ValidateLabels != nil {
			caps.ValidateLabels = chain(caps.ValidateLabels, c.ValidateLabels)
		}
	}
	return caps, found
}

func union(a, b []string) []string {
	for _, v := range b {
		if !slices.Contains(a, v) {
			a = append(a, v)
		}
	}
	return a
}

// chain runs both label validators and reports each distinct problem once.
// Problems are told apart by their text; errors that are not
// *errdefs.Error are kept too.
func chain(a, b func(labels.Labels) error) func(labels.Labels) error {
	if a == nil {
		return b
	}
	return func(l labels.Labels) error {
		var errs []error
		seen := map[string]bool{}
		for _, err := range []error{a(l), b(l)} {
			for _, p := range leaves(err) {
				if !seen[p.Error()] {
					seen[p.Error()] = true
					errs = append(errs, p)
				}
			}
		}
		return errors.Join(errs...)
	}
}

// leaves flattens errors.Join trees into their members, stopping at an
// *errdefs.Error or any other error. An error wrapping several with text of
// its own (fmt.Errorf with two %w) is kept whole so its text is not lost.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*errdefs.Error); ok {
		return []error{err}
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	members := j.Unwrap()
	texts := make([]string, len(members))
	for i, e := range members {
		texts[i] = e.Error()
	}
	if strings.Join(texts, "\n") != err.Error() {
		return []error{err} // not a plain join
	}
	var out []error
	for _, e := range members {
		out = append(out, leaves(e)...)
	}
	return out
}
