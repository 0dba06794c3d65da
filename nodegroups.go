package magnum

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

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

const resNodeGroup = "nodegroup"

// NodeGroupRequest describes a node group to add to a cluster (Magnum's
// POST /v1/clusters/{cluster}/nodegroups). Unset fields take the
// cluster's values.
type NodeGroupRequest struct {
	Name string // required, unique within the cluster
	// Role is the nodes' role (default "worker"; "master" is reserved).
	Role string
	// NodeCount defaults to 1.
	NodeCount    *int
	MinNodeCount int
	MaxNodeCount *int // nil: no maximum
	FlavorID     string
	ImageID      string
	// DockerVolumeSize in GB; 0: the cluster's.
	DockerVolumeSize int
	// Labels replace the cluster's labels, or with MergeLabels overlay
	// them.
	Labels      labels.Labels
	MergeLabels bool
	// NodeLabels and NodeTaints are set on the group's nodes (workers).
	NodeLabels labels.Labels
	NodeTaints []cluster.Taint
}

// GroupStackName is the backend name of a non-default node group's
// stack: the cluster's stack name, the group's name and a piece of its
// UUID, so a create repeated after a crash asks for the same name.
func GroupStackName(c *cluster.Cluster, g *cluster.NodeGroup) string {
	id := strings.ReplaceAll(strings.ToLower(g.UUID), "-", "")
	if len(id) > 8 {
		id = id[:8]
	}
	name := slug(g.Name, 20)
	if name == "" {
		name = "ng"
	}
	return StackName(c) + "-" + name + "-" + id
}

// nodeGroupDriver returns the cluster's driver with its node-group ability.
func (m *Manager) nodeGroupDriver(t *template.ClusterTemplate) (driver.NodeGroupDriver, error) {
	d, err := m.clusterDriver(t)
	if err != nil {
		return nil, err
	}
	ngd, ok := d.(driver.NodeGroupDriver)
	if !ok {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: resNodeGroup,
			Reason: "the driver of " + t.COE + " clusters does not support node groups"}
	}
	return ngd, nil
}

// groupRequest makes the driver request of a node-group operation.
func (m *Manager) groupRequest(t *template.ClusterTemplate, c *cluster.Cluster, groups []*cluster.NodeGroup, g *cluster.NodeGroup) *driver.Request {
	req := m.request(t, c, groups)
	req.Group = g
	req.Name = GroupStackName(c, g)
	return req
}

// checkGroupOp refuses a node-group operation while the cluster or another
// of its groups is busy: one operation at a time per cluster.
func checkGroupOp(c *cluster.Cluster, groups []*cluster.NodeGroup) error {
	if err := cluster.CheckAllowed(cluster.OpNodeGroup, c.Status); err != nil {
		return errdefs.WithResource(err, resCluster, c.UUID)
	}
	if c.Status.InProgress() {
		return &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID,
			Reason: fmt.Sprintf("the cluster is %s; wait until it settles", c.Status)}
	}
	return groupsSettled(groups)
}

// groupsSettled is an ErrConflict naming a non-default group with an
// operation under way, or nil. (The default groups follow the cluster's
// status, which the callers check themselves.)
func groupsSettled(groups []*cluster.NodeGroup) error {
	if g := inProgressGroup(groups); g != nil {
		return groupBusy(g)
	}
	return nil
}

func groupBusy(g *cluster.NodeGroup) error {
	return &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resNodeGroup, ID: g.UUID,
		Reason: fmt.Sprintf("node group %s is %s; wait until it settles", g.Name, g.Status)}
}

// groupEnv loads what a node-group operation on c needs: its template,
// its driver's node-group ability and its groups.
func (m *Manager) groupEnv(ctx context.Context, c *cluster.Cluster) (*template.ClusterTemplate, driver.NodeGroupDriver, []*cluster.NodeGroup, error) {
	t, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := m.nodeGroupDriver(t)
	if err != nil {
		return nil, nil, nil, err
	}
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return nil, nil, nil, err
	}
	return t, d, groups, nil
}

