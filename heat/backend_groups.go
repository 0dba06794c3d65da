package heat

import (
	"context"
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
)

// NodeGroupStackDriver is a StackDriver that builds non-default node
// groups as stacks of their own. Backend.Driver makes a
// driver.NodeGroupDriver of it.
type NodeGroupStackDriver interface {
	StackDriver
	// ValidateNodeGroup applies the driver's rules to req.Group. No I/O.
	ValidateNodeGroup(req *driver.Request) error
	// RenderNodeGroupStack renders the stack of req.Group, joined to the
	// cluster whose completed stack, read with its outputs, is
	// clusterStack (network, subnet, security group, API address).
	RenderNodeGroupStack(req *driver.Request, clusterStack *Stack) (StackRequest, error)
	// ScaleNodeGroupStack is the update that brings req.Group's stack to
	// req.Group.NodeCount nodes, removing req.NodesToRemove first.
	ScaleNodeGroupStack(req *driver.Request) (UpdateRequest, error)
	// ApplyNodeGroupOutputs copies a completed group stack's outputs
	// (addresses, count) into g.
	ApplyNodeGroupOutputs(s *Stack, g *cluster.NodeGroup) error
}

// UpgradeStackDriver is a StackDriver that upgrades clusters with a
// rolling stack update. Backend.Driver makes a driver.Upgrader of it.
type UpgradeStackDriver interface {
	StackDriver
	// ValidateUpgrade checks the move from req.Template to
	// req.Upgrade.To. No I/O.
	ValidateUpgrade(req *driver.Request) error
	// UpgradeStack is the update that replaces the nodes of the cluster's
	// stack (req.Group nil) or of req.Group's stack with nodes of
	// req.Upgrade.To, at most req.Upgrade.MaxBatchSize at a time, masters
	// before workers.
	UpgradeStack(req *driver.Request) (UpdateRequest, error)
}

// CARotationStackDriver is a StackDriver that delivers rotated CAs to a
// cluster's nodes with a stack update. Backend.Driver makes a
// driver.CARotator of it.
type CARotationStackDriver interface {
	StackDriver
	// RotateCAStack is the update that hands the nodes req.Nodes.CACerts
	// (trusting req.PreviousCACerts too while they switch) and new
	// service-account keys.
	RotateCAStack(req *driver.Request) (UpdateRequest, error)
}

// NodeChooser is a StackDriver that picks the nodes a shrinking resize
// removes when the caller named none (Magnum's scale manager: nodes
// without workloads first). The Backend asks it before ScaleStack.
type NodeChooser interface {
	StackDriver
	// ChooseNodesToRemove returns the nodes (as ScaleStack takes them in
	// req.NodesToRemove) to remove so that the worker group reaches its
	// count in req.NodeGroups, given the cluster's stack read with its
	// outputs. Empty: no preference (Heat removes the newest). It should
	// not fail for an unreachable cluster; only ctx's end is an error.
	ChooseNodesToRemove(ctx context.Context, req *driver.Request, s *Stack) ([]string, error)
}

// unsupported is the error of an ability sd lacks.
func unsupported(sd StackDriver, what string) error {
	return &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: "driver", ID: sd.Info().Name,
		Reason: "the driver does not support " + what}
}

// The adapter offers every optional ability; those its StackDriver lacks
// answer errdefs.ErrUnsupported from their first (validating) call, before
// anything happens.
var (
	_ driver.NodeGroupDriver = (*stackDriver)(nil)
	_ driver.Upgrader        = (*stackDriver)(nil)
	_ driver.CARotator       = (*stackDriver)(nil)
)

func (d *stackDriver) groups() (*groupOps, error) {
	ng, ok := d.StackDriver.(NodeGroupStackDriver)
	if !ok {
		return nil, unsupported(d.StackDriver, "node groups")
	}
	return &groupOps{d, ng}, nil
}

func (d *stackDriver) ValidateNodeGroup(req *driver.Request) error {
	o, err := d.groups()
	if err != nil {
		return err
	}
	return o.ValidateNodeGroup(req)
}

func (d *stackDriver) CreateNodeGroup(ctx context.Context, req *driver.Request) (string, error) {
	o, err := d.groups()
	if err != nil {
		return "", err
	}
	return o.CreateNodeGroup(ctx, req)
}

