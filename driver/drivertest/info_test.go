package drivertest_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/driver/drivertest"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

// infoDriver declares an Info and nothing else.
type infoDriver struct{ info driver.Info }

func (d *infoDriver) Info() driver.Info { return d.info }

// drifting returns a different Info on every call.
type drifting struct{ n int }

func (d *drifting) Info() driver.Info {
	d.n++
	i := goodInfo()
	i.Capabilities.NetworkDrivers = append(i.Capabilities.NetworkDrivers, []string{"x", "y", "z"}[d.n%3])
	return i
}

func goodInfo() driver.Info {
	return driver.Info{
		Name:   "toy_v1",
		Tuples: []driver.Tuple{{ServerType: "vm", OSDistro: "toyos", COE: "toy"}},
		Capabilities: template.Capabilities{
			COE: "toy", ServerTypes: []string{"vm"}, NetworkDrivers: []string{"flat"}, DefaultNetworkDriver: "flat",
			RequiredFields: []string{"external_network_id"},
		},
	}
}

func TestCheckInfo(t *testing.T) {
	type change func(i *driver.Info)
	for _, tc := range []struct {
		name   string
		change change
		want   string
	}{
		{"empty name", func(i *driver.Info) { i.Name = "" }, "Info.Name"},
		{"name with space", func(i *driver.Info) { i.Name = "toy v1" }, "Info.Name"},
		{"no tuples", func(i *driver.Info) { i.Tuples = nil }, "serves nothing"},
		{"tuple twice", func(i *driver.Info) { i.Tuples = append(i.Tuples, i.Tuples[0]) }, "listed twice"},
		{"tuple without distro", func(i *driver.Info) { i.Tuples[0].OSDistro = "" }, "no OS distro"},
		{"tuple of another COE", func(i *driver.Info) { i.Tuples[0].COE = "kubernetes" }, "not of the driver's COE"},
		{"tuple server type not listed", func(i *driver.Info) { i.Tuples[0].ServerType = "bm" }, "not among Capabilities.ServerTypes"},
		{"no COE", func(i *driver.Info) { i.Capabilities.COE = "" }, "Capabilities.COE is empty"},
		{"odd server type", func(i *driver.Info) { i.Capabilities.ServerTypes = []string{"vm", "container"} }, `"container" is not vm or bm`},
		{"default network driver not allowed", func(i *driver.Info) { i.Capabilities.DefaultNetworkDriver = "calico" }, "not among NetworkDrivers"},
		{"no default network driver", func(i *driver.Info) { i.Capabilities.DefaultNetworkDriver = "" }, "DefaultNetworkDriver is empty"},
		{"duplicate volume driver", func(i *driver.Info) { i.Capabilities.VolumeDrivers = []string{"cinder", "cinder"} }, `VolumeDrivers lists "cinder" twice`},
		{"unknown required field", func(i *driver.Info) { i.Capabilities.RequiredFields = []string{"externalNetwork"} }, "not a cluster template field"},
		{"label rules refuse nothing", func(i *driver.Info) {
			i.Capabilities.ValidateLabels = func(labels.Labels) error { return errdefs.Invalid("labels", "always") }
		}, "refuses no labels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := goodInfo()
			tc.change(&i)
			err := drivertest.CheckInfo(&infoDriver{info: i})
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("good", func(t *testing.T) {
		assert.NoError(t, drivertest.CheckInfo(&infoDriver{info: goodInfo()}))
	})
	t.Run("drifting", func(t *testing.T) {
		assert.ErrorContains(t, drivertest.CheckInfo(&drifting{}), "Info changes between calls")
	})
	t.Run("registry refuses a clash", func(t *testing.T) {
		other := goodInfo()
		other.Name, other.Tuples[0].OSDistro = "toy_other", "otheros"
		other.Capabilities.NetworkDrivers, other.Capabilities.DefaultNetworkDriver = []string{"vxlan"}, "vxlan"
		err := drivertest.CheckInfo(&infoDriver{info: goodInfo()}, &infoDriver{info: other})
		require.Error(t, err)
		assert.ErrorContains(t, err, "the registry refuses the driver")
		assert.True(t, errors.Is(err, errdefs.ErrConflict))
	})
	t.Run("built-in drivers", func(t *testing.T) {
		fa, co := k8s.NewFedoraAtomic(), k8s.NewCoreOS()
		assert.NoError(t, drivertest.CheckInfo(fa, co))
		assert.NoError(t, drivertest.CheckInfo(swarm.New(), fa, co))
		assert.NoError(t, drivertest.CheckInfo(mesos.New(), fa, co, swarm.New()))
	})
}

// TestLacks: the built-in drivers lack nothing; a driver that only
// declares capabilities is told what it misses.
func TestLacks(t *testing.T) {
	for _, d := range []driver.Driver{k8s.NewFedoraAtomic(), swarm.New(), mesos.New()} {
		assert.Empty(t, drivertest.Lacks(d), d.Info().Name)
	}
	for _, d := range []driver.Driver{&infoDriver{info: goodInfo()}} {
		l := drivertest.Lacks(d)
		require.Len(t, l, 1)
		assert.Contains(t, l[0], d.Info().Name+" ")
		assert.Contains(t, l[0], "cannot build clusters")
		assert.Contains(t, l[0], "driver.ClusterDriver (missing Create, Delete, Faults, Finish, Observer, Resize, Validate)")
		assert.Contains(t, l[0], "heat.StackDriver (missing ApplyOutputs, RenderStack, ScaleStack, StackFeatures, Validate)")
	}
}
