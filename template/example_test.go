package template_test

import (
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

// Validate reports every problem of a template at once, each naming its
// field. The drivers' registry tells it what each COE accepts.
func ExampleValidate() {
	catalog, err := driver.NewRegistry(k8s.NewFedoraAtomic(), k8s.NewCoreOS(), swarm.New(), mesos.New())
	if err != nil {
		fmt.Println(err)
		return
	}

	t := &template.ClusterTemplate{
		Name:          "k8s",
		COE:           "kubernetes",
		ImageID:       "fedora-atomic-27",
		NetworkDriver: "weave",
		VolumeDriver:  "rexray",
		HTTPProxy:     "http://proxy:3128;reboot",
		Labels:        labels.Labels{"kube_tag": "v1.30.1"},
	}
	template.ApplyDefaults(t, catalog)

	err = template.Validate(t, catalog)
	fmt.Println(errors.Is(err, errdefs.ErrInvalid))
	for _, p := range errdefs.Problems(err) {
		fmt.Printf("%s: %s\n", p.Field, p.Reason)
	}

	t.NetworkDriver, t.VolumeDriver, t.HTTPProxy, t.ExternalNetworkID = "calico", "cinder", "http://proxy:3128", "public"
	fmt.Println(template.Validate(t, catalog))
	// Output:
	// true
	// http_proxy: must be an http:// or https:// URL with a host and no spaces, quotes or shell characters
	// network_driver: network driver "weave" is not supported by COE kubernetes (allowed: flannel, calico, or unspecified)
	// volume_driver: volume driver "rexray" is not supported by COE kubernetes (allowed: cinder, or unspecified)
	// external_network_id: is required for COE kubernetes
	// <nil>
}

// ApplyDefaults fills what Magnum fills on create; the default network
// driver comes from the COE's drivers.
func ExampleApplyDefaults() {
	catalog, _ := driver.NewRegistry(swarm.New())
	t := &template.ClusterTemplate{COE: "swarm", ImageID: "fedora-atomic-27"}
	template.ApplyDefaults(t, catalog)
	fmt.Println(t.ServerType, t.NetworkDriver, t.FloatingIP(), t.Labels)
	// Output: vm docker true map[]
}
