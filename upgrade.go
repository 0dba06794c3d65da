package magnum

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/template"
)

// UpgradeRequest moves a cluster to another template (Magnum's
// actions/upgrade).
type UpgradeRequest struct {
	// ClusterTemplate names the target template (UUID or name). For a
	// rollback it may be empty.
	ClusterTemplate string
	// MaxBatchSize bounds the nodes replaced at once (default 1).
	MaxBatchSize int
	// NodeGroup is the group to upgrade: "" or a default group upgrades
	// the cluster (masters before workers). Other groups follow the
	// cluster's template and cannot be upgraded on their own yet.
	NodeGroup string
	// Rollback takes a cluster whose upgrade failed back to the template
	// it ran before (ClusterTemplate, if given, must name that one).
	Rollback bool
}

// DefaultMaxBatchSize is the upgrade batch size when none is given.
const DefaultMaxBatchSize = 1

// UpgradeCluster starts replacing a cluster's nodes with nodes of another
// template, in batches of MaxBatchSize, masters first, through the
// driver's rolling update (driver.Upgrader), and returns at once with the
// cluster in UPDATE_IN_PROGRESS and UpgradeTemplateID naming the target.
// When the update completes the target becomes the cluster's template and
// its labels the cluster's (labels the cluster added itself are kept); if
// it fails the cluster is UPDATE_FAILED, still on its old template with
// UpgradeTemplateID set, and the upgrade may be retried (the same request
// again) or rolled back (Rollback).
//
// Everything is validated before any change: the target exists and is
// visible, same COE and same driver, the driver's rules (for Kubernetes:
// no downgrade, no skipped minor version, something changes); a driver
// without upgrades is ErrUnsupported.
func (m *Manager) UpgradeCluster(ctx context.Context, ident string, r UpgradeRequest) (*cluster.Cluster, error) {
	caller, c, err := m.findCluster(ctx, policy.ClusterUpdate, ident)
	if err != nil {
		return nil, err
	}
	if r.NodeGroup != "" {
		g, err := m.store.FindNodeGroup(ctx, c.UUID, r.NodeGroup)
		if err != nil {
			return nil, errdefs.WithResource(err, resNodeGroup, r.NodeGroup)
		}
		if !g.IsDefault {
			// Magnum's InvalidClusterTemplateForUpgrade: such a group may
			// only "upgrade" to the cluster's own template.
			return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resNodeGroup, ID: g.UUID, Field: "nodegroup",
				Reason: "non-default node groups follow the cluster's template and cannot be upgraded on their own"}
		}
	}
	if r.MaxBatchSize == 0 {
		r.MaxBatchSize = DefaultMaxBatchSize
	}
	if r.MaxBatchSize < 1 {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resCluster, ID: c.UUID, Field: "max_batch_size",
			Reason: fmt.Sprintf("must be at least 1, got %d", r.MaxBatchSize)}
	}
	from, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return nil, err
	}
	// What the request means in the cluster's state.
	var to *template.ClusterTemplate
	retry := false
	switch {
	case r.Rollback:
		if c.Status != cluster.UpdateFailed || c.UpgradeTemplateID == "" {
			return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID,
				Reason: "only a cluster whose upgrade failed can be rolled back"}
		}
		to = from
		if r.ClusterTemplate != "" && r.ClusterTemplate != from.UUID && r.ClusterTemplate != from.Name {
			return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resCluster, ID: c.UUID, Field: "cluster_template",
				Reason: "a rollback returns to the cluster's template " + from.Name}
		}
		// The nodes now run a mix: render the way back from the target (a
		// failed rollback is repeated from where it was).
		if c.UpgradeTemplateID != c.ClusterTemplateID {
			if from, err = m.store.GetTemplate(ctx, c.UpgradeTemplateID); err != nil {
				return nil, err
			}
		}
	default:
		if r.ClusterTemplate == "" {
			return nil, errdefs.WithResource(errdefs.Invalid("cluster_template", "is required"), resCluster, c.UUID)
		}
		to, err = m.store.FindTemplate(ctx, templateFilter(caller), r.ClusterTemplate)
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resCluster, ID: c.UUID, Field: "cluster_template",
				Reason: fmt.Sprintf("cluster template %q not found", r.ClusterTemplate), Err: err}
		}
		if err != nil {
			return nil, err
		}
		retry = c.Status == cluster.UpdateFailed && c.UpgradeTemplateID == to.UUID
		if !retry {
			if err := cluster.CheckAllowed(cluster.OpUpgrade, c.Status); err != nil {
				return nil, errdefs.WithResource(err, resCluster, c.UUID)
			}
			if c.UpgradeTemplateID != "" {
				return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID,
					Reason: "an upgrade to template " + c.UpgradeTemplateID + " is unfinished; retry or roll it back"}
			}
		}
		if to.UUID == from.UUID {
			return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resCluster, ID: c.UUID, Field: "cluster_template",
				Reason: "the cluster already runs template " + to.Name}
		}
		if to.COE != from.COE || to.ServerType != from.ServerType || to.ClusterDistro != from.ClusterDistro {
			return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resCluster, ID: c.UUID, Field: "cluster_template",
				Reason: fmt.Sprintf("template %s is for %s/%s/%s, the cluster runs %s/%s/%s: an upgrade keeps the driver",
					to.Name, to.ServerType, to.ClusterDistro, to.COE, from.ServerType, from.ClusterDistro, from.COE)}
		}
	}
	d, err := m.clusterDriver(from)
	if err != nil {
		return nil, err
	}
	up, ok := d.(driver.Upgrader)
	if !ok {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: resCluster, ID: c.UUID,
			Reason: "the driver of " + from.COE + " clusters does not support upgrades"}
	}
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return nil, err
	}
	if err := groupsSettled(groups); err != nil {
		return nil, err
	}
	req := m.request(from, c, groups)
	req.Upgrade = &driver.Upgrade{To: to, MaxBatchSize: r.MaxBatchSize}
	if !r.Rollback {
		if err := up.ValidateUpgrade(req); err != nil {
			return nil, errdefs.WithResource(err, resCluster, c.UUID)
		}
	}
	// Record the intent, then ask the cloud.
	var x *cluster.Cluster
	err = m.settle(ctx, c.UUID, func(y *cluster.Cluster) bool {
		x = nil
		switch {
		case y.Revision != c.Revision:
			return false // changed since it was validated
		}
		y.UpgradeTemplateID, y.StepSent = to.UUID, false
		y.Status, y.StatusReason = cluster.UpdateInProgress, fmt.Sprintf("upgrade to template %s started (batches of %d)", to.Name, r.MaxBatchSize)
		if r.Rollback {
			y.StatusReason = "rollback to template " + to.Name + " started"
		}
		x = y
		return true
	})
	if err != nil {
		return nil, err
	}
	if x == nil {
		return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID,
			Reason: "the cluster changed while the upgrade was being checked; try again"}
	}
	m.log.InfoContext(ctx, "cluster upgrade started", "uuid", c.UUID, "to", to.UUID, "batch", r.MaxBatchSize, "rollback", r.Rollback, "retry", retry)
	req.Cluster = x.Clone()
	m.background(c.UUID, func(ctx context.Context) {
		release, ok := m.lockOp(ctx, c.UUID)
		if !ok {
			return
		}
		defer release()
		err := m.nodeAccess(ctx, req)
		if err == nil {
			err = up.Upgrade(ctx, req)
		}
		if err != nil {
			m.failIfFinal(ctx, c.UUID, cluster.UpdateInProgress, cluster.UpdateFailed, err)
			return
		}
		m.stepSent(ctx, c.UUID)
	})
	return x.Clone(), nil
}

