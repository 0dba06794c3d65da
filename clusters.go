package magnum

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/patch"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// CreateCluster validates a request and starts building the cluster,
// returning at once (Magnum's 202) with the cluster in CREATE_IN_PROGRESS;
// follow it with Wait or Watch while Run (or SyncOnce) moves it on.
//
// Everything is checked before any side effect: the request fields, the
// template and the driver that serves it, the driver's rules, the cloud
// resources (Config.Resources) and the project's quota — the last one
// atomically with recording the cluster. Then the cluster is recorded (the
// intent survives a crash), its certificate authorities are made and its
// stack is created in the background. Every problem with the input comes
// back at once, as ErrInvalid errors naming their fields.
func (m *Manager) CreateCluster(ctx context.Context, req *ClusterRequest) (*cluster.Cluster, error) {
	caller, err := m.caller(ctx)
	if err != nil {
		return nil, err
	}
	if req == nil {
		return nil, errdefs.Invalid("cluster", "no request given")
	}
	if err := m.authorize(ctx, caller, policy.ClusterCreate, policy.Target{ProjectID: caller.ProjectID, UserID: caller.UserID}, resCluster, req.Name); err != nil {
		return nil, err
	}
	if req.ClusterTemplate == "" {
		return nil, errdefs.WithResource(errdefs.Invalid("cluster_template_id", "is required"), resCluster, req.Name)
	}
	t, err := m.store.FindTemplate(ctx, templateFilter(caller), req.ClusterTemplate)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resCluster, Field: "cluster_template_id",
			Reason: fmt.Sprintf("cluster template %q not found", req.ClusterTemplate), Err: err}
	}
	if err != nil {
		return nil, err
	}
	c, groups, err := m.buildCluster(req, t, caller.ProjectID, caller.UserID)
	if err != nil {
		return nil, err
	}
	c.Labels = m.canonicalLabels(t.COE, c.Labels, "cluster "+c.Name)
	d, err := m.clusterDriver(t)
	if err != nil {
		return nil, err
	}
	dreq := m.request(t, c, groups)
	if err := d.Validate(dreq); err != nil {
		return nil, errdefs.WithResource(err, resCluster, c.Name)
	}
	if m.cfg.Resources != nil {
		err := m.cfg.Resources.CheckResources(ctx, openstack.Resources{
			Image: t.ImageID, Flavor: c.FlavorID, MasterFlavor: c.MasterFlavorID, Keypair: c.KeyPair,
			KeypairField: "keypair", ExternalNetwork: t.ExternalNetworkID,
			FixedNetwork: c.FixedNetwork, FixedSubnet: c.FixedSubnet,
		})
		if err != nil {
			return nil, errdefs.WithResource(err, resCluster, c.Name)
		}
	}
	quota, err := m.quotaFor(ctx, c.ProjectID)
	if err != nil {
		return nil, err
	}
	if err := m.store.CreateClusterWithin(ctx, c, groups, quota); err != nil {
		return nil, errdefs.WithResource(err, resCluster, c.Name)
	}
	m.log.InfoContext(ctx, "cluster create started", "uuid", c.UUID, "name", c.Name, "project", c.ProjectID)
	m.emit(c, "", c.Status)
	out := c.Clone()
	m.background(c.UUID, func(ctx context.Context) { m.launch(ctx, t, c.UUID, d) })
	return out, nil
}

