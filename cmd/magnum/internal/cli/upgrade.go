package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/gomagnum/magnum"
)

type upgradeFlags struct {
	maxBatchSize optInt
	nodeGroup    string
	rollback     bool
}

func upgradeCommand(st *cmdState) *command {
	f := &st.upg
	return &command{
		name: "cluster-upgrade", args: "<cluster> <cluster-template>",
		summary: "Upgrade a cluster to another cluster template, replacing its nodes in batches.",
		details: `Masters are replaced before workers, --max-batch-size nodes at a time; the
cluster keeps its template until the upgrade completes. A failed upgrade can be
repeated (the same command) or, with --rollback, undone (gomagnum's own: Magnum
has no way back); the template may then be left out. Examples:
  magnum cluster-upgrade mycluster k8s-v1.31 --max-batch-size 2 --wait
  magnum cluster-upgrade mycluster --rollback --wait`,
		flags: func(fs *flag.FlagSet) {
			fs.Var(&f.maxBatchSize, "max-batch-size", "nodes replaced at once (default 1)")
			fs.StringVar(&f.nodeGroup, "nodegroup", "", "node group to upgrade (default: the cluster's default groups)")
			fs.BoolVar(&f.rollback, "rollback", false, "take a cluster whose upgrade failed back to its template")
			fs.BoolVar(&st.wait, "wait", false, waitUsage)
		},
		nargsMin: 1, nargsMax: 2, run: runClusterUpgrade,
	}
}

func runClusterUpgrade(ctx context.Context, e *env, args []string) error {
	f := &e.st.upg
	req := magnum.UpgradeRequest{NodeGroup: f.nodeGroup, Rollback: f.rollback, MaxBatchSize: f.maxBatchSize.v}
	if len(args) > 1 {
		req.ClusterTemplate = args[1]
	}
	if req.ClusterTemplate == "" && !f.rollback {
		return usagef(e.cmd, "missing argument(s): usage: magnum %s <cluster> <cluster-template> (the template may be left out with --rollback)", e.cmd)
	}
	if f.maxBatchSize.set && f.maxBatchSize.v < 1 {
		return usagef(e.cmd, "--max-batch-size must be at least 1, not %d", f.maxBatchSize.v)
	}
	e.syncNow(ctx)
	before := e.orch.submitted.Load()
	c, err := e.m.UpgradeCluster(e.as(ctx), args[0], req)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Request to upgrade cluster %s has been accepted.", c.Name)
	if f.rollback {
		msg = fmt.Sprintf("Request to roll back the upgrade of cluster %s has been accepted.", c.Name)
	}
	return e.afterSubmit(ctx, before, c, false, msg)
}
