package drivertest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// CheckInfo checks what a driver declares and that a registry takes it: a
// name, tuples of its COE with server types it lists and a distro, and
// coherent capabilities (server types vm or bm, a default network driver
// among the allowed ones when there are any, no duplicates, required fields
// that are template fields, label rules that accept no labels). The same
// Info must come back on every call. A registry holding alongside and d must
// accept d, find it by each tuple and offer its COE, and refuse it a second
// time. Every problem is reported at once.
func CheckInfo(d driver.Driver, alongside ...driver.Driver) error {
	if d == nil {
		return errors.New("nil driver")
	}
	info := d.Info()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if info.Name == "" || strings.ContainsFunc(info.Name, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		bad("Info.Name %q: must be non-empty, without white space or control characters", info.Name)
	}
	caps := info.Capabilities
	if caps.COE == "" {
		bad("Capabilities.COE is empty")
	}
	if len(info.Tuples) == 0 {
		bad("Info.Tuples is empty: the driver serves nothing")
	}
	for i, t := range info.Tuples {
		if slices.Contains(info.Tuples[:i], t) {
			bad("tuple %s is listed twice", t)
		}
		if t.OSDistro == "" {
			bad("tuple %s has no OS distro", t)
		}
		if t.COE != caps.COE {
			bad("tuple %s is not of the driver's COE %q", t, caps.COE)
		}
		if !slices.Contains(caps.ServerTypes, t.ServerType) {
			bad("tuple %s has server type %q, not among Capabilities.ServerTypes %v", t, t.ServerType, caps.ServerTypes)
		}
	}
	if len(caps.ServerTypes) == 0 {
		bad("Capabilities.ServerTypes is empty")
	}
	for _, s := range caps.ServerTypes {
		if s != "vm" && s != "bm" {
			bad("Capabilities.ServerTypes: %q is not vm or bm", s)
		}
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"ServerTypes", caps.ServerTypes}, {"NetworkDrivers", caps.NetworkDrivers}, {"VolumeDrivers", caps.VolumeDrivers}, {"RequiredFields", caps.RequiredFields}} {
		for i, v := range l.v {
			if v == "" {
				bad("Capabilities.%s holds an empty value", l.name)
			} else if slices.Contains(l.v[:i], v) {
				bad("Capabilities.%s lists %q twice", l.name, v)
			}
		}
	}
	switch {
	case len(caps.NetworkDrivers) > 0 && caps.DefaultNetworkDriver == "":
		bad("Capabilities.DefaultNetworkDriver is empty although network drivers %v are allowed", caps.NetworkDrivers)
	case caps.DefaultNetworkDriver != "" && !slices.Contains(caps.NetworkDrivers, caps.DefaultNetworkDriver):
		bad("Capabilities.DefaultNetworkDriver %q is not among NetworkDrivers %v", caps.DefaultNetworkDriver, caps.NetworkDrivers)
	}
	fields := templateFields()
	for _, f := range caps.RequiredFields {
		if !slices.Contains(fields, f) {
			bad("Capabilities.RequiredFields: %q is not a cluster template field", f)
		}
	}
	if v := caps.ValidateLabels; v != nil {
		for _, l := range []labels.Labels{nil, {}} {
			if err := v(l); err != nil {
				bad("Capabilities.ValidateLabels refuses no labels at all: %v", err)
			}
		}
	}
	if again := d.Info(); !sameInfo(info, again) {
		bad("Info changes between calls: %+v, then %+v", info, again)
	}
	if len(errs) == 0 {
		errs = append(errs, checkRegistry(d, info, alongside))
	}
	return errors.Join(errs...)
}

// checkRegistry registers d with the others and looks it up.
func checkRegistry(d driver.Driver, info driver.Info, alongside []driver.Driver) error {
	reg, err := driver.NewRegistry(append(slices.Clone(alongside), d)...)
	if err != nil {
		return fmt.Errorf("the registry refuses the driver: %w", err)
	}
	var errs []error
	for _, t := range info.Tuples {
		got, err := reg.Lookup(t)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("registry lookup of %s: %w", t, err))
		case !same(got, d):
			errs = append(errs, fmt.Errorf("registry lookup of %s found %s, not the driver", t, got.Info().Name))
		}
	}
	if !slices.Contains(reg.COEs(), info.Capabilities.COE) {
		errs = append(errs, fmt.Errorf("the registry does not offer COE %q", info.Capabilities.COE))
	}
	if _, ok := reg.Capabilities(info.Capabilities.COE); !ok {
		errs = append(errs, fmt.Errorf("the registry has no capabilities for COE %q", info.Capabilities.COE))
	}
	if err := reg.Register(d); !errors.Is(err, errdefs.ErrConflict) {
		errs = append(errs, fmt.Errorf("registering the driver twice: want ErrConflict, got %v", err))
	}
	return errors.Join(errs...)
}

// Lacks lists what a driver needs before it can build clusters: it must be
// a driver.ClusterDriver or a heat.StackDriver. Each entry says which
// methods are missing. Nil: nothing lacks.
func Lacks(d driver.Driver) []string {
	if d == nil {
		return []string{"a driver"}
	}
	if _, ok := d.(driver.ClusterDriver); ok {
		return nil
	}
	if _, ok := d.(heat.StackDriver); ok {
		return nil
	}
	name := d.Info().Name
	return []string{
		fmt.Sprintf("%s (%T) cannot build clusters: it implements neither driver.ClusterDriver (missing %s) nor heat.StackDriver (missing %s)",
			name, d, strings.Join(missing(d, reflect.TypeFor[driver.ClusterDriver]()), ", "),
			strings.Join(missing(d, reflect.TypeFor[heat.StackDriver]()), ", ")),
	}
}

// missing lists the methods of interface iface that d does not have.
func missing(d driver.Driver, iface reflect.Type) []string {
	t := reflect.TypeOf(d)
	var out []string
	for i := range iface.NumMethod() {
		m := iface.Method(i)
		got, ok := t.MethodByName(m.Name)
		if !ok || !sameSignature(got.Type, m.Type) {
			out = append(out, m.Name)
		}
	}
	return out
}

// sameSignature compares a method of a concrete type (receiver first) with
// an interface method.
func sameSignature(concrete, iface reflect.Type) bool {
	if concrete.NumIn()-1 != iface.NumIn() || concrete.NumOut() != iface.NumOut() {
		return false
	}
	for i := range iface.NumIn() {
		if concrete.In(i+1) != iface.In(i) {
			return false
		}
	}
	for i := range iface.NumOut() {
		if concrete.Out(i) != iface.Out(i) {
			return false
		}
	}
	return true
}

// templateFields are the JSON names of the cluster template's fields.
func templateFields() []string {
	t := reflect.TypeFor[template.ClusterTemplate]()
	var out []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// sameInfo compares two Infos but for the label validator, which is a func.
func sameInfo(a, b driver.Info) bool {
	fa, fb := a.Capabilities.ValidateLabels, b.Capabilities.ValidateLabels
	a.Capabilities.ValidateLabels, b.Capabilities.ValidateLabels = nil, nil
	return reflect.DeepEqual(a, b) && (fa == nil) == (fb == nil)
}

// same tells whether two drivers are the same value, without panicking on
// types that are not comparable.
func same(a, b driver.Driver) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb {
		return false
	}
	if !ta.Comparable() {
		return reflect.DeepEqual(a, b)
	}
	return a == b
}
