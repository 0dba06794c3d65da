// Command thirdparty shows a program adding its own container orchestration
// engine to gomagnum without changing gomagnum: the k3s driver of package
// examples/thirdparty/k3s is registered into a driver.Registry next to the
// built-in Kubernetes drivers and handed to magnum.Config.Drivers. On the
// in-process fake cloud, a k3s template and cluster are then created,
// resized and deleted through the Manager like any other.
//
//	go run ./examples/thirdparty [-sync 20ms] [-timeout 30s]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/examples/thirdparty/k3s"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/template"
)

func main() {
	err := run(context.Background(), os.Stdout, os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "thirdparty:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("thirdparty", flag.ContinueOnError)
	sync := fs.Duration("sync", 20*time.Millisecond, "the Manager's status-sync interval")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *sync <= 0 || *timeout <= 0 {
		return errors.New("usage: thirdparty [-sync positive duration] [-timeout positive duration]")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	fake := openstacktest.New(openstacktest.Options{})
	defer fake.Close()
	cloud, err := fake.Connect(ctx)
	if err != nil {
		return err
	}
	orch, err := cloud.Orchestrator(openstack.Config{})
	if err != nil {
		return err
	}

	// The program's registry: the built-in Kubernetes drivers and its own.
	reg, err := driver.NewRegistry(k8s.NewFedoraAtomic(), k8s.NewCoreOS(), k3s.New())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "drivers:  %s\n", strings.Join(reg.COEs(), ", "))

	m, err := magnum.New(magnum.Config{
		Drivers:      reg,
		Orchestrator: orch,
		Images:       cloud,
		Resources:    cloud,
		Nodes: driver.NodeAccess{
			SignURL: "https://magnum.example.com:9511/v1",
			AuthURL: fake.AuthOptions().IdentityEndpoint,
			Trustee: driver.Trustee{UserID: "demo-trustee", Password: "demo-only-password"},
		},
		SyncInterval: *sync,
		Host:         "thirdparty-demo",
	})
	if err != nil {
		return err
	}
	defer m.Close()
	runCtx, stopRun := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- m.Run(runCtx) }()
	defer func() {
		stopRun()
		<-ran
	}()

	actx := policy.WithCaller(ctx, policy.Caller{UserID: "alice", ProjectID: "team-a", Roles: []string{"member"}})

	// Template validation knows k3s through the registry: its network
	// driver default, its labels and required fields.
	if _, err := m.CreateClusterTemplate(actx, &template.ClusterTemplate{
		Name: "k3s-bad", COE: k3s.COE, ImageID: "ubuntu-mesos", ExternalNetworkID: "public",
		Labels: labels.Labels{"k3s_channel": "nightly"},
	}); err != nil {
		fmt.Fprintf(out, "refused:  %v\n", err)
	}
	tpl, err := m.CreateClusterTemplate(actx, &template.ClusterTemplate{
		Name: "k3s", COE: k3s.COE, ImageID: "ubuntu-mesos", KeyPairID: "testkey",
		ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
		Labels: labels.Labels{"k3s_channel": "stable"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "template: %s coe=%s distro=%s network_driver=%s\n", tpl.Name, tpl.COE, tpl.ClusterDistro, tpl.NetworkDriver)

	two := 2
	c, err := m.CreateCluster(actx, &magnum.ClusterRequest{Name: "edge", ClusterTemplate: "k3s", NodeCount: &two})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "create:   %s masters=%d nodes=%d\n", c.Name, c.MasterCount, c.NodeCount)
	if c, err = wait(actx, m, c.Name, cluster.CreateComplete); err != nil {
		return err
	}
	fmt.Fprintf(out, "ready:    api_address=%s servers=%s agents=%s\n", c.APIAddress,
		strings.Join(c.MasterAddresses, ","), strings.Join(c.NodeAddresses, ","))

	if _, err := m.ResizeCluster(actx, c.Name, magnum.ResizeRequest{NodeCount: 1}); err != nil {
		return err
	}
	if c, err = wait(actx, m, c.Name, cluster.UpdateComplete); err != nil {
		return err
	}
	fmt.Fprintf(out, "resize:   %s nodes=%d agents=%s\n", c.Name, c.NodeCount, strings.Join(c.NodeAddresses, ","))

	if err := m.DeleteCluster(actx, c.Name); err != nil {
		return err
	}
	if _, err := wait(actx, m, c.Name, cluster.DeleteComplete); err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted:  %s\n", c.Name)
	return nil
}

// wait waits until the cluster reaches want or fails.
func wait(ctx context.Context, m *magnum.Manager, name string, want cluster.Status) (*cluster.Cluster, error) {
	c, err := m.Wait(ctx, name, want, cluster.CreateFailed, cluster.UpdateFailed, cluster.DeleteFailed)
	if err != nil {
		return nil, fmt.Errorf("waiting for %s to reach %s: %w", name, want, err)
	}
	if c != nil && c.Status != want {
		return nil, fmt.Errorf("cluster %s is %s, not %s: %s", name, c.Status, want, c.StatusReason)
	}
	return c, nil
}