// launch makes the certificates and creates the stack of a recorded
// cluster. It is re-entrant: sync calls it again for a cluster whose
// process crashed before the stack was recorded, under the cluster's
// operation lease so that two Managers never launch one cluster at once.
// Errors the cloud may not repeat leave the cluster in progress for sync to
// retry; errors it will repeat mark the cluster CREATE_FAILED. A cluster
// deleted meanwhile gets no stack: one made in the race is removed again.
func (m *Manager) launch(ctx context.Context, t *template.ClusterTemplate, id string, d driver.ClusterDriver) {
	release, ok := m.lockOp(ctx, id)
	if !ok {
		return // another Manager is at it
	}
	defer release()
	c, err := m.store.GetCluster(ctx, id)
	if err != nil || c.Status != cluster.CreateInProgress || c.StackID != "" {
		return // deleted, moved on, or launched already
	}
	groups, err := m.groups(ctx, id)
	var trustee driver.Trustee
	if err == nil {
		trustee, err = m.ensureTrustee(ctx, c)
	}
	if err == nil {
		err = m.ensureCerts(ctx, c)
	}
	var ref string
	if err == nil {
		req := m.request(t, c, groups)
		req.Nodes.Trustee = trustee
		req.Nodes.CACerts, err = m.caPEMs(ctx, id)
		if err == nil {
			ref, err = d.Create(ctx, req)
		}
	}
	if err == nil {
		err = m.settle(ctx, id, func(x *cluster.Cluster) bool {
			if x.StackID == ref {
				return false
			}
			x.StackID = ref
			return true
		})
	}
	switch {
	case err == nil:
	case errors.Is(err, errdefs.ErrNotFound):
		m.log.InfoContext(ctx, "cluster deleted during its create; cleaning up", "uuid", id)
		if ref != "" {
			c.StackID = ref
			if derr := d.Delete(ctx, m.request(t, c, groups)); derr != nil {
				m.log.WarnContext(ctx, "removing the stack of a deleted cluster", "uuid", id, "stack", ref, "err", derr)
			}
		}
		if cerr := m.certs.Delete(ctx, id); cerr != nil && !errors.Is(cerr, errdefs.ErrNotFound) {
			m.log.WarnContext(ctx, "removing the certificates of a deleted cluster", "uuid", id, "err", cerr)
		}
		if m.cfg.Trustees != nil {
			if terr := m.cfg.Trustees.DeleteTrustee(ctx, c); terr != nil {
				m.log.WarnContext(ctx, "removing the trustee of a deleted cluster", "uuid", id, "err", terr)
			}
		}
	case retryable(err):
		m.log.WarnContext(ctx, "cluster create will be retried by sync", "uuid", id, "err", err)
	default:
		m.log.ErrorContext(ctx, "cluster create failed", "uuid", id, "err", err)
		_ = m.settle(ctx, id, func(x *cluster.Cluster) bool {
			if x.Status != cluster.CreateInProgress || x.StackID != "" {
				return false
			}
			x.Status, x.StatusReason = cluster.CreateFailed, err.Error()
			return true
		})
	}
}

// ensureTrustee returns the credentials the cluster's nodes use: its own
// trustee (Config.Trustees, made the first time, its IDs recorded on the
// cluster), else Config.Nodes.Trustee.
func (m *Manager) ensureTrustee(ctx context.Context, c *cluster.Cluster) (driver.Trustee, error) {
	if m.cfg.Trustees == nil {
		return m.cfg.Nodes.Trustee, nil
	}
	tr, err := m.cfg.Trustees.CreateTrustee(ctx, c)
	if err != nil {
		return driver.Trustee{}, fmt.Errorf("trustee of cluster %s: %w", c.UUID, err)
	}
	if c.TrusteeUserID == tr.UserID && c.TrustID == tr.TrustID {
		return tr, nil
	}
	err = m.settle(ctx, c.UUID, func(x *cluster.Cluster) bool {
		if x.TrusteeUserID == tr.UserID && x.TrustID == tr.TrustID {
			return false
		}
		x.TrusteeUserID, x.TrustID = tr.UserID, tr.TrustID
		return true
	})
	c.TrusteeUserID, c.TrustID = tr.UserID, tr.TrustID
	return tr, err
}

// ensureCerts makes the cluster's CAs unless it has them, and records their
// references on the cluster.
func (m *Manager) ensureCerts(ctx context.Context, c *cluster.Cluster) error {
	if c.CACertRef != "" {
		return nil
	}
	cc := m.certCluster(c)
	refs, err := m.certs.Create(ctx, cc)
	if errors.Is(err, errdefs.ErrConflict) {
		refs, err = m.certs.Refs(ctx, c.UUID)
	}
	if err != nil {
		return fmt.Errorf("certificates of cluster %s: %w", c.UUID, err)
	}
	return m.settle(ctx, c.UUID, func(x *cluster.Cluster) bool {
		x.CACertRef, x.EtcdCACertRef, x.FrontProxyCACertRef, x.MagnumCertRef = refs.CA, refs.EtcdCA, refs.FrontProxyCA, refs.Client
		c.CACertRef = refs.CA
		return true
	})
}

