package mesos_test

import (
	"fmt"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/template"
)

// The seed's example: a Mesos template with rexray volumes and the label
// written with a hyphen, rendered into a Heat stack request.
func ExampleDriver_RenderCluster() {
	tmpl := &template.ClusterTemplate{
		COE: mesos.COE, ImageID: "ubuntu-mesos", KeyPairID: "testkey", ExternalNetworkID: "public",
		DNSNameServer: "8.8.8.8", FlavorID: "m1.magnum", MasterFlavorID: "m1.magnum",
		DockerVolumeSize: 4, TLSDisabled: true, VolumeDriver: "rexray",
		Labels: labels.Labels{"rexray-preempt": "true"},
	}
	// The hyphenated spelling is Mesos' rexray_preempt.
	canonical, renamed, err := mesos.Capabilities().CanonicalLabels(tmpl.Labels)
	if err != nil {
		panic(err)
	}
	fmt.Println("labels:", canonical, "renamed:", renamed)

	in := mesos.Input{
		Template: tmpl,
		Cluster:  &cluster.Cluster{UUID: "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f", Name: "mesos-cluster", MasterCount: 1, NodeCount: 2, Labels: tmpl.Labels},
		// rexray reaches Cinder as the cluster's trustee.
		Access: mesos.Access{AuthURL: "https://keystone.example.com:5000/v3",
			Trustee: mesos.Trustee{UserID: "trustee", Password: "secret", TrustID: "trust"}},
	}
	if err := mesos.CheckCluster(in); err != nil {
		panic(err)
	}
	req, features, err := mesos.New().RenderCluster(in)
	if err != nil {
		panic(err)
	}
	fmt.Println("floating IPs:", features["floating_ip"], "docker volume:", features["docker_volume"])
	fmt.Println("masters:", req.Parameters["number_of_masters"], "slaves:", req.Parameters["number_of_slaves"])
	fmt.Println("flavor:", req.Parameters["slave_flavor"], "volume:", req.Parameters["docker_volume_size"], "GB")
	// Output:
	// labels: map[rexray_preempt:true] renamed: map[rexray-preempt:rexray_preempt]
	// floating IPs: true docker volume: true
	// masters: 1 slaves: 2
	// flavor: m1.magnum volume: 4 GB
}
