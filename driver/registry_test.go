package driver_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

// fake is a driver whose Info is whatever the test says.
type fake struct{ info driver.Info }

func (f fake) Info() driver.Info { return f.info }

// newFake returns a valid driver named name serving (vm, distro, coe).
func newFake(name, distro, coe string) fake {
	return fake{driver.Info{
		Name:   name,
		Tuples: []driver.Tuple{{ServerType: "vm", OSDistro: distro, COE: coe}},
		Capabilities: template.Capabilities{
			COE:                  coe,
			ServerTypes:          []string{"vm"},
			NetworkDrivers:       []string{"net-a"},
			DefaultNetworkDriver: "net-a",
		},
	}}
}

func builtins(t *testing.T) *driver.Registry {
	t.Helper()
	reg, err := driver.NewRegistry(k8s.NewFedoraAtomic(), k8s.NewCoreOS(), swarm.New(), mesos.New())
	require.NoError(t, err)
	return reg
}

func TestLookupBuiltins(t *testing.T) {
	reg := builtins(t)
	tests := []struct {
		tuple driver.Tuple
		name  string
	}{
		{driver.Tuple{ServerType: "vm", OSDistro: "fedora-atomic", COE: "kubernetes"}, "k8s_fedora_atomic_v1"},
		{driver.Tuple{ServerType: "vm", OSDistro: "coreos", COE: "kubernetes"}, "k8s_coreos_v1"},
		{driver.Tuple{ServerType: "vm", OSDistro: "fedora-atomic", COE: "swarm"}, "swarm_fedora_atomic_v1"},
		{driver.Tuple{ServerType: "vm", OSDistro: "ubuntu", COE: "mesos"}, "mesos_ubuntu_v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := reg.Lookup(tt.tuple)
			require.NoError(t, err)
			assert.Equal(t, tt.name, d.Info().Name)
		})
	}
}

func TestLookupUnsupported(t *testing.T) {
	reg := builtins(t)
	for _, tuple := range []driver.Tuple{
		{ServerType: "bm", OSDistro: "fedora-atomic", COE: "kubernetes"}, // no bm driver registered
		{ServerType: "vm", OSDistro: "ubuntu", COE: "kubernetes"},
		{ServerType: "vm", OSDistro: "fedora-atomic", COE: "swarm-mode"},
		{ServerType: "VM", OSDistro: "fedora-atomic", COE: "kubernetes"}, // exact match only
		{},
	} {
		t.Run(tuple.String(), func(t *testing.T) {
			d, err := reg.Lookup(tuple)
			assert.Nil(t, d)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrUnsupported)
			var e *errdefs.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "cluster type", e.Resource)
			assert.Equal(t, tuple.String(), e.ID)
			assert.Contains(t, e.Reason, fmt.Sprintf("%q", tuple.COE))
			assert.Contains(t, e.Reason, fmt.Sprintf("%q", tuple.OSDistro))
		})
	}
}

func TestTupleString(t *testing.T) {
	assert.Equal(t, "(vm, fedora-atomic, kubernetes)",
		driver.Tuple{ServerType: "vm", OSDistro: "fedora-atomic", COE: "kubernetes"}.String())
}

func TestZeroRegistry(t *testing.T) {
	var reg driver.Registry
	_, err := reg.Lookup(driver.Tuple{ServerType: "vm", OSDistro: "x", COE: "y"})
	assert.ErrorIs(t, err, errdefs.ErrUnsupported)
	assert.Empty(t, reg.COEs())
	assert.Empty(t, reg.Drivers())
	_, ok := reg.Capabilities("kubernetes")
	assert.False(t, ok)

	require.NoError(t, reg.Register(newFake("a", "d", "x")))
	d, err := reg.Lookup(driver.Tuple{ServerType: "vm", OSDistro: "d", COE: "x"})
	require.NoError(t, err)
	assert.Equal(t, "a", d.Info().Name)
}

