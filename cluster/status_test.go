package cluster

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
)

// completeSet is Magnum's set of settled statuses (§1.4): every *_COMPLETE
// except DELETE_COMPLETE.
var completeSet = []Status{
	CreateComplete, UpdateComplete, ResumeComplete, RestoreComplete,
	RollbackComplete, SnapshotComplete, CheckComplete, AdoptComplete,
}

func TestStatusesListsEveryValueOnce(t *testing.T) {
	// §2.1: eighteen values.
	want := []Status{
		"CREATE_IN_PROGRESS", "CREATE_FAILED", "CREATE_COMPLETE",
		"UPDATE_IN_PROGRESS", "UPDATE_FAILED", "UPDATE_COMPLETE",
		"DELETE_IN_PROGRESS", "DELETE_FAILED", "DELETE_COMPLETE",
		"RESUME_COMPLETE", "RESUME_FAILED", "RESTORE_COMPLETE",
		"ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE",
		"SNAPSHOT_COMPLETE", "CHECK_COMPLETE", "ADOPT_COMPLETE",
	}
	assert.Equal(t, want, Statuses())
	// A fresh slice every call: callers may not corrupt the enum.
	s := Statuses()
	s[0] = "X"
	assert.Equal(t, CreateInProgress, Statuses()[0])
}

func TestStatusHelpers(t *testing.T) {
	tests := []struct {
		s                            Status
		inProgress, failed, complete bool
		action                       string
	}{
		{CreateInProgress, true, false, false, "CREATE"},
		{CreateFailed, false, true, false, "CREATE"},
		{CreateComplete, false, false, true, "CREATE"},
		{UpdateInProgress, true, false, false, "UPDATE"},
		{UpdateFailed, false, true, false, "UPDATE"},
		{UpdateComplete, false, false, true, "UPDATE"},
		{DeleteInProgress, true, false, false, "DELETE"},
		{DeleteFailed, false, true, false, "DELETE"},
		{DeleteComplete, false, false, false, "DELETE"}, // gone, not settled
		{ResumeComplete, false, false, true, "RESUME"},
		{ResumeFailed, false, true, false, "RESUME"},
		{RestoreComplete, false, false, true, "RESTORE"},
		{RollbackInProgress, true, false, false, "ROLLBACK"},
		{RollbackFailed, false, true, false, "ROLLBACK"},
		{RollbackComplete, false, false, true, "ROLLBACK"},
		{SnapshotComplete, false, false, true, "SNAPSHOT"},
		{CheckComplete, false, false, true, "CHECK"},
		{AdoptComplete, false, false, true, "ADOPT"},
		{"", false, false, false, ""},
	}
	require.Len(t, tests, len(Statuses())+1, "every status is covered")
	for _, tt := range tests {
		t.Run(string(tt.s), func(t *testing.T) {
			assert.Equal(t, tt.inProgress, tt.s.InProgress(), "InProgress")
			assert.Equal(t, tt.failed, tt.s.Failed(), "Failed")
			assert.Equal(t, tt.complete, tt.s.Complete(), "Complete")
			assert.Equal(t, tt.action, tt.s.Action(), "Action")
		})
	}
}

func TestCompleteIsMagnumsSettledSet(t *testing.T) {
	var got []Status
	for _, s := range Statuses() {
		if s.Complete() {
			got = append(got, s)
		}
	}
	assert.ElementsMatch(t, completeSet, got)
}

