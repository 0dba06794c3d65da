package magnum

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
)

// RotateCA replaces a cluster's certificate authorities and admin client
// certificate (Magnum's PATCH /v1/certificates/{cluster}) and returns at
// once with the cluster in UPDATE_IN_PROGRESS. The new set is made and
// stored but not put in force: the driver (driver.CARotator) delivers it
// to the nodes through a stack update, during which nodes that ask for
// certificates get them from the new CAs; only when the update completes
// does the new set replace the old one (and the old material is deleted).
// If the update fails the new set is removed and the old one stays fully in
// force. TLS-disabled clusters are ErrInvalid; a driver without rotation is
// ErrUnsupported.
func (m *Manager) RotateCA(ctx context.Context, ident string) (*cluster.Cluster, error) {
	_, c, err := m.findCluster(ctx, policy.CertificateRotate, ident)
	if err != nil {
		return nil, err
	}
	if err := cluster.CheckAllowed(cluster.OpRotateCA, c.Status); err != nil {
		return nil, errdefs.WithResource(err, resCluster, c.UUID)
	}
	t, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return nil, err
	}
	if t.TLSDisabled {
		return nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resCluster, ID: c.UUID, Field: "tls_disabled",
			Reason: "the cluster runs without TLS and has no certificate authorities to rotate"}
	}
	if c.CACertRef == "" {
		return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID, Reason: "the cluster has no certificates yet"}
	}
	if c.UpgradeTemplateID != "" {
		return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID,
			Reason: "an upgrade to template " + c.UpgradeTemplateID + " is unfinished; retry or roll it back first"}
	}
	d, err := m.clusterDriver(t)
	if err != nil {
		return nil, err
	}
	rot, ok := d.(driver.CARotator)
	if !ok {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: resCluster, ID: c.UUID,
			Reason: "the driver of " + t.COE + " clusters does not support CA rotation"}
	}
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return nil, err
	}
	if err := groupsSettled(groups); err != nil {
		return nil, err
	}
	staged, err := m.certs.StageRotation(ctx, m.certCluster(c))
	if err != nil {
		return nil, fmt.Errorf("stage the rotation of cluster %s: %w", c.UUID, err)
	}
	refs, err := encodeRotation(staged)
	if err != nil {
		return nil, err
	}
	var x *cluster.Cluster
	err = m.settle(ctx, c.UUID, func(y *cluster.Cluster) bool {
		x = nil
		if y.Revision != c.Revision {
			return false // changed since it was checked
		}
		y.RotationRefs, y.StepSent = refs, false
		y.Status, y.StatusReason = cluster.UpdateInProgress, "CA rotation started"
		x = y
		return true
	})
	if err == nil && x == nil {
		err = &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID,
			Reason: "the cluster changed while the rotation was being prepared; try again"}
	}
	if err != nil {
		if aerr := m.certs.AbortRotation(context.WithoutCancel(ctx), staged); aerr != nil {
			m.log.WarnContext(ctx, "removing a staged rotation", "uuid", c.UUID, "err", aerr)
		}
		return nil, err
	}
	m.log.InfoContext(ctx, "CA rotation started", "uuid", c.UUID)
	out := x.Clone()
	m.background(c.UUID, func(ctx context.Context) {
		release, ok := m.lockOp(ctx, c.UUID)
		if !ok {
			return
		}
		defer release()
		if err := m.sendRotation(ctx, x, groups, rot, staged); err != nil {
			m.failRotationIfFinal(ctx, c.UUID, err)
			return
		}
		m.stepSent(ctx, c.UUID)
	})
	return out, nil
}

// sendRotation asks the driver to deliver a staged rotation: the nodes get
// the new CAs, and the previous ones for reference.
func (m *Manager) sendRotation(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup, rot driver.CARotator, staged certs.Rotation) error {
	tpl, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return err
	}
	req := m.request(tpl, c, groups)
	if err := m.nodeAccess(ctx, req); err != nil {
		return err
	}
	req.PreviousCACerts = req.Nodes.CACerts
	req.Nodes.CACerts = map[string][]byte{}
	for _, ct := range certs.CATypes() {
		ca, err := m.certs.StagedCA(ctx, staged, ct)
		if err != nil {
			return fmt.Errorf("staged CA %s of cluster %s: %w", ct, c.UUID, err)
		}
		req.Nodes.CACerts[string(ct)] = certs.CertificatePEM(ca)
	}
	if err := rot.RotateCA(ctx, req); err != nil {
		return err
	}
	// The node groups' stacks get the new CAs too; sync waits for them
	// before the switch (groupsRotated).
	var errs []error
	for _, g := range groups {
		if g.IsDefault {
			continue
		}
		greq := m.groupRequest(req.Template, c, groups, g)
		greq.Nodes, greq.PreviousCACerts = req.Nodes, req.PreviousCACerts
		if err := rot.RotateCA(ctx, greq); err != nil {
			errs = append(errs, fmt.Errorf("node group %s: %w", g.Name, err))
		}
	}
	return errors.Join(errs...)
}

