package heat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
)

// StackDriver is what a Heat-backed driver provides: it turns lifecycle
// requests into stack requests and stacks back into attributes. A Backend
// makes a driver.ClusterDriver of it, doing the Heat calls itself.
type StackDriver interface {
	driver.Driver
	// Validate applies the driver's rules before anything happens.
	Validate(req *driver.Request) error
	// RenderStack renders the stack that creates the cluster, and the
	// features it was rendered with.
	RenderStack(req *driver.Request) (StackRequest, Features, error)
	// ScaleStack is the update that brings the stack to the node counts of
	// req.NodeGroups.
	ScaleStack(req *driver.Request) (UpdateRequest, error)
	// StackFeatures returns the features RenderStack used for req, to map
	// the outputs of a stack rendered earlier.
	StackFeatures(req *driver.Request) (Features, error)
	// ApplyOutputs copies a completed stack's outputs to the models.
	ApplyOutputs(s *Stack, f Features, c *cluster.Cluster, groups []*cluster.NodeGroup) error
}

// DefaultStackTag is the tag every stack a Backend creates carries when
// BackendConfig.Tag is empty.
const DefaultStackTag = "gomagnum"

// BackendConfig tunes a Backend.
type BackendConfig struct {
	// Tag marks the stacks of this backend, so that one list call finds
	// them all. Programs that share a Heat project but not a store need
	// different tags. Empty: DefaultStackTag.
	Tag string
}

// Backend runs Heat-backed drivers' lifecycles on one Orchestrator. Every
// stack it creates carries Tag and its cluster's UUID as tags; Observe finds
// all of them with one list call. It is safe for concurrent use.
type Backend struct {
	orch Orchestrator
	tag  string
}

// NewBackend returns a Backend on o.
func NewBackend(o Orchestrator, cfg BackendConfig) *Backend {
	tag := cfg.Tag
	if tag == "" {
		tag = DefaultStackTag
	}
	return &Backend{orch: o, tag: tag}
}

// Tag is the tag the backend's stacks carry.
func (b *Backend) Tag() string { return b.tag }

// Driver returns sd as a driver.ClusterDriver running on the backend.
// The result is also a driver.NodeGroupDriver, driver.Upgrader and
// driver.CARotator; the abilities sd lacks (NodeGroupStackDriver,
// UpgradeStackDriver, CARotationStackDriver) answer errdefs.ErrUnsupported.
func (b *Backend) Driver(sd StackDriver) driver.ClusterDriver {
	return &stackDriver{StackDriver: sd, b: b}
}

// Observe implements driver.Observer with one ListStacks call: the
// backend's stacks that are in progress, so a tick costs what is under way,
// not what was ever built. A recorded stack missing from the list is
// fetched (it has just settled, or is gone), so a steady tick makes one
// call and each completion one more. A target without a recorded stack is
// Gone unless the list has one under its cluster's tag and name: the
// create that sync repeats on that evidence adopts a settled stack it
// missed (Heat refuses its name twice), and the delete looks it up.
func (b *Backend) Observe(ctx context.Context, targets []driver.Target) (map[string]driver.Observation, error) {
	out := make(map[string]driver.Observation, len(targets))
	if len(targets) == 0 {
		return out, nil
	}
	// Heat (19) answers 500 to a list that filters by tags and status
	// together, so the list asks for the project's stacks in progress and
	// ours are picked by their tag here.
	all, err := b.orch.ListStacks(ctx, ListFilter{States: []string{"IN_PROGRESS"}})
	if err != nil {
		return nil, fmt.Errorf("heat: observe: %w", err)
	}
	stacks := all[:0]
	for _, s := range all {
		if slices.Contains(s.Tags, b.tag) {
			stacks = append(stacks, s)
		}
	}
	byID := make(map[string]*Stack, len(stacks))
	byCluster := make(map[string][]*Stack, len(stacks))
	for i := range stacks {
		s := &stacks[i]
		byID[s.ID] = s
		for _, t := range s.Tags {
			if t != b.tag {
				byCluster[t] = append(byCluster[t], s)
			}
		}
	}
	var errs []error
	for _, t := range targets {
		var s *Stack
		if t.Ref != "" {
			s = byID[t.Ref]
		} else {
			s = pick(byCluster[t.ClusterID], t.Name)
		}
		if s == nil && t.Ref != "" {
			// Settled since the last look, or gone.
			s, err = b.confirm(ctx, t)
			if err != nil {
				errs = append(errs, fmt.Errorf("cluster %s: %w", t.ClusterID, err))
				continue
			}
		}
		out[t.ClusterID] = observation(s)
	}
	return out, errors.Join(errs...)
}