// extraWorkers counts the nodes of the non-default worker groups: the
// cluster's node_count is the default worker group's plus these.
func extraWorkers(groups []*cluster.NodeGroup, except string) int {
	n := 0
	for _, g := range groups {
		if !g.IsDefault && !g.IsMaster() && g.UUID != except {
			n += g.NodeCount
		}
	}
	return n
}

// buildGroup checks a request and makes the group it describes.
func (m *Manager) buildGroup(r *NodeGroupRequest, t *template.ClusterTemplate, c *cluster.Cluster, groups []*cluster.NodeGroup) (*cluster.NodeGroup, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, errdefs.Invalid(field, format, args...))
	}
	g := &cluster.NodeGroup{
		UUID: uuid.NewString(), Name: r.Name, ClusterID: c.UUID, ProjectID: c.ProjectID,
		Role: r.Role, NodeCount: 1, MinNodeCount: r.MinNodeCount, MaxNodeCount: r.MaxNodeCount,
		FlavorID: r.FlavorID, ImageID: r.ImageID, DockerVolumeSize: r.DockerVolumeSize,
		NodeLabels: r.NodeLabels.Clone(), NodeTaints: append([]cluster.Taint(nil), r.NodeTaints...),
		Status: cluster.CreateInProgress, StatusReason: "Stack CREATE started",
		CreatedAt: m.nowUTC(),
	}
	switch n := len(r.Name); {
	case n == 0:
		bad("name", "is required")
	case n > 255:
		bad("name", "must be at most 255 characters, got %d", n)
	}
	for _, o := range groups {
		if o.Name == r.Name {
			errs = append(errs, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resNodeGroup, Field: "name",
				Reason: fmt.Sprintf("the cluster already has a node group named %q", r.Name)})
		}
	}
	if g.Role == "" {
		g.Role = cluster.RoleWorker
	}
	if g.Role == cluster.RoleMaster {
		bad("role", "%q is reserved for the default master group", cluster.RoleMaster)
	}
	if r.NodeCount != nil {
		g.NodeCount = *r.NodeCount
	}
	if g.NodeCount < 0 {
		bad("node_count", "must be at least 0, got %d", g.NodeCount)
	}
	if g.MinNodeCount < 0 {
		bad("min_node_count", "must be at least 0, got %d", g.MinNodeCount)
	}
	errs = append(errs, checkBounds(g, g.NodeCount)...)
	if g.FlavorID == "" {
		g.FlavorID = c.FlavorID
	}
	if g.ImageID == "" {
		g.ImageID = t.ImageID
	}
	if g.DockerVolumeSize == 0 {
		g.DockerVolumeSize = c.DockerVolumeSize
		if g.DockerVolumeSize == 0 {
			g.DockerVolumeSize = t.DockerVolumeSize
		}
	}
	if g.DockerVolumeSize < 0 {
		bad("docker_volume_size", "must be at least 1 GB, got %d", g.DockerVolumeSize)
	}
	switch {
	case r.Labels == nil:
		g.Labels = c.Labels.Clone()
	case r.MergeLabels:
		g.Labels = c.Labels.Clone()
		if g.Labels == nil {
			g.Labels = labels.Labels{}
		}
		for k, v := range r.Labels {
			g.Labels[k] = v
		}
	default:
		g.Labels = r.Labels.Clone()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, errdefs.WithResource(err, resNodeGroup, r.Name)
	}
	return g, nil
}

// checkBounds enforces min_node_count ≤ count ≤ max_node_count.
func checkBounds(g *cluster.NodeGroup, count int) []error {
	var errs []error
	if g.MaxNodeCount != nil && *g.MaxNodeCount < g.MinNodeCount {
		errs = append(errs, errdefs.Invalid("max_node_count", "must be at least min_node_count (%d), got %d", g.MinNodeCount, *g.MaxNodeCount))
	}
	if count < g.MinNodeCount {
		errs = append(errs, errdefs.Invalid("node_count", "must be at least min_node_count (%d), got %d", g.MinNodeCount, count))
	}
	if g.MaxNodeCount != nil && count > *g.MaxNodeCount {
		errs = append(errs, errdefs.Invalid("node_count", "must be at most max_node_count (%d), got %d", *g.MaxNodeCount, count))
	}
	return errs
}

