package cluster

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

// allowedIn is, per operation, the statuses it may start in (§1.4, §1.5,
// §1.6, §2.2), written out.
var allowedIn = map[Operation][]Status{
	// PATCH node_count, upgrade, CA rotation: the settled set only.
	OpUpdate:   completeSet,
	OpUpgrade:  completeSet,
	OpRotateCA: completeSet,
	// resize, credential rotation and node-group operations: also while an
	// update runs or after it failed (the autoscaler case).
	OpResize:           append(append([]Status{}, completeSet...), UpdateInProgress, UpdateFailed),
	OpRotateCredential: append(append([]Status{}, completeSet...), UpdateInProgress, UpdateFailed),
	OpNodeGroup:        append(append([]Status{}, completeSet...), UpdateInProgress, UpdateFailed),
	// delete: anything still existing.
	OpDelete: {
		CreateInProgress, CreateFailed, CreateComplete,
		UpdateInProgress, UpdateFailed, UpdateComplete,
		DeleteInProgress, DeleteFailed,
		ResumeComplete, ResumeFailed, RestoreComplete,
		RollbackInProgress, RollbackFailed, RollbackComplete,
		SnapshotComplete, CheckComplete, AdoptComplete,
	},
}

func TestOperationsListsEveryOperation(t *testing.T) {
	assert.ElementsMatch(t,
		[]Operation{"update", "resize", "upgrade", "rotate_ca", "rotate_credential", "nodegroup", "delete"},
		Operations())
	require.Len(t, allowedIn, len(Operations()), "the expected table covers every operation")
}

func TestAllowedAllStatuses(t *testing.T) {
	for _, op := range Operations() {
		ok := uniq(allowedIn[op])
		for _, s := range append([]Status{""}, Statuses()...) {
			name := fmt.Sprintf("%s in %s", op, orNew(s))
			want := ok[s]
			assert.Equal(t, want, Allowed(op, s), name)
			err := CheckAllowed(op, s)
			if want {
				assert.NoError(t, err, name)
				continue
			}
			if !assert.Error(t, err, name) {
				continue
			}
			assert.ErrorIs(t, err, errdefs.ErrConflict, name)
			assert.NotErrorIs(t, err, errdefs.ErrInvalid, name)
			p := errdefs.Problems(err)
			if assert.Len(t, p, 1, name) {
				assert.Equal(t, "status", p[0].Field, name)
			}
			msg := err.Error()
			assert.Contains(t, msg, "cannot "+string(op)+" while in status "+orNew(s), name)
			// The message lists where the operation is allowed, in
			// Statuses() order.
			var list []string
			for _, st := range Statuses() {
				if ok[st] {
					list = append(list, string(st))
				}
			}
			assert.Contains(t, msg, "(allowed in: "+strings.Join(list, ", ")+")", name)
		}
	}
}

// TestAllowedOperationsCanStart checks the operation preconditions against
// the status machine: whenever an operation may start, the move it makes
// (to UPDATE_IN_PROGRESS, or DELETE_IN_PROGRESS for delete) is legal.
func TestAllowedOperationsCanStart(t *testing.T) {
	for _, op := range Operations() {
		target := UpdateInProgress
		if op == OpDelete {
			target = DeleteInProgress
		}
		for _, s := range Statuses() {
			if Allowed(op, s) {
				assert.True(t, CanTransition(s, target), "%s allowed in %s but %s->%s is illegal", op, s, s, target)
			}
		}
	}
}

func TestAllowedRefusesUnknowns(t *testing.T) {
	for _, op := range Operations() {
		assert.False(t, Allowed(op, "BOGUS_COMPLETE"), "%s in an unknown *_COMPLETE status", op)
		err := CheckAllowed(op, "BOGUS_COMPLETE")
		assert.ErrorIs(t, err, errdefs.ErrConflict)
	}
	for _, s := range Statuses() {
		assert.False(t, Allowed("frobnicate", s))
		err := CheckAllowed("frobnicate", s)
		require.Error(t, err)
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "an unknown operation is a caller error")
		assert.NotErrorIs(t, err, errdefs.ErrConflict)
		p := errdefs.Problems(err)
		require.Len(t, p, 1)
		assert.Equal(t, "operation", p[0].Field)
		assert.Contains(t, p[0].Reason, `"frobnicate"`)
	}
}