// groupsRotated reports whether the stacks of c's node groups have
// settled after a rotation (done), and the failures among them.
func (m *Manager) groupsRotated(ctx context.Context, c *cluster.Cluster, d driver.ClusterDriver) (done bool, failed []string, err error) {
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return false, nil, err
	}
	var targets []driver.Target
	for _, g := range groups {
		if !g.IsDefault {
			targets = append(targets, driver.Target{ClusterID: g.UUID, Ref: g.StackID, Name: GroupStackName(c, g)})
		}
	}
	if len(targets) == 0 {
		return true, nil, nil
	}
	obs, err := d.Observer().Observe(ctx, targets)
	if err != nil {
		return false, nil, err
	}
	for _, g := range groups {
		o, ok := obs[g.UUID]
		switch {
		case g.IsDefault || !ok || o.Gone:
		case o.Status.InProgress():
			return false, nil, nil
		case o.Status.Failed():
			failed = append(failed, g.Name+": "+o.Reason)
		}
	}
	return true, failed, nil
}

// failRotationIfFinal ends a rotation the cloud refused for good: the
// staged set is removed and the cluster is UPDATE_FAILED on its old CAs.
func (m *Manager) failRotationIfFinal(ctx context.Context, id string, err error) {
	if retryable(err) || errors.Is(err, errdefs.ErrConflict) {
		m.log.WarnContext(ctx, "CA rotation will be retried by sync", "uuid", id, "err", err)
		return
	}
	m.log.ErrorContext(ctx, "CA rotation failed", "uuid", id, "err", err)
	c, gerr := m.store.GetCluster(ctx, id)
	if gerr != nil || c.Status != cluster.UpdateInProgress || c.RotationRefs == "" {
		return
	}
	if m.abortRotation(ctx, c, err.Error()) {
		_ = m.settle(ctx, id, func(x *cluster.Cluster) bool {
			if x.Status != cluster.UpdateInProgress || x.RotationRefs != c.RotationRefs {
				return false
			}
			x.RotationRefs = ""
			x.Status, x.StatusReason = cluster.UpdateFailed, c.StatusReason
			return true
		})
	}
}

// abortRotation removes c's staged rotation and sets c's reason; it
// reports whether the rotation is gone (c.RotationRefs can be cleared).
func (m *Manager) abortRotation(ctx context.Context, c *cluster.Cluster, reason string) bool {
	staged, err := decodeRotation(c.UUID, c.RotationRefs)
	if err == nil {
		err = m.certs.AbortRotation(ctx, staged)
	}
	if err != nil && !errors.Is(err, errdefs.ErrConflict) {
		m.log.WarnContext(ctx, "removing a staged rotation", "uuid", c.UUID, "err", err)
		return false
	}
	c.StatusReason = "CA rotation failed; the old certificate authorities stay in force: " + reason
	return true
}

// commitRotation puts c's staged rotation in force once the nodes have
// it, recording the new references on c.
func (m *Manager) commitRotation(ctx context.Context, c *cluster.Cluster) error {
	staged, err := decodeRotation(c.UUID, c.RotationRefs)
	if err != nil {
		return err
	}
	done, err := m.certs.CommitRotation(ctx, staged)
	if err != nil {
		return fmt.Errorf("commit the CA rotation of cluster %s: %w", c.UUID, err)
	}
	if len(done.Leftover) > 0 {
		m.log.WarnContext(ctx, "old certificate material left behind", "uuid", c.UUID, "refs", len(done.Leftover))
	}
	n := staged.New
	c.CACertRef, c.EtcdCACertRef, c.FrontProxyCACertRef, c.MagnumCertRef = n.CA, n.EtcdCA, n.FrontProxyCA, n.Client
	c.RotationRefs = ""
	m.log.InfoContext(ctx, "CA rotation completed", "uuid", c.UUID)
	return nil
}

// resendRotation repeats the delivery of c's staged rotation.
func (m *Manager) resendRotation(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup, d driver.ClusterDriver) error {
	rot, ok := d.(driver.CARotator)
	if !ok {
		return &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: resCluster, ID: c.UUID, Reason: "the driver does not support CA rotation"}
	}
	staged, err := decodeRotation(c.UUID, c.RotationRefs)
	if err != nil {
		return err
	}
	return m.sendRotation(ctx, c, groups, rot, staged)
}

// stagedFor returns the rotation a cluster is delivering, or nil.
func stagedFor(c *cluster.Cluster) *certs.Rotation {
	if c.RotationRefs == "" {
		return nil
	}
	r, err := decodeRotation(c.UUID, c.RotationRefs)
	if err != nil {
		return nil
	}
	return &r
}

func encodeRotation(r certs.Rotation) (string, error) {
	b, err := json.Marshal(struct {
		Old certs.Refs `json:"old"`
		New certs.Refs `json:"new"`
	}{r.Old, r.New})
	return string(b), err
}

func decodeRotation(clusterID, s string) (certs.Rotation, error) {
	var v struct {
		Old certs.Refs `json:"old"`
		New certs.Refs `json:"new"`
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return certs.Rotation{}, fmt.Errorf("recorded CA rotation unreadable: %w", err)
	}
	return certs.Rotation{ClusterID: clusterID, Old: v.Old, New: v.New}, nil
}