// CreateNodeGroup adds a node group to a cluster, built as its own stack
// joined to the cluster's network, and returns at once with the group in
// CREATE_IN_PROGRESS and the cluster in UPDATE_IN_PROGRESS; sync settles
// both. Everything is checked first (the request, the driver's rules, the
// flavor and image, the node quota); a cluster or group operation already
// under way is an ErrConflict.
func (m *Manager) CreateNodeGroup(ctx context.Context, clusterIdent string, r *NodeGroupRequest) (*cluster.NodeGroup, error) {
	_, c, err := m.findCluster(ctx, policy.ClusterUpdate, clusterIdent)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errdefs.Invalid("nodegroup", "no request given")
	}
	t, d, groups, err := m.groupEnv(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := checkGroupOp(c, groups); err != nil {
		return nil, err
	}
	if c.APIAddress == "" || c.StackID == "" {
		return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID,
			Reason: "the cluster has no API address yet; node groups join a built cluster"}
	}
	g, err := m.buildGroup(r, t, c, groups)
	if err != nil {
		return nil, err
	}
	if err := d.ValidateNodeGroup(m.groupRequest(t, c, groups, g)); err != nil {
		return nil, errdefs.WithResource(err, resNodeGroup, g.Name)
	}
	if m.cfg.Resources != nil {
		if err := m.cfg.Resources.CheckResources(ctx, openstack.Resources{Image: g.ImageID, Flavor: g.FlavorID}); err != nil {
			return nil, errdefs.WithResource(err, resNodeGroup, g.Name)
		}
	}
	quota, err := m.quotaFor(ctx, c.ProjectID)
	if err != nil {
		return nil, err
	}
	// The group is recorded first, then the cluster takes its nodes within
	// the quota. A crash between the two leaves a group whose cluster never
	// started the operation: sync removes it (reconcileGroup).
	if err := m.store.CreateNodeGroup(ctx, g); err != nil {
		return nil, errdefs.WithResource(err, resNodeGroup, g.Name)
	}
	x, err := m.startGroupOp(ctx, c.UUID, g.UUID, quota, func(x *cluster.Cluster, gs []*cluster.NodeGroup) error {
		x.NodeCount = defaultWorkerCount(gs, x) + extraWorkers(gs, "")
		return nil
	})
	if err != nil {
		if derr := m.store.DeleteNodeGroup(context.WithoutCancel(ctx), g.UUID, 0); derr != nil && !errors.Is(derr, errdefs.ErrNotFound) {
			m.log.WarnContext(ctx, "removing a node group whose create was refused", "uuid", g.UUID, "err", derr)
		}
		return nil, err
	}
	m.log.InfoContext(ctx, "node group create started", "cluster", c.UUID, "nodegroup", g.UUID, "name", g.Name)
	out := g.Clone()
	m.background(c.UUID, func(ctx context.Context) { m.launchGroup(ctx, t, x.UUID, g.UUID, d) })
	return out, nil
}

// defaultWorkerCount is the node count of the default worker group (the
// cluster's own count without it).
func defaultWorkerCount(groups []*cluster.NodeGroup, c *cluster.Cluster) int {
	if w := defaultGroup(groups, cluster.RoleWorker); w != nil {
		return w.NodeCount
	}
	return c.NodeCount
}

// startGroupOp moves the cluster to UPDATE_IN_PROGRESS for an operation
// on group gid, with change applied to it (given the cluster's groups as
// stored), in one quota-checked write. It re-checks that nothing else is
// under way.
func (m *Manager) startGroupOp(ctx context.Context, cid, gid string, quota store.Quota, change func(*cluster.Cluster, []*cluster.NodeGroup) error) (*cluster.Cluster, error) {
	for attempt := 1; ; attempt++ {
		x, err := m.store.GetCluster(ctx, cid)
		if err != nil {
			return nil, err
		}
		gs, err := m.groups(ctx, cid)
		if err != nil {
			return nil, err
		}
		others := make([]*cluster.NodeGroup, 0, len(gs))
		for _, g := range gs {
			if g.UUID != gid {
				others = append(others, g)
			}
		}
		if err := checkGroupOp(x, others); err != nil {
			return nil, err
		}
		prev := x.Status
		if err := change(x, gs); err != nil {
			return nil, err
		}
		x.Status, x.StatusReason = cluster.UpdateInProgress, "node group operation started"
		now := m.nowUTC()
		x.UpdatedAt = &now
		err = m.store.UpdateClusterGroups(ctx, x, nil, quota)
		if errors.Is(err, errdefs.ErrConflict) && !errors.Is(err, errdefs.ErrQuotaExceeded) && attempt < patchRetries {
			continue
		}
		if err != nil {
			return nil, errdefs.WithResource(err, resCluster, cid)
		}
		m.emit(x, prev, x.Status)
		return x, nil
	}
}

