package k8s_test

import (
	"fmt"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

func ExampleDriver_RenderCluster() {
	saKey, err := k8s.NewServiceAccountKey(nil) // once per cluster, kept with its secrets
	if err != nil {
		panic(err)
	}
	fip := true
	in := k8s.Input{
		Template: &template.ClusterTemplate{COE: k8s.COE, ImageID: "fedora-atomic-29", ExternalNetworkID: "public",
			FlavorID: "m1.small", MasterLBEnabled: true, FloatingIPEnabled: &fip, DockerVolumeSize: 20},
		Cluster: &cluster.Cluster{UUID: "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f", Name: "prod", MasterCount: 3, NodeCount: 5,
			Labels: labels.Labels{"kube_tag": "v1.30.4", "flannel_backend": "host-gw"}},
		Bootstrap: k8s.Bootstrap{
			SignURL: "https://magnum.example.com:9511/v1", AuthURL: "https://keystone.example.com:5000/v3",
			Trustee:           k8s.Trustee{UserID: "trustee", Password: "secret", TrustID: "trust"},
			ServiceAccountKey: saKey, // CA certificates left out: the nodes fetch them
		},
	}
	req, features, err := k8s.NewFedoraAtomic().RenderCluster(in)
	if err != nil {
		panic(err)
	}
	fmt.Println("load balancer:", features["master_lb"], "docker volume:", features["docker_volume"])
	fmt.Println("masters:", req.Parameters["number_of_masters"], "minions:", req.Parameters["number_of_minions"])
	fmt.Println("names:", req.Parameters["name_prefix"], "tags:", req.Tags)
	// Output:
	// load balancer: true docker volume: true
	// masters: 3 minions: 5
	// names: prod-3c8b1d2e tags: [3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f]
}