// caPEMs returns the cluster's CA certificates by CA type.
func (m *Manager) caPEMs(ctx context.Context, id string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, ct := range certs.CATypes() {
		ca, err := m.certs.CA(ctx, id, ct)
		if err != nil {
			return nil, fmt.Errorf("CA %s of cluster %s: %w", ct, id, err)
		}
		out[string(ct)] = certs.CertificatePEM(ca)
	}
	return out, nil
}

// retryable tells errors worth repeating (the cloud or the store was
// unavailable, or the context ended) from final ones.
func retryable(err error) bool {
	return errors.Is(err, errdefs.ErrUnavailable) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

// clusterFilter is what the caller may see: its project's clusters; admins
// see all.
func clusterFilter(c policy.Caller) store.ClusterFilter {
	if c.Admin {
		return store.ClusterFilter{}
	}
	return store.ClusterFilter{ProjectID: c.ProjectID}
}

func clusterTarget(c *cluster.Cluster) policy.Target {
	return policy.Target{ProjectID: c.ProjectID, UserID: c.UserID}
}

// findCluster resolves a visible cluster and checks the action on it.
func (m *Manager) findCluster(ctx context.Context, a policy.Action, ident string) (policy.Caller, *cluster.Cluster, error) {
	caller, err := m.caller(ctx)
	if err != nil {
		return caller, nil, err
	}
	c, err := m.store.FindCluster(ctx, clusterFilter(caller), ident)
	if err != nil {
		return caller, nil, err
	}
	if err := m.authorize(ctx, caller, a, clusterTarget(c), resCluster, ident); err != nil {
		return caller, nil, err
	}
	return caller, c, nil
}

// GetCluster returns a cluster by UUID or name, with the label views
// against its template and, when it failed, the faults: failed parts and
// their reasons as the cloud tells them.
func (m *Manager) GetCluster(ctx context.Context, ident string) (*cluster.Cluster, error) {
	_, c, err := m.findCluster(ctx, policy.ClusterGet, ident)
	if err != nil {
		return nil, err
	}
	t, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return nil, err
	}
	c.LabelsOverridden, c.LabelsAdded, c.LabelsSkipped = labels.Views(t.Labels, c.Labels)
	if c.Status.Failed() {
		m.addFaults(ctx, t, c)
	}
	return c, nil
}

// addFaults fills c.Faults from the driver; when the cloud cannot say, the
// status reason stands in.
func (m *Manager) addFaults(ctx context.Context, t *template.ClusterTemplate, c *cluster.Cluster) {
	faults := map[string]string{}
	if d, err := m.clusterDriver(t); err == nil && c.StackID != "" {
		groups, _ := m.groups(ctx, c.UUID)
		if fs, err := d.Faults(ctx, m.request(t, c, groups)); err == nil {
			faults = fs
		} else {
			m.log.WarnContext(ctx, "faults unavailable", "uuid", c.UUID, "err", err)
		}
	}
	if len(faults) == 0 && c.StatusReason != "" {
		faults[resCluster] = c.StatusReason
	}
	c.Faults = faults
}

// ListClusters returns a page of the caller's clusters (admins: all).
func (m *Manager) ListClusters(ctx context.Context, opts ListOptions) ([]*cluster.Cluster, error) {
	caller, err := m.caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.authorize(ctx, caller, policy.ClusterList, policy.Target{ProjectID: caller.ProjectID}, resCluster, ""); err != nil {
		return nil, err
	}
	return m.store.ListClusters(ctx, clusterFilter(caller), opts.Page)
}

// NodeGroups lists a visible cluster's node groups.
func (m *Manager) NodeGroups(ctx context.Context, ident string) ([]*cluster.NodeGroup, error) {
	_, c, err := m.findCluster(ctx, policy.ClusterGet, ident)
	if err != nil {
		return nil, err
	}
	return m.groups(ctx, c.UUID)
}

