package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
)

// clusterFlags are cluster-create's options.
type clusterFlags struct {
	name, template, keypair, discoveryURL, flavor, masterFlavor string
	fixedNetwork, fixedSubnet                                   string
	nodeCount, masterCount, timeout, dockerVolumeSize           optInt
	labels                                                      multiFlag
	mergeLabels, masterLB                                       bool
	floatingIP                                                  *bool
}

type updateFlags struct{ rollback bool }

type resizeFlags struct {
	nodesToRemove string
	nodeGroup     string
}

const waitUsage = "follow the cluster until the operation settles, printing progress (Ctrl-C stops waiting, not the operation)"

func clusterCommands(st *cmdState) []*command {
	f := &st.cl
	return []*command{
		{
			name: "cluster-create", summary: "Create a cluster from a cluster template.",
			details: `The create runs in the cloud; without --wait the command returns once it has
been submitted. Example:
  magnum cluster-create --name mycluster --cluster-template mytemplate --node-count 2 --master-count 3 --wait`,
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&f.name, "name", "", "name of the cluster (default: a generated one)")
				fs.StringVar(&f.template, "cluster-template", "", "template name or UUID (required)")
				fs.StringVar(&f.keypair, "keypair", "", "Nova keypair (default: the template's)")
				fs.Var(&f.nodeCount, "node-count", "number of worker nodes (default 1)")
				fs.Var(&f.masterCount, "master-count", "number of masters (default 1)")
				fs.Var(&f.dockerVolumeSize, "docker-volume-size", "Docker volume size in GB (default: the template's)")
				fs.StringVar(&f.discoveryURL, "discovery-url", "", "etcd discovery URL")
				fs.Var(&f.timeout, "timeout", "create timeout in minutes (default 60)")
				fs.Var(&f.labels, "labels", "labels k=v[,k=v] (repeatable); they replace the template's unless --merge-labels")
				fs.BoolVar(&f.mergeLabels, "merge-labels", false, "merge --labels over the template's labels")
				fs.StringVar(&f.flavor, "flavor", "", "worker flavor (default: the template's)")
				fs.StringVar(&f.masterFlavor, "master-flavor", "", "master flavor (default: the template's)")
				fs.StringVar(&f.fixedNetwork, "fixed-network", "", "private network (default: the template's)")
				fs.StringVar(&f.fixedSubnet, "fixed-subnet", "", "private subnet (default: the template's)")
				fs.BoolVar(&f.masterLB, "master-lb-enabled", false, "put a load balancer in front of the masters")
				fs.Var(optBool{&f.floatingIP, true}, "floating-ip-enabled", "give the nodes floating IPs")
				fs.Var(optBool{&f.floatingIP, false}, "floating-ip-disabled", "give the nodes no floating IPs")
				fs.BoolVar(&st.wait, "wait", false, waitUsage)
			},
			nargsMax: 0, run: runClusterCreate,
		},
		{
			name: "cluster-list", summary: "List the clusters.", nargsMax: 0,
			flags: st.listPag.register, run: runClusterList,
		},
		{
			name: "cluster-show", args: "<cluster>", summary: "Show a cluster (by name or UUID).",
			nargsMin: 1, nargsMax: 1, run: runClusterShow,
		},
		{
			name: "cluster-delete", args: "<cluster> [<cluster> ...]", summary: "Delete clusters.",
			flags:    func(fs *flag.FlagSet) { fs.BoolVar(&st.wait, "wait", false, waitUsage) },
			nargsMin: 1, nargsMax: -1, run: runClusterDelete,
		},
		{
			name: "cluster-update", args: "<cluster> <op> <attribute=value> [<attribute=value> ...]",
			summary: "Update a cluster: op is add, replace or remove; node_count, health_status and health_status_reason may change.",
			details: `Example:
  magnum cluster-update mycluster replace node_count=3 --wait`,
			flags: func(fs *flag.FlagSet) {
				fs.BoolVar(&st.upd.rollback, "rollback", false, "roll a failed update back")
				fs.BoolVar(&st.wait, "wait", false, waitUsage)
			},
			nargsMin: 3, nargsMax: -1, run: runClusterUpdate,
		},
		{
			name: "cluster-resize", args: "<cluster> <node-count>", summary: "Resize a cluster's worker nodes.",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&st.resize.nodesToRemove, "nodes-to-remove", "", "comma-separated servers (IDs or member indexes) to remove first when shrinking")
				fs.StringVar(&st.resize.nodeGroup, "nodegroup", "", "node group to resize (default: the default worker group)")
				fs.BoolVar(&st.wait, "wait", false, waitUsage)
			},
			nargsMin: 2, nargsMax: 2, run: runClusterResize,
		},
	}
}