func (d *stackDriver) ResizeNodeGroup(ctx context.Context, req *driver.Request) error {
	o, err := d.groups()
	if err != nil {
		return err
	}
	return o.ResizeNodeGroup(ctx, req)
}

func (d *stackDriver) DeleteNodeGroup(ctx context.Context, req *driver.Request) error {
	o, err := d.groups()
	if err != nil {
		return err
	}
	return o.DeleteNodeGroup(ctx, req)
}

func (d *stackDriver) FinishNodeGroup(ctx context.Context, req *driver.Request) error {
	o, err := d.groups()
	if err != nil {
		return err
	}
	return o.FinishNodeGroup(ctx, req)
}

func (d *stackDriver) upgrades() (*upgradeOps, error) {
	up, ok := d.StackDriver.(UpgradeStackDriver)
	if !ok {
		return nil, unsupported(d.StackDriver, "upgrades")
	}
	return &upgradeOps{d, up}, nil
}

func (d *stackDriver) ValidateUpgrade(req *driver.Request) error {
	o, err := d.upgrades()
	if err != nil {
		return err
	}
	return o.ValidateUpgrade(req)
}

func (d *stackDriver) Upgrade(ctx context.Context, req *driver.Request) error {
	o, err := d.upgrades()
	if err != nil {
		return err
	}
	return o.Upgrade(ctx, req)
}

// RotateCA sends the driver's CA rotation update to the cluster's stack,
// or to req.Group's.
func (d *stackDriver) RotateCA(ctx context.Context, req *driver.Request) error {
	rot, ok := d.StackDriver.(CARotationStackDriver)
	if !ok {
		return unsupported(d.StackDriver, "CA rotation")
	}
	upd, err := rot.RotateCAStack(req)
	if err != nil {
		return err
	}
	var id string
	if req.Group != nil {
		id, err = d.stackID(ctx, req.Group.UUID, req.Group.StackID, req.Name)
	} else {
		id, err = d.clusterStack(ctx, req)
	}
	if err != nil {
		return err
	}
	if id == "" {
		return &errdefs.Error{Kind: errdefs.ErrConflict, Resource: "cluster", ID: req.Cluster.UUID, Reason: "the cluster has no stack to update"}
	}
	if err := d.b.orch.UpdateStack(ctx, id, upd); err != nil {
		return fmt.Errorf("heat: rotate CA on stack %s: %w", id, err)
	}
	return nil
}

// groupOps are the node-group calls of a NodeGroupStackDriver.
type groupOps struct {
	base *stackDriver
	sd   NodeGroupStackDriver
}

func (o *groupOps) ValidateNodeGroup(req *driver.Request) error { return o.sd.ValidateNodeGroup(req) }

func needGroup(req *driver.Request) error {
	if req.Group == nil {
		return errdefs.Invalid("nodegroup", "the request names no node group")
	}
	return nil
}

// CreateNodeGroup renders the group's stack from the cluster stack's
// outputs and creates it, tagged with the backend's tag, the cluster's
// UUID and the group's UUID. A stack of that name already holding the
// group's tag (a repeated create) is adopted.
func (o *groupOps) CreateNodeGroup(ctx context.Context, req *driver.Request) (string, error) {
	if err := needGroup(req); err != nil {
		return "", err
	}
	// A complete cluster has its stack recorded; the group's stack name is
	// not the cluster's, so it cannot be looked up here.
	cid := req.Cluster.StackID
	if cid == "" {
		return "", &errdefs.Error{Kind: errdefs.ErrConflict, Resource: "cluster", ID: req.Cluster.UUID, Reason: "the cluster has no stack to join"}
	}
	cs, err := o.base.b.orch.GetStack(ctx, cid, true)
	if err != nil {
		return "", fmt.Errorf("heat: read outputs of stack %s: %w", cid, err)
	}
	sr, err := o.sd.RenderNodeGroupStack(req, cs)
	if err != nil {
		return "", err
	}
	sr.Name = req.Name
	if sr.Name == "" {
		return "", errdefs.Invalid("name", "the node group's stack needs a name")
	}
	sr.Tags = withTags(sr.Tags, o.base.b.tag, req.Cluster.UUID, req.Group.UUID)
	return o.base.b.create(ctx, sr, req.Group.UUID)
}

