package openstack_test

import (
	"context"
	"testing"

	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
)

// BenchmarkCheckResources is a full pre-create check (image, two flavors,
// keypair, external network, fixed network and subnet) on openstacktest
// through gophercloud, by names and by IDs. requests/op counts Glance, Nova
// and Neutron requests.
func BenchmarkCheckResources(b *testing.B) {
	srv, c := fakeCloud(b, openstacktest.Options{})
	byName := openstack.Resources{
		Image: "fedora-atomic-latest", Flavor: "m1.small", MasterFlavor: "m1.medium", Keypair: "testkey",
		ExternalNetwork: "public", FixedNetwork: "private", FixedSubnet: "private-subnet",
	}
	byID := openstack.Resources{
		Image: srv.ImageID("fedora-atomic-latest"), Flavor: srv.FlavorID("m1.small"), MasterFlavor: srv.FlavorID("m1.medium"),
		Keypair: "testkey", ExternalNetwork: srv.NetworkID("public"), FixedNetwork: srv.NetworkID("private"),
		FixedSubnet: srv.SubnetID("private-subnet"),
	}
	for _, bc := range []struct {
		name string
		res  openstack.Resources
	}{{"names", byName}, {"ids", byID}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			srv.ResetCounts()
			b.ReportAllocs()
			for b.Loop() {
				if err := c.CheckResources(ctx, bc.res); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(srv.TotalRequests())/float64(b.N), "requests/op")
		})
	}
}