func (m *Manager) groups(ctx context.Context, id string) ([]*cluster.NodeGroup, error) {
	return m.store.ListNodeGroups(ctx, store.NodeGroupFilter{ClusterID: id}, store.Page{})
}

// DeleteCluster starts deleting a cluster and returns at once; sync
// removes the record and its certificates when the cloud resources are
// gone. It is idempotent: deleting a cluster already being deleted asks the
// cloud again, and a cluster in any state but DELETE_COMPLETE may be
// deleted.
func (m *Manager) DeleteCluster(ctx context.Context, ident string) error {
	_, c, err := m.findCluster(ctx, policy.ClusterDelete, ident)
	if err != nil {
		return err
	}
	if err := cluster.CheckAllowed(cluster.OpDelete, c.Status); err != nil {
		return errdefs.WithResource(err, resCluster, ident)
	}
	t, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return err
	}
	d, err := m.clusterDriver(t)
	if err != nil {
		return err
	}
	// settle announces the transition (once: a repeated delete only asks
	// the cloud again).
	err = m.settle(ctx, c.UUID, func(x *cluster.Cluster) bool {
		x.Status, x.StatusReason = cluster.DeleteInProgress, "Stack DELETE started"
		return true
	})
	if err != nil {
		return err
	}
	m.log.InfoContext(ctx, "cluster delete started", "uuid", c.UUID, "name", c.Name)
	m.background(c.UUID, func(ctx context.Context) { m.startDelete(ctx, t, c.UUID, d) })
	return nil
}

func (m *Manager) startDelete(ctx context.Context, t *template.ClusterTemplate, id string, d driver.ClusterDriver) {
	release, ok := m.lockOp(ctx, id)
	if !ok {
		return // another Manager is acting on it; sync repeats the delete if needed
	}
	defer release()
	c, err := m.store.GetCluster(ctx, id)
	if err != nil {
		return
	}
	groups, err := m.groups(ctx, id)
	if err == nil {
		err = m.deleteStacks(ctx, t, c, groups, d)
	}
	if err != nil {
		m.log.WarnContext(ctx, "cluster delete will be retried by sync", "uuid", id, "err", err)
	}
}

// DefaultPreDeleteTimeout bounds a driver's pre-delete cleanup.
const DefaultPreDeleteTimeout = 5 * time.Minute

// preDelete runs the driver's cleanup before a delete attempt, if it has
// one, for at most PreDeleteTimeout. When it cannot finish, the delete
// goes on and the reason is recorded on the cluster.
func (m *Manager) preDelete(ctx context.Context, t *template.ClusterTemplate, req *driver.Request) {
	raw, err := m.drivers.Lookup(driver.Tuple{ServerType: t.ServerType, OSDistro: t.ClusterDistro, COE: t.COE})
	if err != nil {
		return
	}
	pd, ok := raw.(driver.PreDeleter)
	if !ok {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, orDefault(m.cfg.PreDeleteTimeout, DefaultPreDeleteTimeout))
	defer cancel()
	err = pd.PreDelete(pctx, req)
	if err == nil || ctx.Err() != nil {
		return
	}
	reason := "Stack DELETE started; pre-delete cleanup did not finish: " + err.Error()
	m.log.WarnContext(ctx, "pre-delete cleanup", "uuid", req.Cluster.UUID, "err", err)
	_ = m.settleWith(ctx, req.Cluster.UUID, false, func(x *cluster.Cluster) bool {
		if x.Status != cluster.DeleteInProgress {
			return false
		}
		x.StatusReason = reason
		return true
	})
}

// UpdateOptions tune UpdateCluster.
type UpdateOptions struct {
	// Rollback asks Heat to roll a failed update back (Magnum's
	// ?rollback=true).
	Rollback bool
}