func (o *groupOps) groupStack(ctx context.Context, req *driver.Request) (string, error) {
	if err := needGroup(req); err != nil {
		return "", err
	}
	return o.base.stackID(ctx, req.Group.UUID, req.Group.StackID, req.Name)
}

func (o *groupOps) ResizeNodeGroup(ctx context.Context, req *driver.Request) error {
	upd, err := o.sd.ScaleNodeGroupStack(req)
	if err != nil {
		return err
	}
	id, err := o.groupStack(ctx, req)
	if err != nil {
		return err
	}
	if id == "" {
		return &errdefs.Error{Kind: errdefs.ErrConflict, Resource: "nodegroup", ID: req.Group.UUID, Reason: "the node group has no stack to resize"}
	}
	if err := o.base.b.orch.UpdateStack(ctx, id, upd); err != nil {
		return fmt.Errorf("heat: resize stack %s: %w", id, err)
	}
	return nil
}

func (o *groupOps) DeleteNodeGroup(ctx context.Context, req *driver.Request) error {
	id, err := o.groupStack(ctx, req)
	if err != nil || id == "" {
		return err
	}
	if err := o.base.b.orch.DeleteStack(ctx, id); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return fmt.Errorf("heat: delete stack %s: %w", id, err)
	}
	return nil
}

func (o *groupOps) FinishNodeGroup(ctx context.Context, req *driver.Request) error {
	id, err := o.groupStack(ctx, req)
	if err != nil {
		return err
	}
	if id == "" {
		return errdefs.NotFound("stack", req.Name)
	}
	s, err := o.base.b.orch.GetStack(ctx, id, true)
	if err != nil {
		return fmt.Errorf("heat: read outputs of stack %s: %w", id, err)
	}
	return o.sd.ApplyNodeGroupOutputs(s, req.Group)
}

// upgradeOps are the upgrade calls of an UpgradeStackDriver.
type upgradeOps struct {
	base *stackDriver
	sd   UpgradeStackDriver
}

func (o *upgradeOps) ValidateUpgrade(req *driver.Request) error {
	if req.Upgrade == nil || req.Upgrade.To == nil {
		return errdefs.Invalid("cluster_template", "the request names no template to upgrade to")
	}
	return o.sd.ValidateUpgrade(req)
}

// Upgrade sends the rolling update to the cluster's stack, or to
// req.Group's when a group is named. It does not call ValidateUpgrade: the
// caller has (a rollback back to the previous template is exempt from its
// direction rules).
func (o *upgradeOps) Upgrade(ctx context.Context, req *driver.Request) error {
	if req.Upgrade == nil || req.Upgrade.To == nil {
		return errdefs.Invalid("cluster_template", "the request names no template to upgrade to")
	}
	upd, err := o.sd.UpgradeStack(req)
	if err != nil {
		return err
	}
	var id string
	if req.Group != nil {
		id, err = o.base.stackID(ctx, req.Group.UUID, req.Group.StackID, req.Name)
	} else {
		id, err = o.base.stackID(ctx, req.Cluster.UUID, req.Cluster.StackID, req.Name)
	}
	if err != nil {
		return err
	}
	if id == "" {
		return &errdefs.Error{Kind: errdefs.ErrConflict, Resource: "cluster", ID: req.Cluster.UUID, Reason: "the cluster has no stack to upgrade"}
	}
	if err := o.base.b.orch.UpdateStack(ctx, id, upd); err != nil {
		return fmt.Errorf("heat: upgrade stack %s: %w", id, err)
	}
	return nil
}

var _ driver.ProgressReporter = (*stackDriver)(nil)

// Progress counts the resources of the cluster's stack (or of req.Group's)
// that finished the current action. Orchestrators that cannot count
// answer ErrUnsupported.
func (d *stackDriver) Progress(ctx context.Context, req *driver.Request) (driver.Progress, error) {
	pr, ok := d.b.orch.(ProgressReader)
	if !ok {
		return driver.Progress{}, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: "orchestrator", Reason: "the orchestrator cannot count resources"}
	}
	var id string
	var err error
	if req.Group != nil {
		id, err = d.stackID(ctx, req.Group.UUID, req.Group.StackID, req.Name)
	} else {
		id, err = d.clusterStack(ctx, req)
	}
	if err != nil || id == "" {
		return driver.Progress{}, err
	}
	p, err := pr.StackProgress(ctx, id)
	return driver.Progress(p), err
}