func runClusterCreate(ctx context.Context, e *env, _ []string) error {
	f := &e.st.cl
	if f.template == "" {
		return usagef(e.cmd, "--cluster-template is required")
	}
	for _, c := range []struct {
		name string
		v    optInt
		min  int
	}{{"--node-count", f.nodeCount, 0}, {"--master-count", f.masterCount, 1}, {"--timeout", f.timeout, 0}, {"--docker-volume-size", f.dockerVolumeSize, 1}} {
		if c.v.set && c.v.v < c.min {
			return usagef(e.cmd, "%s must be at least %d, not %d", c.name, c.min, c.v.v)
		}
	}
	l, err := f.labels.labels()
	if err != nil {
		return err
	}
	if f.mergeLabels && !f.labels.set {
		return usagef(e.cmd, "--merge-labels needs --labels")
	}
	req := &magnum.ClusterRequest{
		Name: f.name, ClusterTemplate: f.template, KeyPair: f.keypair,
		NodeCount: f.nodeCount.ptr(), MasterCount: f.masterCount.ptr(), DockerVolumeSize: f.dockerVolumeSize.ptr(),
		MasterFlavorID: f.masterFlavor, FlavorID: f.flavor, Labels: l, MergeLabels: f.mergeLabels,
		CreateTimeout: f.timeout.v, DiscoveryURL: f.discoveryURL, FixedNetwork: f.fixedNetwork, FixedSubnet: f.fixedSubnet,
		FloatingIPEnabled: f.floatingIP,
	}
	if f.masterLB {
		t := true
		req.MasterLBEnabled = &t
	}
	before := e.orch.submitted.Load()
	c, err := e.m.CreateCluster(e.as(ctx), req)
	if err != nil {
		return err
	}
	return e.afterSubmit(ctx, before, c, true, fmt.Sprintf("Request to create cluster %s (%s) has been accepted.", c.Name, c.UUID))
}

// afterSubmit follows the cluster with --wait, else waits until the step
// reached the cloud and says so.
func (e *env) afterSubmit(ctx context.Context, before int64, c *cluster.Cluster, create bool, accepted string) error {
	if !e.st.wait {
		e.awaitSubmission(ctx, before, c.UUID, create)
		if e.g.format == "json" {
			got, err := e.m.GetCluster(e.as(ctx), c.UUID)
			if err == nil {
				c = got
			}
			return printJSON(e.io.Stdout, c)
		}
		fmt.Fprintln(e.io.Stdout, accepted)
		return nil
	}
	fmt.Fprintln(e.io.Stderr, accepted)
	// Submitted first, so Ctrl-C while following cannot cancel the step.
	e.awaitSubmission(ctx, before, c.UUID, create)
	settled, err := e.follow(ctx, c.UUID)
	if err != nil {
		return err
	}
	if settled == nil {
		return nil
	}
	return e.printRecord(settled)
}

func runClusterList(ctx context.Context, e *env, _ []string) error {
	e.syncNow(ctx)
	cs, err := e.m.ListClusters(e.as(ctx), e.st.listPag.options())
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(cs))
	for _, c := range cs {
		rows = append(rows, []string{c.UUID, c.Name, c.KeyPair, fmt.Sprint(c.NodeCount), fmt.Sprint(c.MasterCount), string(c.Status), string(c.HealthStatus)})
	}
	if cs == nil {
		cs = []*cluster.Cluster{}
	}
	return e.printList(cs, []string{"uuid", "name", "keypair", "node_count", "master_count", "status", "health_status"}, rows)
}

func runClusterShow(ctx context.Context, e *env, args []string) error {
	e.syncNow(ctx)
	c, err := e.m.GetCluster(e.as(ctx), args[0])
	if err != nil {
		return err
	}
	return e.printRecord(c)
}

func runClusterDelete(ctx context.Context, e *env, args []string) error {
	e.syncNow(ctx)
	var errs []error
	for _, id := range args {
		c, err := e.m.GetCluster(e.as(ctx), id)
		if err == nil {
			before := e.orch.submitted.Load()
			if err = e.m.DeleteCluster(e.as(ctx), c.UUID); err == nil {
				if !e.st.wait {
					e.awaitSubmission(ctx, before, c.UUID, false)
					fmt.Fprintf(e.io.Stdout, "Request to delete cluster %s has been accepted.\n", id)
					continue
				}
				fmt.Fprintf(e.io.Stderr, "Request to delete cluster %s has been accepted.\n", id)
				e.awaitSubmission(ctx, before, c.UUID, false)
				_, err = e.follow(ctx, c.UUID)
			}
		}
		if err != nil {
			if len(args) == 1 {
				return err
			}
			report(e.io.Stderr, e.cmd, err)
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d deletes failed: %w", len(errs), len(args), errors.Join(errs...))
	}
	return nil
}

func runClusterUpdate(ctx context.Context, e *env, args []string) error {
	ops, err := patchOps(e.cmd, args[1], args[2:])
	if err != nil {
		return err
	}
	e.syncNow(ctx)
	before := e.orch.submitted.Load()
	c, err := e.m.UpdateCluster(e.as(ctx), args[0], ops, magnum.UpdateOptions{Rollback: e.st.upd.rollback})
	if err != nil {
		return err
	}
	return e.afterSubmit(ctx, before, c, false, fmt.Sprintf("Request to update cluster %s has been accepted.", c.Name))
}

func runClusterResize(ctx context.Context, e *env, args []string) error {
	var n optInt
	if err := n.Set(args[1]); err != nil {
		return usagef(e.cmd, "node count %q is not a whole number", args[1])
	}
	if n.v < 0 {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "cluster", ID: args[0], Field: "node_count",
			Reason: fmt.Sprintf("must be at least 0, not %d", n.v)}
	}
	var remove []string
	for _, s := range strings.Split(e.st.resize.nodesToRemove, ",") {
		if s = strings.TrimSpace(s); s != "" {
			remove = append(remove, s)
		}
	}
	e.syncNow(ctx)
	before := e.orch.submitted.Load()
	c, err := e.m.ResizeCluster(e.as(ctx), args[0], magnum.ResizeRequest{NodeCount: n.v, NodesToRemove: remove, NodeGroup: e.st.resize.nodeGroup})
	if err != nil {
		return err
	}
	return e.afterSubmit(ctx, before, c, false, fmt.Sprintf("Request to resize cluster %s to %d node(s) has been accepted.", c.Name, n.v))
}