func TestRegisterConflicts(t *testing.T) {
	otherDefault := newFake("b", "other-distro", "x")
	otherDefault.info.Capabilities.NetworkDrivers = []string{"net-a", "net-b"}
	otherDefault.info.Capabilities.DefaultNetworkDriver = "net-b"

	noDefault := newFake("c", "third-distro", "x")
	noDefault.info.Capabilities.DefaultNetworkDriver = ""

	sameTupleOtherName := newFake("b", "d", "x")

	twoTuples := newFake("b", "new-distro", "x")
	twoTuples.info.Tuples = append(twoTuples.info.Tuples, driver.Tuple{ServerType: "vm", OSDistro: "d", COE: "x"})

	tests := []struct {
		name    string
		d       driver.Driver
		mention string
	}{
		{"duplicate name", newFake("a", "other-distro", "x"), "already registered"},
		{"duplicate tuple", sameTupleOtherName, "(vm, d, x) is already served by a"},
		{"one of several tuples taken", twoTuples, "(vm, d, x) is already served by a"},
		{"disagreeing default network driver", otherDefault, `"net-b" disagrees with a's "net-a"`},
		{"missing default network driver disagrees too", noDefault, `"" disagrees`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := driver.NewRegistry(newFake("a", "d", "x"))
			require.NoError(t, err)

			err = reg.Register(tt.d)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrConflict)
			assert.Contains(t, err.Error(), tt.mention)
			var e *errdefs.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "driver", e.Resource)
			assert.Equal(t, tt.d.Info().Name, e.ID)

			// Nothing of the refused driver was registered.
			assert.Len(t, reg.Drivers(), 1)
			for _, tuple := range tt.d.Info().Tuples {
				if tuple.OSDistro == "d" {
					continue
				}
				_, err := reg.Lookup(tuple)
				assert.ErrorIs(t, err, errdefs.ErrUnsupported, "tuple %s", tuple)
			}
			caps, ok := reg.Capabilities("x")
			require.True(t, ok)
			assert.Equal(t, "net-a", caps.DefaultNetworkDriver)
			assert.Equal(t, []string{"net-a"}, caps.NetworkDrivers)
		})
	}
}

func TestDifferentCOEsMayHaveDifferentDefaults(t *testing.T) {
	y := newFake("b", "d", "y")
	y.info.Capabilities.NetworkDrivers = []string{"net-b"}
	y.info.Capabilities.DefaultNetworkDriver = "net-b"
	reg, err := driver.NewRegistry(newFake("a", "d", "x"), y)
	require.NoError(t, err)
	assert.Equal(t, []string{"x", "y"}, reg.COEs())
}

func TestRegisterInvalidInfo(t *testing.T) {
	mod := func(f func(*driver.Info)) driver.Driver {
		d := newFake("a", "d", "x")
		f(&d.info)
		return d
	}
	tests := []struct {
		name    string
		d       driver.Driver
		mention string
	}{
		{"nil driver", nil, "nil driver"},
		{"no name", mod(func(i *driver.Info) { i.Name = "" }), "name is empty"},
		{"no tuples", mod(func(i *driver.Info) { i.Tuples = nil }), "serves no tuple"},
		{"no COE", mod(func(i *driver.Info) { i.Capabilities.COE = "" }), "declares no COE"},
		{"tuple of another COE", mod(func(i *driver.Info) { i.Tuples[0].COE = "y" }), "is not of its COE x"},
		{"tuple server type not in capabilities", mod(func(i *driver.Info) { i.Tuples[0].ServerType = "bm" }), "server type its capabilities do not list"},
		{"tuple without server type", mod(func(i *driver.Info) { i.Tuples[0].ServerType = "" }), "server type its capabilities do not list"},
		{"tuple without distro", mod(func(i *driver.Info) { i.Tuples[0].OSDistro = "" }), "has no OS distro"},
		{"default network driver not allowed", mod(func(i *driver.Info) { i.Capabilities.DefaultNetworkDriver = "net-z" }), `"net-z" is not among its network drivers`},
		{"second tuple bad", mod(func(i *driver.Info) {
			i.Tuples = append(i.Tuples, driver.Tuple{ServerType: "vm", OSDistro: "e", COE: "z"})
		}), "(vm, e, z) is not of its COE x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &driver.Registry{}
			err := reg.Register(tt.d)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			assert.Contains(t, err.Error(), tt.mention)
			p := errdefs.Problems(err)
			require.Len(t, p, 1)
			assert.Equal(t, "driver", p[0].Field)
			assert.Empty(t, reg.Drivers(), "nothing registered")

			_, err = driver.NewRegistry(newFake("ok", "ok", "x"), tt.d)
			assert.ErrorIs(t, err, errdefs.ErrInvalid, "NewRegistry reports it too")
		})
	}
}

