package magnum

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/template"
)

// groupAge is how long ago a group's operation last showed progress.
func (m *Manager) groupAge(g *cluster.NodeGroup) time.Duration {
	last := g.CreatedAt
	if g.UpdatedAt != nil {
		last = *g.UpdatedAt
	}
	return m.nowUTC().Sub(last)
}

// quietGroup is quiet for a node group: its stack is still in the
// operation the group records, within the operation timeout.
func (m *Manager) quietGroup(g *cluster.NodeGroup, o driver.Observation) bool {
	if o.Gone || g.StackID == "" || o.Status != g.Status || !o.Status.InProgress() {
		return false
	}
	return g.Status.Action() == "CREATE" || m.groupAge(g) < orDefault(m.cfg.OperationTimeout, DefaultOperationTimeout)
}

// reconcileGroup moves one non-default node group's operation on from
// what the backend reports about its stack, and with it the cluster (whose
// status aggregates its groups' while a group operation runs).
func (m *Manager) reconcileGroup(ctx context.Context, it tracked, o driver.Observation) error {
	c, g := it.c, it.g
	if m.active.has(c.UUID) {
		return nil
	}
	age := m.groupAge(g)
	stale := age >= orDefault(m.cfg.ResumeAfter, DefaultResumeAfter)
	action := g.Status.Action()
	ngd, ok := it.d.(driver.NodeGroupDriver)
	if !ok {
		m.endGroupOp(ctx, c.UUID, g.UUID, g.Status, failedOf(action), "the cluster's driver does not support node groups", nil)
		return nil
	}
	if g.Status == cluster.CreateInProgress && g.StackID == "" && !c.Status.InProgress() {
		// The group was recorded but its cluster never took the operation
		// on (the process died between the two writes): drop the intent.
		if stale {
			m.log.InfoContext(ctx, "removing a node group whose create never started", "nodegroup", g.UUID)
			if err := m.store.DeleteNodeGroup(ctx, g.UUID, g.Revision); err != nil && !errors.Is(err, errdefs.ErrNotFound) && !errors.Is(err, errdefs.ErrConflict) {
				return err
			}
		}
		return nil
	}
	if o.Gone {
		switch {
		case action == "DELETE":
			m.endGroupOp(ctx, c.UUID, g.UUID, g.Status, cluster.DeleteComplete, "", nil)
			if c.Status == cluster.DeleteInProgress {
				m.resend(tracked{c: c, t: it.t, d: it.d})
			}
			return nil
		case action == "CREATE" && g.StackID == "":
			if stale {
				m.resendGroup(it, ngd)
			}
			return nil
		}
		m.endGroupOp(ctx, c.UUID, g.UUID, g.Status, failedOf(action), "the node group's stack disappeared", nil)
		return nil
	}
	if g.StackID == "" && o.Ref != "" && action == "CREATE" {
		// A create whose stack id was never recorded: adopt the stack.
		if err := m.settleGroup(ctx, g.UUID, func(x *cluster.NodeGroup) bool {
			if x.StackID != "" || x.Status != cluster.CreateInProgress {
				return false
			}
			x.StackID = o.Ref
			return true
		}); err != nil {
			return err
		}
	}
	if o.Status == "" {
		return nil
	}
	oAction := o.Status.Action()
	same := oAction == action || (oAction == "ROLLBACK" && (action == "CREATE" || action == "UPDATE"))
	if o.Status.InProgress() {
		if same && action != "CREATE" && age >= orDefault(m.cfg.OperationTimeout, DefaultOperationTimeout) {
			m.endGroupOp(ctx, c.UUID, g.UUID, g.Status, failedOf(action), fmt.Sprintf("timed out after %s", age.Round(time.Second)), nil)
		}
		return nil
	}
	if !same {
		if stale {
			m.resendGroup(it, ngd)
		}
		return nil
	}
	if oAction == "ROLLBACK" && action == "CREATE" {
		// A create that failed and was rolled back built nothing.
		m.endGroupOp(ctx, c.UUID, g.UUID, g.Status, cluster.CreateFailed, "the stack failed and was rolled back: "+o.Reason, nil)
		return nil
	}
	if o.Status.Failed() || action == "DELETE" {
		m.endGroupOp(ctx, c.UUID, g.UUID, g.Status, o.Status, o.Reason, nil)
		return nil
	}
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return err
	}
	fg := g.Clone()
	if err := ngd.FinishNodeGroup(ctx, m.groupRequest(it.t, c, groups, fg)); err != nil {
		if retryable(err) {
			return err
		}
		m.log.WarnContext(ctx, "node group outputs unusable", "nodegroup", g.UUID, "err", err)
		fg = g.Clone()
	}
	if oAction == "UPDATE" && fg.NodeCount != g.NodeCount {
		// The stack finished an earlier update, not the recorded one.
		if stale {
			m.resendGroup(it, ngd)
		}
		return nil
	}
	m.endGroupOp(ctx, c.UUID, g.UUID, g.Status, o.Status, o.Reason, func(x *cluster.NodeGroup) {
		x.NodeAddresses, x.NodeCount = fg.NodeAddresses, fg.NodeCount
		if fg.Version != "" {
			x.Version = fg.Version
		}
	})
	return nil
}