// confirm looks a target up directly; nil means it is certainly gone.
func (b *Backend) confirm(ctx context.Context, t driver.Target) (*Stack, error) {
	if t.Ref != "" {
		s, err := b.orch.GetStack(ctx, t.Ref, false)
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil, nil
		}
		return s, err
	}
	l, err := b.orch.ListStacks(ctx, ListFilter{Tags: []string{t.ClusterID}})
	if err != nil {
		return nil, err
	}
	ptrs := make([]*Stack, len(l))
	for i := range l {
		ptrs[i] = &l[i]
	}
	return pick(ptrs, t.Name), nil
}

// pick returns the live stack of that name among a cluster's stacks.
func pick(stacks []*Stack, name string) *Stack {
	for _, s := range stacks {
		if (name == "" || s.Name == name) && s.Status != string(cluster.DeleteComplete) {
			return s
		}
	}
	return nil
}

// observation translates a stack (nil: gone) into an Observation.
func observation(s *Stack) driver.Observation {
	if s == nil || s.Status == string(cluster.DeleteComplete) {
		return driver.Observation{Gone: true}
	}
	o := driver.Observation{Ref: s.ID, Reason: s.StatusReason}
	if st, err := cluster.ParseStatus(s.Status); err == nil {
		o.Status = st
	} else {
		o.Reason = "Heat status " + s.Status + ": " + s.StatusReason
	}
	return o
}

// stackDriver is a StackDriver running on a Backend.
type stackDriver struct {
	StackDriver
	b *Backend
}

func (d *stackDriver) Observer() driver.Observer { return d.b }

// Create renders and creates the stack. When Heat already holds a stack of
// that name for the cluster (a retried create), that stack is adopted.
func (d *stackDriver) Create(ctx context.Context, req *driver.Request) (string, error) {
	sr, _, err := d.RenderStack(req)
	if err != nil {
		return "", err
	}
	if req.Name != "" {
		sr.Name = req.Name
	}
	if sr.Name == "" {
		return "", errdefs.Invalid("name", "the stack needs a name")
	}
	sr.Tags = withTags(sr.Tags, d.b.tag, req.Cluster.UUID)
	if req.Timeout > 0 {
		sr.Timeout = req.Timeout
	}
	return d.b.create(ctx, sr, req.Cluster.UUID)
}

