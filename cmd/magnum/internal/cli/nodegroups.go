package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
)

// nodeGroupFlags are the node group commands' options.
type nodeGroupFlags struct {
	nodeCount, minNodes, maxNodes, dockerVolumeSize optInt
	flavor, image, role                             string
	labels, nodeLabels                              multiFlag
	nodeTaints                                      multiFlag
	mergeLabels                                     bool
	listRole                                        string
}

func nodeGroupCommands(st *cmdState) []*command {
	f := &st.ng
	return []*command{
		{
			name: "nodegroup-create", args: "<cluster> <name>", summary: "Add a node group (a set of identical worker nodes) to a cluster.",
			details: `The cluster must be built (it has an API address) and idle. The group's nodes
join the cluster's network; unset options take the cluster's values. Example:
  magnum nodegroup-create mycluster gpu --node-count 2 --max-nodes 4 --flavor m1.large \
      --node-label accel=gpu --node-taint gpu=true:NoSchedule --wait`,
			flags: func(fs *flag.FlagSet) {
				fs.Var(&f.nodeCount, "node-count", "number of nodes (default 1)")
				fs.Var(&f.minNodes, "min-nodes", "minimum node count (default 0)")
				fs.Var(&f.maxNodes, "max-nodes", "maximum node count (default: none)")
				fs.StringVar(&f.flavor, "flavor", "", "Nova flavor of the nodes (default: the cluster's)")
				fs.StringVar(&f.image, "image", "", "Glance image of the nodes (default: the template's)")
				fs.Var(&f.dockerVolumeSize, "docker-volume-size", "Docker volume size in GB (default: the cluster's)")
				fs.Var(&f.labels, "labels", "labels k=v[,k=v] (repeatable); they replace the cluster's unless --merge-labels")
				fs.BoolVar(&f.mergeLabels, "merge-labels", false, "merge --labels over the cluster's labels")
				fs.StringVar(&f.role, "role", "", "role of the nodes (default worker; master is reserved)")
				fs.Var(&f.nodeLabels, "node-label", "Kubernetes label k=v[,k=v] set on the nodes (repeatable)")
				fs.Var(&f.nodeTaints, "node-taint", "Kubernetes taint key[=value]:Effect on the nodes, Effect one of NoSchedule, PreferNoSchedule, NoExecute (repeatable)")
				fs.BoolVar(&st.wait, "wait", false, waitUsage)
			},
			nargsMin: 2, nargsMax: 2, run: runNodeGroupCreate,
		},
		{
			name: "nodegroup-list", args: "<cluster>", summary: "List a cluster's node groups.",
			flags:    func(fs *flag.FlagSet) { fs.StringVar(&f.listRole, "role", "", "only the groups with this role") },
			nargsMin: 1, nargsMax: 1, run: runNodeGroupList,
		},
		{
			name: "nodegroup-show", args: "<cluster> <nodegroup>", summary: "Show a node group (by name or UUID).",
			nargsMin: 2, nargsMax: 2, run: runNodeGroupShow,
		},
		{
			name: "nodegroup-update", args: "<cluster> <nodegroup> <op> <attribute=value> [<attribute=value> ...]",
			summary: "Update a node group: op is add, replace or remove; min_node_count, max_node_count, node_labels and node_taints may change.",
			details: `The node count changes with cluster-resize --nodegroup. Example:
  magnum nodegroup-update mycluster gpu replace max_node_count=6`,
			nargsMin: 4, nargsMax: -1, run: runNodeGroupUpdate,
		},
		{
			name: "nodegroup-delete", args: "<cluster> <nodegroup> [<nodegroup> ...]",
			summary:  "Delete node groups (the default ones cannot be deleted).",
			flags:    func(fs *flag.FlagSet) { fs.BoolVar(&st.wait, "wait", false, waitUsage) },
			nargsMin: 2, nargsMax: -1, run: runNodeGroupDelete,
		},
	}
}

// parseTaint reads key[=value]:Effect, as kubectl taint writes it.
func parseTaint(cmd, s string) (cluster.Taint, error) {
	i := strings.LastIndex(s, ":")
	if i < 0 || i == len(s)-1 {
		return cluster.Taint{}, usagef(cmd, "--node-taint %q: want key[=value]:Effect", s)
	}
	key, value, _ := strings.Cut(s[:i], "=")
	effect := s[i+1:]
	if key == "" {
		return cluster.Taint{}, usagef(cmd, "--node-taint %q: the key is empty", s)
	}
	return cluster.Taint{Key: key, Value: value, Effect: effect}, nil
}