func TestParseStatus(t *testing.T) {
	for _, s := range Statuses() {
		got, err := ParseStatus(string(s))
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	for _, bad := range []string{"", "create_complete", "CREATE_COMPLETE ", "CREATE", "ACTIVE", "X_COMPLETE", "CREATE_COMPLETE\n"} {
		t.Run(fmt.Sprintf("%q", bad), func(t *testing.T) {
			got, err := ParseStatus(bad)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			assert.Empty(t, got)
			p := errdefs.Problems(err)
			require.Len(t, p, 1)
			assert.Equal(t, "status", p[0].Field)
		})
	}
}

func TestParseHealthStatus(t *testing.T) {
	for _, h := range []HealthStatus{Healthy, Unhealthy, Unknown} {
		got, err := ParseHealthStatus(string(h))
		require.NoError(t, err)
		assert.Equal(t, h, got)
	}
	for _, bad := range []string{"", "healthy", "OK", "HEALTHY "} {
		t.Run(fmt.Sprintf("%q", bad), func(t *testing.T) {
			got, err := ParseHealthStatus(bad)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			assert.Empty(t, got)
			p := errdefs.Problems(err)
			require.Len(t, p, 1)
			assert.Equal(t, "health_status", p[0].Field)
		})
	}
}

// legalTransitions is the whole legal set, written out. Everything not
// listed is illegal.
var legalTransitions = map[Status][]Status{
	"":                 {CreateInProgress},
	CreateInProgress:   {CreateComplete, CreateFailed, RollbackInProgress, DeleteInProgress},
	CreateFailed:       {CreateFailed, DeleteInProgress},
	CreateComplete:     {CreateComplete, UpdateInProgress, DeleteInProgress},
	UpdateInProgress:   {UpdateInProgress, UpdateComplete, UpdateFailed, RollbackInProgress, DeleteInProgress},
	UpdateFailed:       {UpdateFailed, UpdateInProgress, DeleteInProgress},
	UpdateComplete:     {UpdateComplete, UpdateInProgress, DeleteInProgress},
	DeleteInProgress:   {DeleteInProgress, DeleteComplete, DeleteFailed},
	DeleteFailed:       {DeleteFailed, DeleteInProgress},
	DeleteComplete:     {DeleteComplete},
	ResumeComplete:     {ResumeComplete, UpdateInProgress, DeleteInProgress},
	ResumeFailed:       {ResumeFailed, DeleteInProgress},
	RestoreComplete:    {RestoreComplete, UpdateInProgress, DeleteInProgress},
	RollbackInProgress: {RollbackComplete, RollbackFailed, DeleteInProgress},
	RollbackFailed:     {RollbackFailed, DeleteInProgress},
	RollbackComplete:   {RollbackComplete, UpdateInProgress, DeleteInProgress},
	SnapshotComplete:   {SnapshotComplete, UpdateInProgress, DeleteInProgress},
	CheckComplete:      {CheckComplete, UpdateInProgress, DeleteInProgress},
	AdoptComplete:      {AdoptComplete, UpdateInProgress, DeleteInProgress},
}

func TestTransitionsAllPairs(t *testing.T) {
	froms := append([]Status{""}, Statuses()...)
	tos := append([]Status{""}, Statuses()...)
	require.Len(t, legalTransitions, len(froms), "the expected table covers every from-status")
	for _, from := range froms {
		for _, to := range tos {
			want := false
			for _, ok := range legalTransitions[from] {
				want = want || ok == to
			}
			name := fmt.Sprintf("%s->%s", orNew(from), orNew(to))
			assert.Equal(t, want, CanTransition(from, to), name)
			err := Transition(from, to)
			if want {
				assert.NoError(t, err, name)
				continue
			}
			if assert.Error(t, err, name) {
				assert.ErrorIs(t, err, errdefs.ErrConflict, name)
				assert.NotErrorIs(t, err, errdefs.ErrInvalid, name)
				assert.Contains(t, err.Error(), "cannot move from "+orNew(from)+" to "+string(to), name)
				p := errdefs.Problems(err)
				if assert.Len(t, p, 1, name) {
					assert.Equal(t, "status", p[0].Field, name)
				}
			}
		}
	}
	for from, tos := range legalTransitions {
		assert.Len(t, tos, len(uniq(tos)), "no duplicate in the expected row of %s", orNew(from))
	}
}

func TestTransitionsRefuseUnknownStatuses(t *testing.T) {
	for _, s := range Statuses() {
		assert.False(t, CanTransition("BOGUS_COMPLETE", s), "from unknown to %s", s)
		assert.False(t, CanTransition(s, "BOGUS_COMPLETE"), "from %s to unknown", s)
		assert.False(t, CanTransition(s, ""), "from %s back to new", s)
	}
	assert.False(t, CanTransition("X_COMPLETE", "X_COMPLETE"), "staying in an unknown status")
	assert.ErrorIs(t, Transition("X_COMPLETE", UpdateInProgress), errdefs.ErrConflict)
	assert.False(t, CanTransition("", ""))
}

func uniq[T comparable](xs []T) map[T]bool {
	m := map[T]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}