// UpdateCluster applies a JSON patch (Magnum's rules: node_count,
// health_status and health_status_reason only) to a cluster. A health-only
// change is saved directly; a node_count change resizes the default worker
// group like ResizeCluster.
func (m *Manager) UpdateCluster(ctx context.Context, ident string, ops []patch.Op, opts UpdateOptions) (*cluster.Cluster, error) {
	_, c, err := m.findCluster(ctx, policy.ClusterUpdate, ident)
	if err != nil {
		return nil, err
	}
	nc := c.Clone()
	changed, err := patch.Apply(nc, ops, patch.ClusterRules())
	if err != nil {
		return nil, errdefs.WithResource(err, resCluster, ident)
	}
	if len(changed) == 0 {
		return c, nil
	}
	if !slices.Contains(changed, "node_count") {
		// A health report is no progress of an operation: while one is in
		// progress, updated_at (which sync reads as the operation's last
		// sign of life) is left alone.
		var out *cluster.Cluster
		err := m.settleWith(ctx, c.UUID, false, func(x *cluster.Cluster) bool {
			x.HealthStatus, x.HealthStatusReason = nc.HealthStatus, nc.HealthStatusReason
			out = x
			return true
		})
		return out, err
	}
	if err := cluster.CheckAllowed(cluster.OpUpdate, c.Status); err != nil {
		return nil, errdefs.WithResource(err, resCluster, ident)
	}
	return m.resize(ctx, c, ResizeRequest{NodeCount: nc.NodeCount}, opts.Rollback, func(x *cluster.Cluster) {
		x.HealthStatus, x.HealthStatusReason = nc.HealthStatus, nc.HealthStatusReason
	})
}

// ResizeRequest changes a cluster's worker count (Magnum's actions/resize).
type ResizeRequest struct {
	NodeCount int
	// NodesToRemove are the nodes to remove first when shrinking: Nova
	// server ids or the stack's member names ("0", "1", …).
	NodesToRemove []string
	// NodeGroup is the group to resize ("" or "default-worker": the
	// default worker group; others are not supported yet).
	NodeGroup string
}

// ResizeCluster changes the node count of the cluster's default worker
// group, removing the named nodes first when it shrinks. Unlike update, it
// is allowed in UPDATE_IN_PROGRESS and UPDATE_FAILED as well, so that an
// autoscaler may call again and recover a failed resize.
func (m *Manager) ResizeCluster(ctx context.Context, ident string, r ResizeRequest) (*cluster.Cluster, error) {
	_, c, err := m.findCluster(ctx, policy.ClusterUpdate, ident)
	if err != nil {
		return nil, err
	}
	if err := cluster.CheckAllowed(cluster.OpResize, c.Status); err != nil {
		return nil, errdefs.WithResource(err, resCluster, ident)
	}
	if r.NodeGroup != "" {
		g, err := m.store.FindNodeGroup(ctx, c.UUID, r.NodeGroup)
		if err != nil {
			return nil, errdefs.WithResource(err, resNodeGroup, r.NodeGroup)
		}
		switch {
		case g.IsMaster():
			return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resCluster, ID: c.UUID, Field: "nodegroup",
				Reason: "master groups cannot be resized"}
		case !g.IsDefault:
			if r.NodeCount < 0 {
				return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resNodeGroup, ID: g.UUID, Field: "node_count",
					Reason: fmt.Sprintf("must be at least 0, got %d", r.NodeCount)}
			}
			return m.resizeGroup(ctx, c, g, r)
		}
	}
	return m.resize(ctx, c, r, false, nil)
}

