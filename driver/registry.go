package driver

import (
	"errors"
	"fmt"
	"maps"
	"slices"
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
	entries []entry // sorted by name
	byTuple map[Tuple]entry
}

// entry is a registered driver with the Info it declared when registered:
// drivers are asked once, so lookups cost no calls into driver code.
type entry struct {
	d    Driver
	info Info
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
	if r.byTuple == nil {
		r.byTuple = map[Tuple]entry{}
	}
	for _, t := range info.Tuples {
		if other, dup := r.byTuple[t]; dup {
			return errdefs.Conflict("driver", info.Name, "tuple %s is already served by %s", t, other.info.Name)
		}
	}
	for _, other := range r.entries {
		oi := other.info
		if oi.Name == info.Name {
			return errdefs.Conflict("driver", info.Name, "a driver of this name is already registered")
		}
		if oi.Capabilities.COE == info.Capabilities.COE && oi.Capabilities.DefaultNetworkDriver != info.Capabilities.DefaultNetworkDriver {
			return errdefs.Conflict("driver", info.Name, "default network driver %q disagrees with %s's %q for COE %s",
				info.Capabilities.DefaultNetworkDriver, oi.Name, oi.Capabilities.DefaultNetworkDriver, info.Capabilities.COE)
		}
	}
	e := entry{d: d, info: cloneInfo(info)}
	i, _ := slices.BinarySearchFunc(r.entries, info.Name, func(e entry, name string) int { return strings.Compare(e.info.Name, name) })
	r.entries = slices.Insert(r.entries, i, e)
	for _, t := range info.Tuples {
		r.byTuple[t] = e
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
	if e, ok := r.byTuple[t]; ok {
		return e.d, nil
	}
	return nil, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: "cluster type", ID: t.String(),
		Reason: fmt.Sprintf("no driver for server type %q, distro %q and COE %q", t.ServerType, t.OSDistro, t.COE)}
}

// Drivers returns the registered drivers sorted by name.
func (r *Registry) Drivers() []Driver {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Driver, len(r.entries))
	for i, e := range r.entries {
		out[i] = e.d
	}
	return out
}

// COEs implements template.Catalog.
func (r *Registry) COEs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for _, e := range r.entries {
		if coe := e.info.Capabilities.COE; !slices.Contains(out, coe) {
			out = append(out, coe)
		}
	}
	slices.Sort(out)
	return out
}

// Capabilities implements template.Catalog: the union of the values the
// COE's drivers accept, and the fields all of them require (a field only one
// driver needs is that driver's to check when it builds a cluster). Label
// validators of every driver of the COE all run; label aliases are merged.
func (r *Registry) Capabilities(coe string) (template.Capabilities, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var caps template.Capabilities
	found := false
	for _, e := range r.entries {
		c := e.info.Capabilities
		if c.COE != coe {
			continue
		}
		if !found {
			caps.COE, caps.DefaultNetworkDriver = c.COE, c.DefaultNetworkDriver
			caps.RequiredFields = slices.Clone(c.RequiredFields)
			found = true
		}
		caps.ServerTypes = union(caps.ServerTypes, c.ServerTypes)
		caps.NetworkDrivers = union(caps.NetworkDrivers, c.NetworkDrivers)
		caps.VolumeDrivers = union(caps.VolumeDrivers, c.VolumeDrivers)
		caps.RequiredFields = slices.DeleteFunc(caps.RequiredFields, func(f string) bool { return !slices.Contains(c.RequiredFields, f) })
		if c.ValidateLabels != nil {
			caps.ValidateLabels = chain(caps.ValidateLabels, c.ValidateLabels)
		}
		for alias, name := range c.LabelAliases {
			if _, taken := caps.LabelAliases[alias]; !taken {
				if caps.LabelAliases == nil {
					caps.LabelAliases = map[string]string{}
				}
				caps.LabelAliases[alias] = name // the first driver's spelling wins
			}
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

// cloneInfo copies the slices of an Info so a driver that later changes
// what it returned cannot change the registry.
func cloneInfo(i Info) Info {
	i.Tuples = slices.Clone(i.Tuples)
	c := &i.Capabilities
	c.ServerTypes = slices.Clone(c.ServerTypes)
	c.NetworkDrivers = slices.Clone(c.NetworkDrivers)
	c.VolumeDrivers = slices.Clone(c.VolumeDrivers)
	c.RequiredFields = slices.Clone(c.RequiredFields)
	c.LabelAliases = maps.Clone(c.LabelAliases)
	return i
}