// resendGroup repeats the cloud step of a group operation the cloud never
// saw (its process died first), under the cluster's operation lease.
func (m *Manager) resendGroup(it tracked, d driver.NodeGroupDriver) {
	m.log.Info("repeating node group operation", "nodegroup", it.g.UUID, "status", it.g.Status)
	m.background(it.c.UUID, func(ctx context.Context) {
		if it.g.Status == cluster.CreateInProgress {
			_ = m.settleGroup(ctx, it.g.UUID, func(*cluster.NodeGroup) bool { return true })
			m.launchGroup(ctx, it.t, it.c.UUID, it.g.UUID, d)
			return
		}
		release, ok := m.lockOp(ctx, it.c.UUID)
		if !ok {
			return
		}
		defer release()
		g, err := m.store.GetNodeGroup(ctx, it.g.UUID)
		if err != nil || g.Status != it.g.Status {
			return
		}
		c, err := m.store.GetCluster(ctx, it.c.UUID)
		if err != nil {
			return
		}
		groups, err := m.groups(ctx, c.UUID)
		if err != nil {
			return
		}
		_ = m.settleGroup(ctx, g.UUID, func(*cluster.NodeGroup) bool { return true })
		req := m.groupRequest(it.t, c, groups, g)
		switch g.Status {
		case cluster.UpdateInProgress:
			if err := d.ResizeNodeGroup(ctx, req); err != nil {
				m.failGroupIfFinal(ctx, c.UUID, g.UUID, cluster.UpdateInProgress, err)
			}
		case cluster.DeleteInProgress:
			if err := d.DeleteNodeGroup(ctx, req); err != nil {
				m.log.WarnContext(ctx, "node group delete will be retried by sync", "nodegroup", g.UUID, "err", err)
			}
		}
	})
}

// deleteStacks asks the cloud to remove a deleting cluster: its own node
// groups' stacks first (each marked DELETE_IN_PROGRESS; sync removes them
// and then comes back here), and once none is left the cluster's stack,
// after the driver's pre-delete cleanup.
func (m *Manager) deleteStacks(ctx context.Context, t *template.ClusterTemplate, c *cluster.Cluster, groups []*cluster.NodeGroup, d driver.ClusterDriver) error {
	var extra []*cluster.NodeGroup
	for _, g := range groups {
		if !g.IsDefault {
			extra = append(extra, g)
		}
	}
	ngd, ok := d.(driver.NodeGroupDriver)
	if len(extra) == 0 || !ok {
		req := m.request(t, c, groups)
		m.preDelete(ctx, t, req)
		return d.Delete(ctx, req)
	}
	var errs []error
	for _, g := range extra {
		if g.Status != cluster.DeleteInProgress {
			err := m.settleGroup(ctx, g.UUID, func(x *cluster.NodeGroup) bool {
				x.Status, x.StatusReason = cluster.DeleteInProgress, "Stack DELETE started"
				return true
			})
			if err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if err := ngd.DeleteNodeGroup(ctx, m.groupRequest(t, c, groups, g)); err != nil {
			errs = append(errs, fmt.Errorf("node group %s: %w", g.Name, err))
		}
	}
	return errors.Join(errs...)
}
