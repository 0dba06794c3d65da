package cluster

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// Operation is something a caller asks of an existing cluster or node group.
type Operation string

// The operations, with Magnum's status preconditions (see Allowed).
const (
	OpUpdate           Operation = "update"    // PATCH node_count
	OpResize           Operation = "resize"    // actions/resize
	OpUpgrade          Operation = "upgrade"   // actions/upgrade
	OpRotateCA         Operation = "rotate_ca" // PATCH certificates
	OpRotateCredential Operation = "rotate_credential"
	OpNodeGroup        Operation = "nodegroup" // create/update/delete a node group
	OpDelete           Operation = "delete"
)

// Allowed reports whether op may start while the cluster (or, for
// OpNodeGroup, the node group) is in status s.
//
//   - update, upgrade, CA rotation: a settled *_COMPLETE status;
//   - resize, credential rotation, node-group operations: also
//     UPDATE_IN_PROGRESS and UPDATE_FAILED, so an autoscaler may call again
//     and recover a failed update;
//   - delete: anything but DELETE_COMPLETE, so a failed or stuck cluster can
//     always be removed.
//
// An unknown operation or a status that is not one of Statuses() allows
// nothing.
func Allowed(op Operation, s Status) bool {
	if !s.known() {
		return false
	}
	switch op {
	case OpUpdate, OpUpgrade, OpRotateCA:
		return s.Complete()
	case OpResize, OpRotateCredential, OpNodeGroup:
		return s.Complete() || s == UpdateInProgress || s == UpdateFailed
	case OpDelete:
		return s != DeleteComplete
	}
	return false
}

// Operations lists every operation.
func Operations() []Operation {
	return []Operation{OpUpdate, OpResize, OpUpgrade, OpRotateCA, OpRotateCredential, OpNodeGroup, OpDelete}
}

// CheckAllowed returns nil if op may start in status s, else an ErrConflict
// error naming the status. An unknown operation is an ErrInvalid error.
func CheckAllowed(op Operation, s Status) error {
	if Allowed(op, s) {
		return nil
	}
	if !slices.Contains(Operations(), op) {
		return errdefs.Invalid("operation", "unknown operation %q", op)
	}
	var ok []string
	for _, st := range Statuses() {
		if Allowed(op, st) {
			ok = append(ok, string(st))
		}
	}
	return &errdefs.Error{Kind: errdefs.ErrConflict, Field: "status",
		Reason: fmt.Sprintf("cannot %s while in status %s (allowed in: %s)", op, orNew(s), strings.Join(ok, ", "))}
}