func TestDriversSortedAndCOEsSortedUnique(t *testing.T) {
	reg, err := driver.NewRegistry(
		newFake("zeta", "d1", "zcoe"),
		newFake("alpha", "d2", "mcoe"),
		newFake("mid", "d3", "acoe"),
		newFake("beta", "d4", "mcoe"),
	)
	require.NoError(t, err)
	var names []string
	for _, d := range reg.Drivers() {
		names = append(names, d.Info().Name)
	}
	assert.Equal(t, []string{"alpha", "beta", "mid", "zeta"}, names)
	assert.Equal(t, []string{"acoe", "mcoe", "zcoe"}, reg.COEs())

	assert.Equal(t, []string{"kubernetes", "mesos", "swarm"}, builtins(t).COEs())
}

func TestCapabilitiesUnion(t *testing.T) {
	a := newFake("a", "d1", "x")
	a.info.Capabilities.NetworkDrivers = []string{"net-a", "net-b"}
	a.info.Capabilities.VolumeDrivers = []string{"vol-a"}
	a.info.Capabilities.RequiredFields = []string{"external_network_id"}

	b := newFake("b", "d2", "x")
	b.info.Tuples = []driver.Tuple{{ServerType: "bm", OSDistro: "d2", COE: "x"}}
	b.info.Capabilities.ServerTypes = []string{"bm"}
	b.info.Capabilities.NetworkDrivers = []string{"net-b", "net-c", "net-a"}
	b.info.Capabilities.VolumeDrivers = []string{"vol-b"}
	b.info.Capabilities.RequiredFields = []string{"fixed_network", "external_network_id"}

	other := newFake("c", "d3", "y")
	other.info.Capabilities.NetworkDrivers = []string{"net-a", "net-y"}
	other.info.Capabilities.VolumeDrivers = []string{"vol-y"}

	reg, err := driver.NewRegistry(b, other, a) // registration order does not matter
	require.NoError(t, err)

	caps, ok := reg.Capabilities("x")
	require.True(t, ok)
	assert.Equal(t, "x", caps.COE)
	assert.Equal(t, "net-a", caps.DefaultNetworkDriver)
	// Union, in the order of the drivers' names, each value once.
	assert.Equal(t, []string{"vm", "bm"}, caps.ServerTypes)
	assert.Equal(t, []string{"net-a", "net-b", "net-c"}, caps.NetworkDrivers)
	assert.Equal(t, []string{"vol-a", "vol-b"}, caps.VolumeDrivers)
	// Required fields: only those every driver of the COE requires; the
	// bare-metal driver's fixed_network is its own to check.
	assert.Equal(t, []string{"external_network_id"}, caps.RequiredFields)
	assert.Nil(t, caps.ValidateLabels)

	_, ok = reg.Capabilities("nope")
	assert.False(t, ok)

	// The union is a copy: changing it does not change the drivers'.
	caps.NetworkDrivers[0] = "changed"
	again, _ := reg.Capabilities("x")
	assert.Equal(t, "net-a", again.NetworkDrivers[0])
	assert.Equal(t, []string{"net-a", "net-b"}, a.info.Capabilities.NetworkDrivers)
}

func TestCapabilitiesChainsLabelValidators(t *testing.T) {
	shared := errdefs.Invalid("labels/shared", "shared rule broken")
	plain := errors.New("a plain error")
	mk := func(name, distro string, errs ...error) fake {
		f := newFake(name, distro, "x")
		f.info.Capabilities.ValidateLabels = func(l labels.Labels) error {
			if l["ok"] == "yes" {
				return nil
			}
			return errors.Join(errs...)
		}
		return f
	}
	a := mk("a", "d1", shared, errdefs.Invalid("labels/a", "a's rule"))
	// b repeats a's problem (same text, different value) and adds its own.
	b := mk("b", "d2", errdefs.Invalid("labels/shared", "shared rule broken"), errdefs.Invalid("labels/b", "b's rule"), plain)
	// c has no validator; d repeats a problem already seen.
	c := newFake("c", "d3", "x")
	d := mk("d", "d4", errdefs.Invalid("labels/b", "b's rule"))

	reg, err := driver.NewRegistry(d, c, b, a)
	require.NoError(t, err)
	caps, ok := reg.Capabilities("x")
	require.True(t, ok)
	require.NotNil(t, caps.ValidateLabels)

	assert.NoError(t, caps.ValidateLabels(labels.Labels{"ok": "yes"}))

	err = caps.ValidateLabels(labels.Labels{"ok": "no"})
	require.Error(t, err)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.ErrorIs(t, err, plain, "errors that are not *errdefs.Error are kept")
	var got []string
	for _, p := range errdefs.Problems(err) {
		got = append(got, p.Error())
	}
	assert.Equal(t, []string{
		"labels/shared: shared rule broken",
		"labels/a: a's rule",
		"labels/b: b's rule",
	}, got, "each distinct problem once, in driver-name order")
}