// launchGroup creates the stack of a recorded group. Like launch it is
// re-entrant, under the cluster's operation lease.
func (m *Manager) launchGroup(ctx context.Context, t *template.ClusterTemplate, cid, gid string, d driver.NodeGroupDriver) {
	release, ok := m.lockOp(ctx, cid)
	if !ok {
		return
	}
	defer release()
	g, err := m.store.GetNodeGroup(ctx, gid)
	if err != nil || g.Status != cluster.CreateInProgress || g.StackID != "" {
		return
	}
	c, err := m.store.GetCluster(ctx, cid)
	if err != nil {
		return
	}
	groups, err := m.groups(ctx, cid)
	var ref string
	if err == nil {
		req := m.groupRequest(t, c, groups, g)
		if err = m.nodeAccess(ctx, req); err == nil {
			ref, err = d.CreateNodeGroup(ctx, req)
		}
	}
	if err == nil {
		err = m.settleGroup(ctx, gid, func(x *cluster.NodeGroup) bool {
			if x.StackID == ref {
				return false
			}
			x.StackID = ref
			return true
		})
	}
	switch {
	case err == nil:
	case retryable(err) || errors.Is(err, errdefs.ErrConflict):
		m.log.WarnContext(ctx, "node group create will be retried by sync", "nodegroup", gid, "err", err)
	default:
		m.log.ErrorContext(ctx, "node group create failed", "nodegroup", gid, "err", err)
		m.endGroupOp(ctx, cid, gid, cluster.CreateInProgress, cluster.CreateFailed, err.Error(), nil)
	}
}

// settleGroup changes a stored group with fn, re-reading and repeating
// when another writer got there first.
func (m *Manager) settleGroup(ctx context.Context, id string, fn func(*cluster.NodeGroup) bool) error {
	for attempt := 1; ; attempt++ {
		g, err := m.store.GetNodeGroup(ctx, id)
		if err != nil {
			return err
		}
		if !fn(g) {
			return nil
		}
		now := m.nowUTC()
		g.UpdatedAt = &now
		err = m.store.UpdateNodeGroup(ctx, g)
		if errors.Is(err, errdefs.ErrConflict) && attempt < patchRetries*2 {
			continue
		}
		return err
	}
}

// endGroupOp records the end of a group operation: the group (if it is
// still in status from) takes status to with the reason and, when given,
// what finish copies in (addresses, counts); the cluster's node count is
// recomputed from its groups and its status aggregated from theirs, in one
// transaction. A group whose delete completed is removed (to is
// DeleteComplete).
func (m *Manager) endGroupOp(ctx context.Context, cid, gid string, from, to cluster.Status, reason string, finish func(*cluster.NodeGroup)) {
	for attempt := 1; attempt <= patchRetries*2; attempt++ {
		err := m.endGroupOpOnce(ctx, cid, gid, from, to, reason, finish)
		if !errors.Is(err, errdefs.ErrConflict) {
			if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
				m.log.WarnContext(ctx, "recording the end of a node group operation", "nodegroup", gid, "err", err)
			}
			return
		}
	}
}

