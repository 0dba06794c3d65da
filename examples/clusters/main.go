// Command clusters is gomagnum's cluster-lifecycle demo. It starts the
// in-process fake OpenStack cloud (Keystone, Heat, Glance, Nova, Neutron),
// builds a Manager on it over the embedded SQLite store — clusters and their
// sealed certificate authorities in the same database file — and takes one
// Kubernetes cluster through create, resize up and down, kubeconfig and
// delete, printing every status transition it watches.
//
//	go run ./examples/clusters [-db path/to/file.db] [-kubeconfig path] [-sync 20ms]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store/sqlstore"
	"github.com/gomagnum/magnum/template"
)

func main() {
	err := run(context.Background(), os.Stdout, os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

// options are the demo's flags.
type options struct {
	db         string        // SQLite file ("" = a new one in a temporary directory)
	kubeconfig string        // where to write the kubeconfig ("" = next to the database)
	sync       time.Duration // the Manager's sync interval
	polls      int           // fake Heat reads before a stack action finishes
	timeout    time.Duration // bound on the whole demo
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("clusters", flag.ContinueOnError)
	fs.StringVar(&o.db, "db", "", "SQLite file to use (default: a new file in a temporary directory, removed afterwards)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "where to write the cluster's kubeconfig (default: next to the database; removed with a temporary one)")
	fs.DurationVar(&o.sync, "sync", 20*time.Millisecond, "the Manager's status-sync interval")
	fs.IntVar(&o.polls, "polls", 2, "reads of a stack the fake Heat reports in progress before an action finishes")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.sync <= 0 || o.timeout <= 0 || o.polls < 0 {
		return o, errors.New("-sync and -timeout must be positive, -polls at least 0")
	}
	return o, nil
}

func run(ctx context.Context, out io.Writer, args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	if o.db == "" {
		dir, err := os.MkdirTemp("", "gomagnum-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.db = filepath.Join(dir, "magnum.db")
	}
	if o.kubeconfig == "" {
		o.kubeconfig = filepath.Join(filepath.Dir(o.db), "kubeconfig")
	}

	// The fake cloud, and a session on it as a real program would open one.
	fake := openstacktest.New(openstacktest.Options{Heat: heattest.Options{PollsToComplete: o.polls}})
	defer fake.Close()
	cloud, err := fake.Connect(ctx)
	if err != nil {
		return err
	}
	orch, err := cloud.Orchestrator(openstack.Config{})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "cloud:    fake OpenStack (Keystone, Heat, Glance, Nova, Neutron) on loopback")

	// One SQLite file holds the clusters and their certificate authorities;
	// private keys are sealed with AES-GCM. The key here is made up for this
	// run only: a real program loads it from its secret store or KMS, and
	// certificates sealed under a lost key cannot be read again.
	st, err := sqlstore.Open(ctx, o.db, sqlstore.Config{})
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := certs.NewEphemeralKeys()
	if err != nil {
		return err
	}
	cm, err := certs.New(certs.Config{Storage: certs.NewSealedStorage(st.Records("certs"), keys)})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "store:    SQLite (clusters and sealed CAs in one file)")

	m, err := magnum.New(magnum.Config{
		Store:        st,
		Certs:        cm,
		Orchestrator: orch,
		Images:       cloud,
		Resources:    cloud,
		Nodes: driver.NodeAccess{
			SignURL: "https://magnum.example.com:9511/v1",
			AuthURL: fake.AuthOptions().IdentityEndpoint,
			Trustee: driver.Trustee{UserID: "demo-trustee", Password: "demo-only-password"},
		},
		SyncInterval: o.sync,
		Host:         "clusters-demo",
	})
	if err != nil {
		return err
	}
	defer m.Close()

	// Watch collects transitions; they are printed by this goroutine, in
	// order, so the output reads the same on every run.
	events := make(chan magnum.Event, 64)
	stopWatch := m.Watch(func(ev magnum.Event) {
		select {
		case events <- ev:
		default: // never block the Manager; the demo makes far fewer than 64
		}
	})
	defer stopWatch()

	// Run moves clusters on: one Heat list per tick, plus a heartbeat.
	runCtx, stopRun := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- m.Run(runCtx) }()
	defer func() {
		stopRun()
		<-ran
	}()

	alice := policy.Caller{UserID: "alice", ProjectID: "team-a", Roles: []string{"member"}}
	actx := policy.WithCaller(ctx, alice)

	tpl, err := m.CreateClusterTemplate(actx, &template.ClusterTemplate{
		Name: "k8s", COE: "kubernetes", ImageID: "fedora-atomic-latest", KeyPairID: "testkey",
		ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "template: %s coe=%s distro=%s (from the image) network_driver=%s\n",
		tpl.Name, tpl.COE, tpl.ClusterDistro, tpl.NetworkDriver)

	c, err := m.CreateCluster(actx, &magnum.ClusterRequest{Name: "demo", ClusterTemplate: "k8s"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "create:   cluster %s masters=%d nodes=%d keypair=%s\n", c.Name, c.MasterCount, c.NodeCount, c.KeyPair)
	if c, err = settle(actx, out, m, events, c.Name, cluster.CreateComplete); err != nil {
		return err
	}
	fmt.Fprintf(out, "ready:    api_address=%s\n", c.APIAddress)
	fmt.Fprintf(out, "          masters=%s nodes=%s\n", strings.Join(c.MasterAddresses, ","), strings.Join(c.NodeAddresses, ","))

	for _, n := range []int{3, 1} {
		if _, err := m.ResizeCluster(actx, c.Name, magnum.ResizeRequest{NodeCount: n}); err != nil {
			return err
		}
		fmt.Fprintf(out, "resize:   %s to %d node(s)\n", c.Name, n)
		if c, err = settle(actx, out, m, events, c.Name, cluster.UpdateComplete); err != nil {
			return err
		}
		fmt.Fprintf(out, "          nodes=%s\n", strings.Join(c.NodeAddresses, ","))
		s, err := m.Stats(actx, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "stats:    clusters=%d nodes=%d (masters and workers)\n", s.Clusters, s.Nodes)
	}

	// The Manager keeps no certs accessor: the kubeconfig is signed by the
	// certs.Manager passed in Config.Certs, for alice as the cluster's owner.
	cc, err := k8s.ClientConfigFor(ctx, cm, c, certs.ClientRequest{
		Cluster:   certs.Cluster{UUID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, UserID: c.UserID},
		Requester: certs.Requester{UserID: alice.UserID, ProjectID: alice.ProjectID, Roles: alice.Roles},
	}, certs.KubeconfigOptions{})
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.kubeconfig, cc.Kubeconfig, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "config:   kubeconfig for %s (user %s-admin, client cert CN=%s) written\n",
		cc.Bundle.Server, c.Name, cc.Bundle.Client.Certificate.Subject.CommonName)

	if err := m.DeleteCluster(actx, c.Name); err != nil {
		return err
	}
	fmt.Fprintf(out, "delete:   %s\n", c.Name)
	if _, err := settle(actx, out, m, events, c.Name, cluster.DeleteComplete); err != nil {
		return err
	}
	if _, err := m.GetCluster(actx, c.Name); !errors.Is(err, magnum.ErrNotFound) {
		return fmt.Errorf("cluster %s still there after delete: %v", c.Name, err)
	}
	s, err := m.Stats(actx, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "gone:     %s; stats: clusters=%d nodes=%d\n", c.Name, s.Clusters, s.Nodes)
	return nil
}

// settle waits until the cluster reaches want (or fails), then prints the
// watched transitions up to that one. It returns the cluster as Wait saw it
// (nil once deleted).
func settle(ctx context.Context, out io.Writer, m *magnum.Manager, events <-chan magnum.Event, name string, want cluster.Status) (*cluster.Cluster, error) {
	c, err := m.Wait(ctx, name, want, cluster.CreateFailed, cluster.UpdateFailed, cluster.DeleteFailed)
	if err != nil {
		return nil, fmt.Errorf("waiting for %s to reach %s: %w", name, want, err)
	}
	got := cluster.DeleteComplete
	if c != nil {
		got = c.Status
	}
	// Wait returns as soon as the status is stored; the watcher may still be
	// about to hear of it. Watch does not promise to report a transition
	// only once (DeleteCluster currently announces DELETE_IN_PROGRESS
	// twice), so a repeat of the previous event is not printed again.
	var last magnum.Event
	for {
		select {
		case ev := <-events:
			if ev.ClusterID == last.ClusterID && ev.From == last.From && ev.To == last.To {
				continue
			}
			last = ev
			from := string(ev.From)
			if from == "" {
				from = "(new)"
			}
			fmt.Fprintf(out, "  watch:  %s %s -> %s\n", ev.Name, from, ev.To)
			if ev.To != got {
				continue
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("watching %s for %s: %w", name, got, ctx.Err())
		}
		break
	}
	if got != want {
		return nil, fmt.Errorf("cluster %s is %s, not %s: %s", name, got, want, c.StatusReason)
	}
	return c, nil
}