func TestCapabilitiesSingleValidatorIsUsedAsIs(t *testing.T) {
	reg, err := driver.NewRegistry(swarm.New())
	require.NoError(t, err)
	caps, ok := reg.Capabilities(swarm.COE)
	require.True(t, ok)
	require.NotNil(t, caps.ValidateLabels)
	err = caps.ValidateLabels(labels.Labels{"swarm_strategy": "nope"})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.NoError(t, caps.ValidateLabels(labels.Labels{"swarm_strategy": "spread"}))
}

func TestRegistryIsACatalog(t *testing.T) {
	var _ template.Catalog = builtins(t)
	reg := builtins(t)
	for _, coe := range reg.COEs() {
		caps, ok := reg.Capabilities(coe)
		require.True(t, ok, coe)
		assert.Equal(t, coe, caps.COE)
		assert.Contains(t, caps.NetworkDrivers, caps.DefaultNetworkDriver, coe)
	}
}

// TestConcurrentRegisterAndLookup runs registrations and reads at once; run
// it with -race.
func TestConcurrentRegisterAndLookup(t *testing.T) {
	reg := builtins(t)
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs <- reg.Register(newFake(fmt.Sprintf("drv-%02d", i), fmt.Sprintf("distro-%02d", i), fmt.Sprintf("coe-%d", i%4)))
		}()
		go func() {
			defer wg.Done()
			_, err := reg.Lookup(driver.Tuple{ServerType: "vm", OSDistro: "fedora-atomic", COE: "kubernetes"})
			assert.NoError(t, err)
			_, _ = reg.Lookup(driver.Tuple{ServerType: "vm", OSDistro: fmt.Sprintf("distro-%02d", i), COE: fmt.Sprintf("coe-%d", i%4)})
			_, ok := reg.Capabilities("kubernetes")
			assert.True(t, ok)
			_ = reg.COEs()
			_ = reg.Drivers()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Len(t, reg.Drivers(), 4+n)
	for i := range n {
		d, err := reg.Lookup(driver.Tuple{ServerType: "vm", OSDistro: fmt.Sprintf("distro-%02d", i), COE: fmt.Sprintf("coe-%d", i%4)})
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("drv-%02d", i), d.Info().Name)
	}

	// Racing registrations of the same name: exactly one wins.
	var wins sync.WaitGroup
	results := make(chan error, n)
	for i := range n {
		wins.Add(1)
		go func() {
			defer wins.Done()
			results <- reg.Register(newFake("contended", fmt.Sprintf("c-%02d", i), "coe-c"))
		}()
	}
	wins.Wait()
	close(results)
	ok := 0
	for err := range results {
		if err == nil {
			ok++
			continue
		}
		assert.ErrorIs(t, err, errdefs.ErrConflict)
	}
	assert.Equal(t, 1, ok)
}

func TestCapabilitiesChainFlattensJoinsOnly(t *testing.T) {
	inner := errdefs.Invalid("labels/k", "inner rule")
	wrapped := fmt.Errorf("context: %w and %w", errdefs.Invalid("labels/w", "one"), errdefs.Invalid("labels/w", "two"))
	a := newFake("a", "d1", "x")
	a.info.Capabilities.ValidateLabels = func(labels.Labels) error {
		return errors.Join(errors.Join(inner), wrapped)
	}
	b := newFake("b", "d2", "x")
	b.info.Capabilities.ValidateLabels = func(labels.Labels) error {
		return errors.Join(errdefs.Invalid("labels/k", "inner rule"), fmt.Errorf("context: %w and %w",
			errdefs.Invalid("labels/w", "one"), errdefs.Invalid("labels/w", "two")))
	}
	reg, err := driver.NewRegistry(a, b)
	require.NoError(t, err)
	caps, _ := reg.Capabilities("x")
	err = caps.ValidateLabels(nil)
	require.Error(t, err)
	// The nested join is flattened and deduplicated; the two-%w error keeps
	// its context and is reported once.
	assert.Equal(t, "labels/k: inner rule\ncontext: labels/w: one and labels/w: two", err.Error())
}