func (m *Manager) resize(ctx context.Context, c *cluster.Cluster, r ResizeRequest, rollback bool, also func(*cluster.Cluster)) (*cluster.Cluster, error) {
	if r.NodeCount < 0 {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resCluster, ID: c.UUID, Field: "node_count",
			Reason: fmt.Sprintf("must be at least 0, got %d", r.NodeCount)}
	}
	t, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return nil, err
	}
	d, err := m.clusterDriver(t)
	if err != nil {
		return nil, err
	}
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return nil, err
	}
	worker := defaultGroup(groups, cluster.RoleWorker)
	if worker == nil {
		return nil, errdefs.NotFound("nodegroup", cluster.DefaultWorkerGroup)
	}
	nc := c.Clone()
	nc.NodeCount = r.NodeCount + extraWorkers(groups, "")
	worker.NodeCount = r.NodeCount
	req := m.request(t, nc, groups)
	req.NodesToRemove, req.Rollback = r.NodesToRemove, rollback
	if err := d.Validate(req); err != nil {
		return nil, errdefs.WithResource(err, resCluster, c.Name)
	}
	// Record the intent (the new count, UPDATE_IN_PROGRESS) first, within
	// the node quota; then ask the cloud.
	quota, err := m.quotaFor(ctx, c.ProjectID)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		x, err := m.store.GetCluster(ctx, c.UUID)
		if err != nil {
			return nil, err
		}
		if err := cluster.CheckAllowed(cluster.OpResize, x.Status); err != nil {
			return nil, errdefs.WithResource(err, resCluster, c.UUID)
		}
		gs, err := m.groups(ctx, c.UUID)
		if err != nil {
			return nil, err
		}
		if x.UpgradeTemplateID != "" {
			return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID,
				Reason: "an upgrade to template " + x.UpgradeTemplateID + " is unfinished; retry or roll it back first"}
		}
		if err := groupsSettled(gs); err != nil {
			return nil, err
		}
		prev := x.Status
		x.NodeCount = r.NodeCount + extraWorkers(gs, "")
		x.Status, x.StatusReason = cluster.UpdateInProgress, "Stack UPDATE started"
		now := m.nowUTC()
		x.UpdatedAt = &now
		if also != nil {
			also(x)
		}
		var defaults []*cluster.NodeGroup
		for _, g := range gs {
			if !g.IsDefault {
				continue
			}
			if g.Role == cluster.RoleWorker {
				g.NodeCount = r.NodeCount
			}
			g.Status, g.StatusReason, g.UpdatedAt = cluster.UpdateInProgress, x.StatusReason, &now
			defaults = append(defaults, g)
		}
		// The cluster and its groups change together: a crash cannot leave
		// the intent half-written.
		err = m.store.UpdateClusterGroups(ctx, x, defaults, quota)
		if errors.Is(err, errdefs.ErrConflict) && !errors.Is(err, errdefs.ErrQuotaExceeded) && attempt < patchRetries {
			continue
		}
		if err != nil {
			return nil, errdefs.WithResource(err, resCluster, c.UUID)
		}
		m.emit(x, prev, x.Status)
		m.log.InfoContext(ctx, "cluster resize started", "uuid", c.UUID, "node_count", r.NodeCount)
		req.Cluster = x.Clone()
		m.background(c.UUID, func(ctx context.Context) {
			release, ok := m.lockOp(ctx, c.UUID)
			if !ok {
				return // another Manager is acting on it; sync repeats the resize if needed
			}
			defer release()
			if err := d.Resize(ctx, req); err != nil {
				m.failIfFinal(ctx, c.UUID, cluster.UpdateInProgress, cluster.UpdateFailed, err)
			}
		})
		return x, nil
	}
}

// failIfFinal marks a cluster failed after an error the cloud would repeat;
// other errors leave it for sync to retry.
func (m *Manager) failIfFinal(ctx context.Context, id string, from, to cluster.Status, err error) {
	// A conflict is Heat refusing to start while another action runs on
	// the stack: sync repeats the step when the stack has settled.
	if retryable(err) || errors.Is(err, errdefs.ErrConflict) {
		m.log.WarnContext(ctx, "cluster operation will be retried by sync", "uuid", id, "err", err)
		return
	}
	m.log.ErrorContext(ctx, "cluster operation failed", "uuid", id, "err", err)
	_ = m.settle(ctx, id, func(c *cluster.Cluster) bool {
		if c.Status != from {
			return false
		}
		c.Status, c.StatusReason = to, err.Error()
		return true
	})
}

func defaultGroup(groups []*cluster.NodeGroup, role string) *cluster.NodeGroup {
	for _, g := range groups {
		if g.IsDefault && g.Role == role {
			return g
		}
	}
	return nil
}