func (m *Manager) endGroupOpOnce(ctx context.Context, cid, gid string, from, to cluster.Status, reason string, finish func(*cluster.NodeGroup)) error {
	c, err := m.store.GetCluster(ctx, cid)
	if err != nil {
		return err
	}
	groups, err := m.groups(ctx, cid)
	if err != nil {
		return err
	}
	var g *cluster.NodeGroup
	for _, x := range groups {
		if x.UUID == gid {
			g = x
		}
	}
	now := m.nowUTC()
	var changed []*cluster.NodeGroup
	switch {
	case g == nil:
		// Already removed: only the cluster's part may be left to do.
	case g.Status != from:
		return nil // someone else recorded it
	case to == cluster.DeleteComplete:
		if err := m.store.DeleteNodeGroup(ctx, g.UUID, g.Revision); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
		m.log.InfoContext(ctx, "node group deleted", "cluster", cid, "nodegroup", gid, "name", g.Name)
		groups = without(groups, gid)
	default:
		if finish != nil {
			finish(g)
		}
		g.Status, g.StatusReason, g.UpdatedAt = to, reason, &now
		changed = append(changed, g)
	}
	prev := c.Status
	c.NodeCount = defaultWorkerCount(groups, c) + extraWorkers(groups, "")
	switch c.Status {
	case cluster.UpdateInProgress:
		states := make([]cluster.GroupState, len(groups))
		for i, x := range groups {
			states[i] = cluster.GroupState{Name: x.Name, IsDefault: x.IsDefault, Role: x.Role, Status: x.Status, StatusReason: x.StatusReason}
		}
		c.Status, c.StatusReason = cluster.Aggregate(c.Status, states)
		if c.Status.Failed() && g != nil && reason != "" {
			c.StatusReason = g.Name + " failed: " + reason
		}
	case cluster.DeleteInProgress:
		if to.Failed() && g != nil {
			c.Status, c.StatusReason = cluster.DeleteFailed, g.Name+" failed: "+reason
		}
	}
	c.UpdatedAt = &now
	if err := m.store.UpdateClusterGroups(ctx, c, changed, store.Quota{}); err != nil {
		return err
	}
	if g != nil {
		m.log.InfoContext(ctx, "node group status", "cluster", cid, "nodegroup", gid, "from", from, "to", to)
	}
	if c.Status != prev {
		m.emit(c, prev, c.Status)
	}
	return nil
}

func without(groups []*cluster.NodeGroup, id string) []*cluster.NodeGroup {
	out := groups[:0:0]
	for _, g := range groups {
		if g.UUID != id {
			out = append(out, g)
		}
	}
	return out
}

// findGroup resolves a visible cluster and one of its groups.
func (m *Manager) findGroup(ctx context.Context, a policy.Action, clusterIdent, groupIdent string) (*cluster.Cluster, *cluster.NodeGroup, error) {
	_, c, err := m.findCluster(ctx, a, clusterIdent)
	if err != nil {
		return nil, nil, err
	}
	g, err := m.store.FindNodeGroup(ctx, c.UUID, groupIdent)
	if err != nil {
		return nil, nil, errdefs.WithResource(err, resNodeGroup, groupIdent)
	}
	return c, g, nil
}

// GetNodeGroup returns one node group of a visible cluster by UUID or name.
func (m *Manager) GetNodeGroup(ctx context.Context, clusterIdent, groupIdent string) (*cluster.NodeGroup, error) {
	_, g, err := m.findGroup(ctx, policy.ClusterGet, clusterIdent, groupIdent)
	return g, err
}

