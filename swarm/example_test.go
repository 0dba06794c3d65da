package swarm_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

// Example renders the stack of a small Swarm cluster: the request a
// heat.Backend sends to Heat, its structural choices, and the Docker
// client configuration once the cluster has its API address.
func Example() {
	ctx := context.Background()
	mgr, _ := certs.New(certs.Config{})
	c := &cluster.Cluster{UUID: "8d2f6c1e-3b4a-4c5d-9e8f-0a1b2c3d4e5f", Name: "web", ProjectID: "p", UserID: "u",
		MasterCount: 1, NodeCount: 2, Labels: labels.Labels{"swarm_strategy": "binpack"}}
	_, _ = mgr.Create(ctx, certs.Cluster{UUID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, UserID: c.UserID})
	ca, _ := mgr.CA(ctx, c.UUID, certs.CAKubernetes)
	etcdCA, _ := mgr.CA(ctx, c.UUID, certs.CAEtcd)

	d := swarm.New()
	req := &driver.Request{
		Template: &template.ClusterTemplate{COE: swarm.COE, ImageID: "fedora-atomic", ExternalNetworkID: "public",
			KeyPairID: "testkey", NetworkDriver: "flannel", VolumeDriver: "rexray"},
		Cluster: c,
		Name:    "web-8d2f6c1e",
		Nodes: driver.NodeAccess{
			SignURL: "https://magnum.example.com:9511/v1", AuthURL: "https://keystone.example.com:5000/v3",
			CACerts: map[string][]byte{"kubernetes": certs.CertificatePEM(ca), "etcd": certs.CertificatePEM(etcdCA)},
			Trustee: driver.Trustee{UserID: "trustee", Password: "secret"},
		},
	}
	if err := d.Validate(req); err != nil {
		fmt.Println(err)
		return
	}
	stack, features, err := d.RenderStack(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(stack.Name, stack.Parameters["number_of_nodes"], stack.Parameters["swarm_port"])
	fmt.Println("floating IPs:", features["floating_ip"], "load balancer:", features["master_lb"])

	c.APIAddress = "tcp://172.24.4.10:2376" // what ApplyOutputs maps from the stack
	cfg, _ := swarm.ClientConfigFor(ctx, mgr, c, certs.ClientRequest{Requester: certs.Requester{UserID: "u", ProjectID: "p"}})
	env, _ := cfg.Env("/home/u/.docker/web")
	sh, _ := certs.ShellExports(env)
	fmt.Print(strings.ReplaceAll(sh, "export ", ""))
	// Output:
	// web-8d2f6c1e 2 2376
	// floating IPs: true load balancer: false
	// DOCKER_HOST='tcp://172.24.4.10:2376'
	// DOCKER_CERT_PATH='/home/u/.docker/web'
	// DOCKER_TLS_VERIFY='1'
}
