// Command quickstart is the README's Go program: a Kubernetes cluster's
// life through magnum.Manager on the in-process fake cloud. Swap the fake
// for openstack.Connect to run it on a real OpenStack.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/template"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	fake := openstacktest.New(openstacktest.Options{}) // Keystone, Heat, Glance, Nova, Neutron on loopback
	defer fake.Close()
	cloud, err := fake.Connect(ctx) // a real cloud: openstack.Connect(ctx, openstack.ConnectOptions{})
	if err != nil {
		return err
	}
	heat, err := cloud.Orchestrator(openstack.Config{})
	if err != nil {
		return err
	}
	mgr, err := magnum.New(magnum.Config{ // zero fields: in-memory store and CAs, built-in drivers
		Orchestrator: heat, Images: cloud, Resources: cloud,
		Nodes: driver.NodeAccess{ // how nodes reach back for their certificates
			SignURL: "https://magnum.example.com:9511/v1", AuthURL: fake.AuthOptions().IdentityEndpoint,
			Trustee: driver.Trustee{UserID: "trustee", Password: "secret"},
		},
		SyncInterval: 100 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	defer mgr.Close()
	go mgr.Run(ctx) // status sync: one Heat list call per tick

	ctx = policy.WithCaller(ctx, policy.Caller{UserID: "alice", ProjectID: "demo", Roles: []string{"member"}})
	if _, err := mgr.CreateClusterTemplate(ctx, &template.ClusterTemplate{
		Name: "k8s", COE: "kubernetes", ImageID: "fedora-atomic-latest", KeyPairID: "testkey",
		ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
	}); err != nil {
		return err
	}
	c, err := mgr.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "k8s"})
	if err != nil {
		return err // every invalid field at once: errdefs.Problems(err)
	}
	if c, err = mgr.Wait(ctx, c.UUID); err != nil {
		return err
	}
	fmt.Fprintln(out, c.Name, c.Status, c.APIAddress, c.NodeAddresses)

	if _, err := mgr.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 3}); err != nil {
		return err
	}
	if c, err = mgr.Wait(ctx, c.UUID); err != nil {
		return err
	}
	fmt.Fprintln(out, c.Name, c.Status, len(c.NodeAddresses), "nodes")

	if err := mgr.DeleteCluster(ctx, "prod"); err != nil {
		return err
	}
	_, err = mgr.Wait(ctx, c.UUID, "DELETE_COMPLETE")
	fmt.Fprintln(out, c.Name, "deleted")
	return err
}