// UpdateNodeGroup applies a JSON patch to a node group (Magnum's rules:
// min_node_count, max_node_count, node_labels and node_taints only; the
// node count changes through ResizeCluster). The bounds must hold the
// group's current count, and changed node labels or taints must pass the
// driver's rules. As in Magnum, the change is recorded, not pushed: nodes
// the group gets from now on carry new labels and taints, running ones
// keep theirs. A group with an operation under way is ErrConflict.
func (m *Manager) UpdateNodeGroup(ctx context.Context, clusterIdent, groupIdent string, ops []patch.Op) (*cluster.NodeGroup, error) {
	c, g, err := m.findGroup(ctx, policy.ClusterUpdate, clusterIdent, groupIdent)
	if err != nil {
		return nil, err
	}
	if g.Status.InProgress() {
		return nil, groupBusy(g)
	}
	ng := g.Clone()
	changed, err := patch.Apply(ng, ops, patch.NodeGroupRules())
	if err != nil {
		return nil, errdefs.WithResource(err, resNodeGroup, groupIdent)
	}
	if len(changed) == 0 {
		return g, nil
	}
	var errs []error
	if ng.MinNodeCount < 0 {
		errs = append(errs, errdefs.Invalid("min_node_count", "must be at least 0, got %d", ng.MinNodeCount))
	}
	errs = append(errs, checkBounds(ng, ng.NodeCount)...)
	if ng.IsMaster() && (len(ng.NodeLabels) > 0 || len(ng.NodeTaints) > 0) {
		errs = append(errs, errdefs.Invalid("node_labels", "master groups take no node labels or taints"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, errdefs.WithResource(err, resNodeGroup, groupIdent)
	}
	if !g.IsDefault && (slices.Contains(changed, "node_labels") || slices.Contains(changed, "node_taints")) {
		t, d, groups, err := m.groupEnv(ctx, c)
		if err != nil {
			return nil, err
		}
		if err := d.ValidateNodeGroup(m.groupRequest(t, c, groups, ng)); err != nil {
			return nil, errdefs.WithResource(err, resNodeGroup, groupIdent)
		}
	}
	var out *cluster.NodeGroup
	err = m.settleGroup(ctx, g.UUID, func(x *cluster.NodeGroup) bool {
		x.MinNodeCount, x.MaxNodeCount, x.NodeLabels, x.NodeTaints = ng.MinNodeCount, ng.MaxNodeCount, ng.NodeLabels, ng.NodeTaints
		out = x
		return true
	})
	if err != nil {
		return nil, errdefs.WithResource(err, resNodeGroup, groupIdent)
	}
	return out, nil
}

// resizeGroup changes the node count of a non-default group: intent first
// (the group's count and UPDATE_IN_PROGRESS, the cluster's count within
// the quota, in one write), then the group's stack in the background.
func (m *Manager) resizeGroup(ctx context.Context, c *cluster.Cluster, g *cluster.NodeGroup, r ResizeRequest) (*cluster.Cluster, error) {
	t, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return nil, err
	}
	d, err := m.nodeGroupDriver(t)
	if err != nil {
		return nil, err
	}
	if g.Status.InProgress() {
		return nil, groupBusy(g)
	}
	if err := errors.Join(checkBounds(g, r.NodeCount)...); err != nil {
		return nil, errdefs.WithResource(err, resNodeGroup, g.Name)
	}
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return nil, err
	}
	ng := g.Clone()
	ng.NodeCount = r.NodeCount
	req := m.groupRequest(t, c, groups, ng)
	req.NodesToRemove = r.NodesToRemove
	if err := d.ValidateNodeGroup(req); err != nil {
		return nil, errdefs.WithResource(err, resNodeGroup, g.Name)
	}
	quota, err := m.quotaFor(ctx, c.ProjectID)
	if err != nil {
		return nil, err
	}
	var x *cluster.Cluster
	for attempt := 1; ; attempt++ {
		x, err = m.store.GetCluster(ctx, c.UUID)
		if err != nil {
			return nil, err
		}
		gs, err := m.groups(ctx, c.UUID)
		if err != nil {
			return nil, err
		}
		if err := checkGroupOp(x, gs); err != nil {
			return nil, err
		}
		var sg *cluster.NodeGroup
		for _, o := range gs {
			if o.UUID == g.UUID {
				sg = o
			}
		}
		if sg == nil {
			return nil, errdefs.NotFound(resNodeGroup, g.UUID)
		}
		prev := x.Status
		now := m.nowUTC()
		sg.NodeCount = r.NodeCount
		sg.Status, sg.StatusReason, sg.UpdatedAt = cluster.UpdateInProgress, "Stack UPDATE started", &now
		x.NodeCount = defaultWorkerCount(gs, x) + extraWorkers(gs, "")
		x.Status, x.StatusReason, x.UpdatedAt = cluster.UpdateInProgress, "node group operation started", &now
		err = m.store.UpdateClusterGroups(ctx, x, []*cluster.NodeGroup{sg}, quota)
		if errors.Is(err, errdefs.ErrConflict) && !errors.Is(err, errdefs.ErrQuotaExceeded) && attempt < patchRetries {
			continue
		}
		if err != nil {
			return nil, errdefs.WithResource(err, resCluster, c.UUID)
		}
		m.emit(x, prev, x.Status)
		req.Group = sg.Clone()
		break
	}
	m.log.InfoContext(ctx, "node group resize started", "cluster", c.UUID, "nodegroup", g.UUID, "node_count", r.NodeCount)
	req.Cluster = x.Clone()
	m.background(c.UUID, func(ctx context.Context) {
		release, ok := m.lockOp(ctx, c.UUID)
		if !ok {
			return
		}
		defer release()
		if err := d.ResizeNodeGroup(ctx, req); err != nil {
			m.failGroupIfFinal(ctx, c.UUID, g.UUID, cluster.UpdateInProgress, err)
		}
	})
	return x, nil
}

