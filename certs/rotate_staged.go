package certs

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/gomagnum/magnum/errdefs"
)

// StageRotation is the first half of a rotation whose new CAs must reach
// the cluster's nodes before they count: it generates and stores a new set
// of CAs and client certificate for c, and returns it as r.New next to the
// set in force (r.Old), without switching. The cluster keeps using the old
// set until CommitRotation; AbortRotation removes the staged one. The
// caller records r (its references name no secrets) so that a crash in
// between can still commit or abort it.
func (m *Manager) StageRotation(ctx context.Context, c Cluster) (Rotation, error) {
	if err := checkClusterID(c.UUID); err != nil {
		return Rotation{}, err
	}
	old, err := m.storage.Refs(ctx, c.UUID)
	if err != nil {
		return Rotation{}, err
	}
	set, err := m.generate(ctx, c)
	if err != nil {
		return Rotation{}, err
	}
	next, err := m.store(ctx, c.UUID, set)
	if err != nil {
		return Rotation{}, err
	}
	m.log.InfoContext(ctx, "staged a certificate rotation", "cluster", c.UUID, "ca_serial", serialString(set.ca.Certificate))
	return Rotation{ClusterID: c.UUID, Old: old, New: next}, nil
}

// StagedCA returns a CA certificate of a staged rotation's new set.
func (m *Manager) StagedCA(ctx context.Context, r Rotation, t CAType) (*x509.Certificate, error) {
	if !t.valid() {
		return nil, errdefs.Invalid("ca_cert_type", "unknown CA type %q", string(t))
	}
	return m.storage.Certificate(ctx, r.New.ForCA(t))
}

// CommitRotation switches the cluster from r.Old to r.New in one step and
// then deletes the old material. It is idempotent: a cluster already on
// r.New only has the old material cleaned up. A cluster on neither set
// (another rotation won) is errdefs.ErrConflict, and r.New is left for
// AbortRotation.
func (m *Manager) CommitRotation(ctx context.Context, r Rotation) (Rotation, error) {
	cur, err := m.storage.Refs(ctx, r.ClusterID)
	if err != nil {
		return r, err
	}
	switch cur {
	case r.New:
	case r.Old:
		if err := m.storage.SwapRefs(ctx, r.ClusterID, r.Old, r.New); err != nil {
			if committed, known := m.settle(ctx, r.ClusterID, r.New); !committed {
				if !known {
					return r, unknownOutcome(r.ClusterID, err)
				}
				return r, err
			}
		}
		m.log.InfoContext(ctx, "committed a certificate rotation", "cluster", r.ClusterID)
	default:
		return r, errdefs.Conflict("cluster certificates", r.ClusterID, "the cluster's certificates changed since the rotation was staged")
	}
	r.Leftover = m.discard(ctx, r.ClusterID, r.Old.All())
	return r, nil
}

// AbortRotation removes a staged set the cluster never switched to; the
// set in force stays. Aborting a committed rotation is errdefs.ErrConflict
// (nothing is removed).
func (m *Manager) AbortRotation(ctx context.Context, r Rotation) error {
	cur, err := m.storage.Refs(ctx, r.ClusterID)
	if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return err
	}
	if err == nil && cur == r.New {
		return errdefs.Conflict("cluster certificates", r.ClusterID, "the rotation was committed")
	}
	if left := m.discard(ctx, r.ClusterID, r.New.All()); len(left) > 0 {
		return &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "cluster certificates", ID: r.ClusterID,
			Reason: "some staged material could not be removed"}
	}
	return nil
}
