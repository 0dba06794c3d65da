package drivertest

import (
	"context"
	"testing"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
)

// FakeCloud runs sd on a fresh fake cloud (openstack/openstacktest, whose
// Heat applies heat.Check to what it receives) through a heat.Backend, as
// a Manager would. The cloud is closed when the test ends.
func FakeCloud(t *testing.T, sd heat.StackDriver) driver.ClusterDriver {
	t.Helper()
	cd, _ := fakeCloud(t, sd)
	return cd
}

func fakeCloud(t *testing.T, sd heat.StackDriver) (driver.ClusterDriver, *openstacktest.Server) {
	t.Helper()
	srv := openstacktest.New(openstacktest.Options{})
	t.Cleanup(srv.Close)
	c, err := srv.Connect(context.Background())
	if err != nil {
		t.Fatalf("drivertest: connect to the fake cloud: %v", err)
	}
	o, err := c.Orchestrator(openstack.Config{})
	if err != nil {
		t.Fatalf("drivertest: the fake cloud's Heat: %v", err)
	}
	return heat.NewBackend(o, heat.BackendConfig{}).Driver(sd), srv
}
