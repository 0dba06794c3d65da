package cluster

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomagnum/magnum/errdefs"
)

// Status is the lifecycle status of a cluster or node group. The values
// mirror Heat's stack statuses, as in Magnum.
type Status string

// The statuses.
const (
	CreateInProgress   Status = "CREATE_IN_PROGRESS"
	CreateFailed       Status = "CREATE_FAILED"
	CreateComplete     Status = "CREATE_COMPLETE"
	UpdateInProgress   Status = "UPDATE_IN_PROGRESS"
	UpdateFailed       Status = "UPDATE_FAILED"
	UpdateComplete     Status = "UPDATE_COMPLETE"
	DeleteInProgress   Status = "DELETE_IN_PROGRESS"
	DeleteFailed       Status = "DELETE_FAILED"
	DeleteComplete     Status = "DELETE_COMPLETE"
	ResumeComplete     Status = "RESUME_COMPLETE"
	ResumeFailed       Status = "RESUME_FAILED"
	RestoreComplete    Status = "RESTORE_COMPLETE"
	RollbackInProgress Status = "ROLLBACK_IN_PROGRESS"
	RollbackFailed     Status = "ROLLBACK_FAILED"
	RollbackComplete   Status = "ROLLBACK_COMPLETE"
	SnapshotComplete   Status = "SNAPSHOT_COMPLETE"
	CheckComplete      Status = "CHECK_COMPLETE"
	AdoptComplete      Status = "ADOPT_COMPLETE"
)

// Statuses lists every status, in Magnum's order.
func Statuses() []Status {
	return []Status{
		CreateInProgress, CreateFailed, CreateComplete,
		UpdateInProgress, UpdateFailed, UpdateComplete,
		DeleteInProgress, DeleteFailed, DeleteComplete,
		ResumeComplete, ResumeFailed, RestoreComplete,
		RollbackInProgress, RollbackFailed, RollbackComplete,
		SnapshotComplete, CheckComplete, AdoptComplete,
	}
}

// ParseStatus returns the Status named s, or an ErrInvalid error.
func ParseStatus(s string) (Status, error) {
	st := Status(s)
	if !st.known() {
		return "", errdefs.Invalid("status", "unknown status %q", s)
	}
	return st, nil
}

// known reports whether s is one of Statuses().
func (s Status) known() bool { return slices.Contains(Statuses(), s) }

// InProgress reports whether work is under way (the statuses status sync follows).
func (s Status) InProgress() bool { return strings.HasSuffix(string(s), "_IN_PROGRESS") }

// Failed reports whether the status is a failure (those show faults).
func (s Status) Failed() bool { return strings.HasSuffix(string(s), "_FAILED") }

// Complete reports whether the status is one of the *_COMPLETE statuses
// other than DELETE_COMPLETE: a settled, usable cluster.
func (s Status) Complete() bool {
	return strings.HasSuffix(string(s), "_COMPLETE") && s != DeleteComplete
}

// Action is the part before the last underscore: CREATE, UPDATE, DELETE, …
func (s Status) Action() string {
	i := strings.LastIndexByte(string(s), '_')
	if i < 0 {
		return string(s)
	}
	a := string(s[:i])
	return strings.TrimSuffix(a, "_IN") // "CREATE_IN_PROGRESS" → "CREATE"
}

// HealthStatus is the result of the last health poll.
type HealthStatus string

// The health statuses; the zero value means "never polled".
const (
	Healthy   HealthStatus = "HEALTHY"
	Unhealthy HealthStatus = "UNHEALTHY"
	Unknown   HealthStatus = "UNKNOWN"
)

// ParseHealthStatus returns the HealthStatus named s, or an ErrInvalid error.
func ParseHealthStatus(s string) (HealthStatus, error) {
	switch h := HealthStatus(s); h {
	case Healthy, Unhealthy, Unknown:
		return h, nil
	}
	return "", errdefs.Invalid("health_status", "unknown health status %q (allowed: HEALTHY, UNHEALTHY, UNKNOWN)", s)
}

// transitions lists, for each status, the statuses it may move to. The empty
// status is a record that does not exist yet.
var transitions = map[Status][]Status{
	"":                 {CreateInProgress},
	CreateInProgress:   {CreateComplete, CreateFailed, RollbackInProgress, DeleteInProgress},
	CreateFailed:       {DeleteInProgress},
	UpdateInProgress:   {UpdateComplete, UpdateFailed, UpdateInProgress, RollbackInProgress, DeleteInProgress},
	UpdateFailed:       {UpdateInProgress, DeleteInProgress},
	RollbackInProgress: {RollbackComplete, RollbackFailed, DeleteInProgress},
	RollbackFailed:     {DeleteInProgress},
	DeleteInProgress:   {DeleteComplete, DeleteFailed, DeleteInProgress},
	DeleteFailed:       {DeleteInProgress},
	ResumeFailed:       {DeleteInProgress},
	DeleteComplete:     nil,
}

// CanTransition reports whether a record may move from one status to
// another. Every settled *_COMPLETE status (see Complete) may start an update
// or a delete. Staying in a settled status is always allowed. A status that
// is not one of Statuses() (other than the empty "from" of a new record)
// allows nothing.
func CanTransition(from, to Status) bool {
	if !to.known() || (from != "" && !from.known()) {
		return false
	}
	if from == to && !from.InProgress() {
		return true
	}
	if from.Complete() {
		return to == UpdateInProgress || to == DeleteInProgress
	}
	return slices.Contains(transitions[from], to)
}

// Transition returns nil if from → to is legal, else an ErrConflict error.
func Transition(from, to Status) error {
	if CanTransition(from, to) {
		return nil
	}
	return &errdefs.Error{Kind: errdefs.ErrConflict, Field: "status",
		Reason: fmt.Sprintf("cannot move from %s to %s", orNew(from), to)}
}

func orNew(s Status) string {
	if s == "" {
		return "(new)"
	}
	return string(s)
}