// resendUpgrade repeats an upgrade the cloud never saw (the template the stack was moving from is not kept; the
// cluster's recorded one stands in).
func (m *Manager) resendUpgrade(ctx context.Context, t *template.ClusterTemplate, c *cluster.Cluster, groups []*cluster.NodeGroup, d driver.ClusterDriver) error {
	up, ok := d.(driver.Upgrader)
	if !ok {
		return &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: resCluster, ID: c.UUID, Reason: "the driver does not support upgrades"}
	}
	to, err := m.store.GetTemplate(ctx, c.UpgradeTemplateID)
	if err != nil {
		return err
	}
	req := m.request(t, c, groups)
	req.Upgrade = &driver.Upgrade{To: to, MaxBatchSize: DefaultMaxBatchSize}
	if err := m.nodeAccess(ctx, req); err != nil {
		return err
	}
	return up.Upgrade(ctx, req)
}

// nodeAccess fills in what a request's nodes need from the cluster: its
// trustee and its CA certificates.
func (m *Manager) nodeAccess(ctx context.Context, req *driver.Request) error {
	tr, err := m.ensureTrustee(ctx, req.Cluster)
	if err != nil {
		return err
	}
	req.Nodes.Trustee = tr
	req.Nodes.CACerts, err = m.caPEMs(ctx, req.Cluster.UUID)
	return err
}

// finishUpgrade switches a cluster whose upgrade completed to the target
// template: its id, and its labels (the target's, plus labels the cluster
// added that neither template has).
func (m *Manager) finishUpgrade(ctx context.Context, c *cluster.Cluster) {
	if c.UpgradeTemplateID == "" {
		return
	}
	defer func() { c.UpgradeTemplateID, c.StepSent = "", false }()
	if c.UpgradeTemplateID == c.ClusterTemplateID {
		return // a rollback: the cluster is back on its template
	}
	from, err1 := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	to, err2 := m.store.GetTemplate(ctx, c.UpgradeTemplateID)
	if err := errors.Join(err1, err2); err != nil {
		m.log.WarnContext(ctx, "upgrade: templates", "uuid", c.UUID, "err", err)
	}
	l := labels.Labels{}
	if to != nil {
		maps.Copy(l, to.Labels)
	}
	for k, v := range c.Labels {
		inFrom := false
		if from != nil {
			_, inFrom = from.Labels[k]
		}
		if _, inTo := l[k]; !inFrom && !inTo {
			l[k] = v
		}
	}
	c.Labels = l
	c.ClusterTemplateID = c.UpgradeTemplateID
}

// stepSent records that the backend accepted the step of the upgrade or
// rotation in progress (see cluster.Cluster.StepSent).
func (m *Manager) stepSent(ctx context.Context, id string) {
	err := m.settleWith(ctx, id, false, func(x *cluster.Cluster) bool {
		if x.Status != cluster.UpdateInProgress || x.StepSent || (x.UpgradeTemplateID == "" && x.RotationRefs == "") {
			return false
		}
		x.StepSent = true
		return true
	})
	if err != nil {
		m.log.WarnContext(ctx, "recording a step sent", "uuid", id, "err", err)
	}
}
