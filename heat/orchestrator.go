package heat

import (
	"context"
	"time"
)

// StackRequest is everything Heat needs to create a stack, held in memory:
// the top-level HOT template, the nested files it references, the
// environment and the parameters.
type StackRequest struct {
	Name        string            // stack name (Heat: unique per project)
	Template    []byte            // top-level HOT document (YAML or JSON)
	Files       map[string]string // nested templates and get_file contents, by the name the template uses
	Environment []byte            // environment document (resource_registry, parameter_defaults); may be empty
	Parameters  map[string]any    // parameter values; every user-supplied value travels here
	Tags        []string          // e.g. the cluster UUID, for adoption after a crash
	Timeout     time.Duration     // Heat timeout_mins (rounded up to whole minutes); 0: Heat's default
	// DisableRollback is Heat's disable_rollback. Magnum creates with
	// rollback disabled so a failed stack keeps its resources for diagnosis.
	DisableRollback bool
}

// UpdateRequest changes a stack. With Existing (Heat's PATCH) only the given
// parameters change and the stored template is reused; otherwise Template,
// Files and Environment replace the stack's.
type UpdateRequest struct {
	Existing        bool
	Template        []byte
	Files           map[string]string
	Environment     []byte
	Parameters      map[string]any
	ClearParameters []string // parameters to reset to their defaults (Existing only)
	Timeout         time.Duration
	DisableRollback bool
}

// Stack is Heat's view of a stack.
type Stack struct {
	ID           string
	Name         string
	Status       string // Heat's stack_status, e.g. "CREATE_COMPLETE"
	StatusReason string
	Tags         []string
	Parameters   map[string]string
	// Outputs maps output keys to their values. It is nil unless the stack
	// was fetched with outputs.
	Outputs   map[string]any
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ListFilter selects stacks. Empty fields do not filter.
type ListFilter struct {
	Tags []string // stacks that carry all these tags
	IDs  []string // stacks with one of these IDs
	// States are Heat's status part of stack_status ("IN_PROGRESS",
	// "COMPLETE", "FAILED"): stacks in any of them.
	States []string
}

// ResourceFailure is a resource of a stack (or of a nested stack) that failed.
type ResourceFailure struct {
	Resource string // logical name, dotted through nested stacks ("kube_masters.0.kube-master")
	Type     string // resource type, e.g. "OS::Nova::Server"
	Status   string // e.g. "CREATE_FAILED"
	Reason   string
}

// Orchestrator is the narrow part of Heat that drivers use. The openstack
// package implements it on gophercloud; heattest provides a fake.
//
// Errors carry errdefs kinds: ErrNotFound (404), ErrConflict (409),
// ErrInvalid (400, e.g. Heat rejected the template), ErrUnavailable (5xx or
// connection failures that survived retries).
type Orchestrator interface {
	// CreateStack submits a new stack and returns its ID without waiting.
	CreateStack(ctx context.Context, req StackRequest) (id string, err error)
	// UpdateStack changes the stack with the given ID.
	UpdateStack(ctx context.Context, id string, req UpdateRequest) error
	// DeleteStack starts deleting the stack; deleting a missing stack is ErrNotFound.
	DeleteStack(ctx context.Context, id string) error
	// GetStack returns the stack, with outputs resolved when withOutputs is set.
	GetStack(ctx context.Context, id string, withOutputs bool) (*Stack, error)
	// ListStacks returns the stacks that match f, without outputs, in one call.
	ListStacks(ctx context.Context, f ListFilter) ([]Stack, error)
	// FailedResources lists the failed resources of a stack and its nested stacks.
	FailedResources(ctx context.Context, id string) ([]ResourceFailure, error)
}
