package certs

import (
	"context"

	"github.com/gomagnum/magnum/errdefs"
)

// Rotation describes a switch of a cluster's material to a new set.
type Rotation struct {
	ClusterID string
	Old, New  Refs
	// Leftover lists old references that could not be deleted after the
	// switch. Nothing refers to them any more; they are logged.
	Leftover []string
}

// RotateHook is told about a rotation once the cluster's references point
// at the new set and before the old material is deleted, so it can still
// read the old CAs (for a transitional trust bundle, say). The lifecycle
// code uses it to have the cluster's driver roll the new CAs out.
type RotateHook func(ctx context.Context, r Rotation) error

// Rotate replaces all of a cluster's CAs and its admin client certificate
// (Magnum's CA rotation), atomically: the new key pairs are all stored
// before the cluster's references switch to them in one step, so a failure
// at any point leaves the cluster with either its old set or its new set,
// never a mix. If the switch does not happen, the new material is removed
// and the error returned. After the switch, hook (which may be nil) is
// called, and then the old material is deleted.
//
// An error from hook is returned, wrapped, together with the Rotation: the
// switch stands (as in Magnum, the new references are kept when the driver
// fails), and the caller can retry telling the driver. Concurrent
// rotations of one cluster are safe: one wins, the others return
// errdefs.ErrConflict and leave nothing behind.
func (m *Manager) Rotate(ctx context.Context, c Cluster, hook RotateHook) (Rotation, error) {
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
	if err := ctx.Err(); err != nil {
		m.discard(ctx, c.UUID, next.All())
		return Rotation{}, err
	}
	if err := m.storage.SwapRefs(ctx, c.UUID, old, next); err != nil {
		committed, known := m.settle(ctx, c.UUID, next)
		switch {
		case committed:
			// The switch happened although it reported an error.
		case known:
			m.discard(ctx, c.UUID, next.All())
			return Rotation{}, err
		default:
			// The new material may be referenced: keep it.
			return Rotation{}, unknownOutcome(c.UUID, err)
		}
	}
	m.log.InfoContext(ctx, "rotated cluster certificates", "cluster", c.UUID,
		"ca_serial", serialString(set.ca.Certificate))
	rot := Rotation{ClusterID: c.UUID, Old: old, New: next}
	var hookErr error
	if hook != nil {
		if err := hook(ctx, rot); err != nil {
			hookErr = &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "cluster", ID: c.UUID,
				Reason: "certificates rotated but the rotation hook failed", Err: err}
			m.log.WarnContext(ctx, "certificate rotation hook failed", "cluster", c.UUID, "error", err)
		}
	}
	rot.Leftover = m.discard(ctx, c.UUID, old.All())
	return rot, hookErr
}