// failGroupIfFinal ends a group operation as failed after an error the
// cloud would repeat; other errors leave it for sync to retry.
func (m *Manager) failGroupIfFinal(ctx context.Context, cid, gid string, from cluster.Status, err error) {
	if retryable(err) || errors.Is(err, errdefs.ErrConflict) {
		m.log.WarnContext(ctx, "node group operation will be retried by sync", "nodegroup", gid, "err", err)
		return
	}
	m.log.ErrorContext(ctx, "node group operation failed", "nodegroup", gid, "err", err)
	m.endGroupOp(ctx, cid, gid, from, failedOf(from.Action()), err.Error(), nil)
}

// DeleteNodeGroup starts deleting a non-default node group (default
// groups cannot be deleted: ErrInvalid) and returns at once; sync removes
// the group when its stack is gone and gives its nodes back to the quota.
func (m *Manager) DeleteNodeGroup(ctx context.Context, clusterIdent, groupIdent string) error {
	c, g, err := m.findGroup(ctx, policy.ClusterUpdate, clusterIdent, groupIdent)
	if err != nil {
		return err
	}
	if g.IsDefault {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resNodeGroup, ID: g.UUID, Field: "nodegroup",
			Reason: "default node groups cannot be deleted"}
	}
	t, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return err
	}
	d, err := m.nodeGroupDriver(t)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		x, err := m.store.GetCluster(ctx, c.UUID)
		if err != nil {
			return err
		}
		gs, err := m.groups(ctx, c.UUID)
		if err != nil {
			return err
		}
		if err := checkGroupOp(x, gs); err != nil {
			return err
		}
		var sg *cluster.NodeGroup
		for _, o := range gs {
			if o.UUID == g.UUID {
				sg = o
			}
		}
		if sg == nil {
			return errdefs.NotFound(resNodeGroup, groupIdent)
		}
		prev := x.Status
		now := m.nowUTC()
		sg.Status, sg.StatusReason, sg.UpdatedAt = cluster.DeleteInProgress, "Stack DELETE started", &now
		x.Status, x.StatusReason, x.UpdatedAt = cluster.UpdateInProgress, "node group operation started", &now
		err = m.store.UpdateClusterGroups(ctx, x, []*cluster.NodeGroup{sg}, store.Quota{})
		if errors.Is(err, errdefs.ErrConflict) && attempt < patchRetries {
			continue
		}
		if err != nil {
			return errdefs.WithResource(err, resCluster, c.UUID)
		}
		m.emit(x, prev, x.Status)
		m.log.InfoContext(ctx, "node group delete started", "cluster", c.UUID, "nodegroup", g.UUID)
		req := m.groupRequest(t, x, gs, sg.Clone())
		m.background(c.UUID, func(ctx context.Context) {
			release, ok := m.lockOp(ctx, c.UUID)
			if !ok {
				return
			}
			defer release()
			if err := d.DeleteNodeGroup(ctx, req); err != nil {
				m.log.WarnContext(ctx, "node group delete will be retried by sync", "nodegroup", g.UUID, "err", err)
			}
		})
		return nil
	}
}

// inProgressGroup returns a non-default group with an operation under
// way, or nil.
func inProgressGroup(groups []*cluster.NodeGroup) *cluster.NodeGroup {
	for _, g := range groups {
		if !g.IsDefault && g.Status.InProgress() {
			return g
		}
	}
	return nil
}