// create creates sr, whose tags include owner (a cluster's or a group's
// UUID). When Heat already holds a stack of that name carrying owner's tag
// (an earlier attempt), that stack is adopted.
func (b *Backend) create(ctx context.Context, sr StackRequest, owner string) (string, error) {
	id, err := b.orch.CreateStack(ctx, sr)
	if errors.Is(err, errdefs.ErrConflict) {
		s, ferr := b.confirm(ctx, driver.Target{ClusterID: owner, Name: sr.Name})
		switch {
		case ferr != nil:
			return "", fmt.Errorf("heat: create stack %s: %w (and looking it up: %w)", sr.Name, err, ferr)
		case s != nil:
			return s.ID, nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("heat: create stack %s: %w", sr.Name, err)
	}
	return id, nil
}

func withTags(tags []string, add ...string) []string {
	out := slices.Clone(tags)
	for _, t := range add {
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// stackID is the recorded stack ref, or the one named name found under
// the owner's (a cluster's or a group's UUID) tag; "" when there is none.
func (d *stackDriver) stackID(ctx context.Context, owner, ref, name string) (string, error) {
	if ref != "" {
		return ref, nil
	}
	s, err := d.b.confirm(ctx, driver.Target{ClusterID: owner, Name: name})
	if err != nil {
		return "", err
	}
	if s == nil {
		return "", nil
	}
	return s.ID, nil
}

// clusterStack is the cluster's stack id (see stackID).
func (d *stackDriver) clusterStack(ctx context.Context, req *driver.Request) (string, error) {
	return d.stackID(ctx, req.Cluster.UUID, req.Cluster.StackID, req.Name)
}

// Resize sends the driver's scale update. When no nodes are named and the
// driver is a NodeChooser, it picks them first from the stack's members.
func (d *stackDriver) Resize(ctx context.Context, req *driver.Request) error {
	id, err := d.clusterStack(ctx, req)
	if err != nil {
		return err
	}
	if id == "" {
		return &errdefs.Error{Kind: errdefs.ErrConflict, Resource: "cluster", ID: req.Cluster.UUID,
			Reason: "the cluster has no stack to resize"}
	}
	if nc, ok := d.StackDriver.(NodeChooser); ok && len(req.NodesToRemove) == 0 {
		s, err := d.b.orch.GetStack(ctx, id, true)
		if err != nil {
			return fmt.Errorf("heat: read stack %s: %w", id, err)
		}
		nodes, err := nc.ChooseNodesToRemove(ctx, req, s)
		if err != nil {
			return err
		}
		if len(nodes) > 0 {
			r := *req
			r.NodesToRemove = nodes
			req = &r
		}
	}
	upd, err := d.ScaleStack(req)
	if err != nil {
		return err
	}
	if err := d.b.orch.UpdateStack(ctx, id, upd); err != nil {
		return fmt.Errorf("heat: resize stack %s: %w", id, err)
	}
	return nil
}

func (d *stackDriver) Delete(ctx context.Context, req *driver.Request) error {
	id, err := d.clusterStack(ctx, req)
	if err != nil || id == "" {
		return err
	}
	err = d.b.orch.DeleteStack(ctx, id)
	if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return fmt.Errorf("heat: delete stack %s: %w", id, err)
	}
	return nil
}

func (d *stackDriver) Finish(ctx context.Context, req *driver.Request) error {
	id, err := d.clusterStack(ctx, req)
	if err != nil {
		return err
	}
	if id == "" {
		return errdefs.NotFound("stack", req.Name)
	}
	s, err := d.b.orch.GetStack(ctx, id, true)
	if err != nil {
		return fmt.Errorf("heat: read outputs of stack %s: %w", id, err)
	}
	f, err := d.StackFeatures(req)
	if err != nil {
		return err
	}
	return d.ApplyOutputs(s, f, req.Cluster, req.NodeGroups)
}

// Faults maps the failed resources that caused a failure (the deepest ones,
// not the parents that failed because of them) to Heat's reasons.
func (d *stackDriver) Faults(ctx context.Context, req *driver.Request) (map[string]string, error) {
	id, err := d.clusterStack(ctx, req)
	if err != nil || id == "" {
		return nil, err
	}
	fs, err := d.b.orch.FailedResources(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("heat: failed resources of stack %s: %w", id, err)
	}
	out := make(map[string]string, len(fs))
	for _, f := range fs {
		leaf := true
		for _, g := range fs {
			if g.Resource != f.Resource && strings.HasPrefix(g.Resource, f.Resource+".") {
				leaf = false
				break
			}
		}
		if leaf {
			out[f.Resource] = f.Reason
		}
	}
	return out, nil
}
