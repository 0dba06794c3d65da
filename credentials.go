package magnum

import (
	"context"
	"fmt"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
)

// RotateCredential replaces the cloud credential a cluster's nodes use
// (Magnum's PATCH /v1/credentials/{cluster}, API 1.12). As in Magnum the
// driver does the work synchronously and the cluster's status is left as
// it was; the call is allowed in the *_COMPLETE statuses and in
// UPDATE_IN_PROGRESS and UPDATE_FAILED (else ErrConflict). It needs the
// right to update the cluster. A driver without driver.CredentialRotator
// — the built-in Heat drivers have none — is ErrUnsupported.
func (m *Manager) RotateCredential(ctx context.Context, ident string) (*cluster.Cluster, error) {
	_, c, err := m.findCluster(ctx, policy.ClusterUpdate, ident)
	if err != nil {
		return nil, err
	}
	if err := cluster.CheckAllowed(cluster.OpRotateCredential, c.Status); err != nil {
		return nil, errdefs.WithResource(err, resCluster, c.UUID)
	}
	t, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return nil, err
	}
	d, err := m.clusterDriver(t)
	if err != nil {
		return nil, err
	}
	rot, ok := d.(driver.CredentialRotator)
	if !ok {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: resCluster, ID: c.UUID,
			Reason: "the driver of " + t.COE + " clusters does not support credential rotation"}
	}
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return nil, err
	}
	req := m.request(t, c, groups)
	if err := m.nodeAccess(ctx, req); err != nil {
		return nil, err
	}
	if err := rot.RotateCredential(ctx, req); err != nil {
		return nil, fmt.Errorf("rotate the credential of cluster %s: %w", c.UUID, err)
	}
	m.log.InfoContext(ctx, "cluster credential rotated", "uuid", c.UUID)
	return c.Clone(), nil
}