func runNodeGroupCreate(ctx context.Context, e *env, args []string) error {
	f := &e.st.ng
	for _, c := range []struct {
		name string
		v    optInt
		min  int
	}{{"--node-count", f.nodeCount, 0}, {"--min-nodes", f.minNodes, 0}, {"--max-nodes", f.maxNodes, 0}, {"--docker-volume-size", f.dockerVolumeSize, 1}} {
		if c.v.set && c.v.v < c.min {
			return usagef(e.cmd, "%s must be at least %d, not %d", c.name, c.min, c.v.v)
		}
	}
	if f.mergeLabels && !f.labels.set {
		return usagef(e.cmd, "--merge-labels needs --labels")
	}
	l, err := f.labels.labels()
	if err != nil {
		return err
	}
	nl, err := f.nodeLabels.labels()
	if err != nil {
		return err
	}
	var taints []cluster.Taint
	for _, s := range f.nodeTaints.vals {
		tt, err := parseTaint(e.cmd, s)
		if err != nil {
			return err
		}
		taints = append(taints, tt)
	}
	req := &magnum.NodeGroupRequest{
		Name: args[1], Role: f.role, NodeCount: f.nodeCount.ptr(), MinNodeCount: f.minNodes.v, MaxNodeCount: f.maxNodes.ptr(),
		FlavorID: f.flavor, ImageID: f.image, DockerVolumeSize: f.dockerVolumeSize.v,
		Labels: l, MergeLabels: f.mergeLabels, NodeLabels: nl, NodeTaints: taints,
	}
	e.syncNow(ctx)
	before := e.orch.submitted.Load()
	g, err := e.m.CreateNodeGroup(e.as(ctx), args[0], req)
	if err != nil {
		return err
	}
	return e.afterGroupSubmit(ctx, before, g, fmt.Sprintf("Request to create nodegroup %s (%s) has been accepted.", g.Name, g.UUID))
}

// afterGroupSubmit is afterSubmit for a node group operation: it follows
// the group's cluster, then shows the group (or, deleted, nothing).
func (e *env) afterGroupSubmit(ctx context.Context, before int64, g *cluster.NodeGroup, accepted string) error {
	e.awaitSubmission(ctx, before, g.ClusterID, false)
	if !e.st.wait {
		if e.g.format == "json" {
			if got, err := e.m.GetNodeGroup(e.as(ctx), g.ClusterID, g.UUID); err == nil {
				g = got
			}
			return printJSON(e.io.Stdout, g)
		}
		fmt.Fprintln(e.io.Stdout, accepted)
		return nil
	}
	fmt.Fprintln(e.io.Stderr, accepted)
	if _, err := e.follow(ctx, g.ClusterID); err != nil {
		return err
	}
	got, err := e.m.GetNodeGroup(e.as(ctx), g.ClusterID, g.UUID)
	if err != nil {
		return err
	}
	return e.printRecord(got)
}

func runNodeGroupList(ctx context.Context, e *env, args []string) error {
	e.syncNow(ctx)
	gs, err := e.m.NodeGroups(e.as(ctx), args[0])
	if err != nil {
		return err
	}
	shown := []*cluster.NodeGroup{}
	rows := make([][]string, 0, len(gs))
	for _, g := range gs {
		if f := e.st.ng.listRole; f != "" && g.Role != f {
			continue
		}
		shown = append(shown, g)
		rows = append(rows, []string{g.UUID, g.Name, g.FlavorID, g.ImageID, fmt.Sprint(g.NodeCount), string(g.Status), g.Role})
	}
	return e.printList(shown, []string{"uuid", "name", "flavor_id", "image_id", "node_count", "status", "role"}, rows)
}

func runNodeGroupShow(ctx context.Context, e *env, args []string) error {
	e.syncNow(ctx)
	g, err := e.m.GetNodeGroup(e.as(ctx), args[0], args[1])
	if err != nil {
		return err
	}
	return e.printRecord(g)
}

func runNodeGroupUpdate(ctx context.Context, e *env, args []string) error {
	ops, err := patchOps(e.cmd, args[2], args[3:])
	if err != nil {
		return err
	}
	e.syncNow(ctx)
	g, err := e.m.UpdateNodeGroup(e.as(ctx), args[0], args[1], ops)
	if err != nil {
		return err
	}
	return e.printRecord(g)
}

func runNodeGroupDelete(ctx context.Context, e *env, args []string) error {
	e.syncNow(ctx)
	var errs []error
	for i, name := range args[1:] {
		if i > 0 && !e.st.wait {
			// A cluster runs one operation at a time: let the last delete
			// settle before the next.
			fmt.Fprintf(e.io.Stderr, "magnum: %s: waiting for the previous delete to finish before deleting %s\n", e.cmd, name)
			if _, err := e.follow(ctx, args[0]); err != nil {
				return err
			}
		}
		err := e.deleteNodeGroup(ctx, args[0], name)
		if err != nil {
			if len(args) == 2 {
				return err
			}
			report(e.io.Stderr, e.cmd, err)
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d deletes failed: %w", len(errs), len(args)-1, errors.Join(errs...))
	}
	return nil
}

// deleteNodeGroup starts one group's delete and, with --wait, follows its
// cluster until it settles. Groups are deleted one after the other: a
// cluster runs one operation at a time.
func (e *env) deleteNodeGroup(ctx context.Context, clusterIdent, name string) error {
	g, err := e.m.GetNodeGroup(e.as(ctx), clusterIdent, name)
	if err != nil {
		return err
	}
	before := e.orch.submitted.Load()
	if err := e.m.DeleteNodeGroup(e.as(ctx), g.ClusterID, g.UUID); err != nil {
		return err
	}
	msg := fmt.Sprintf("Request to delete nodegroup %s has been accepted.", name)
	e.awaitSubmission(ctx, before, g.ClusterID, false)
	if !e.st.wait {
		fmt.Fprintln(e.io.Stdout, msg)
		return nil
	}
	fmt.Fprintln(e.io.Stderr, msg)
	_, err = e.follow(ctx, g.ClusterID)
	return err
}
