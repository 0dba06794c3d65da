package openstack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gomagnum/magnum/heat"
)

// StackFailedError reports a stack whose action failed: it ended in
// *_FAILED, or was rolled back (ROLLBACK_*). Failures holds the failed
// resources Heat reported, if they could be read.
type StackFailedError struct {
	Stack    heat.Stack
	Failures []heat.ResourceFailure
}

// Error names the stack, its status and the innermost failed resources with
// their reasons, e.g. "heat: stack k8s-x (id) CREATE_FAILED:
// kube_minions.0.server: ResourceInError: ... No valid host was found".
func (e *StackFailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "heat: stack %s (%s) %s", e.Stack.Name, e.Stack.ID, e.Stack.Status)
	leaves := LeafFailures(e.Failures)
	switch {
	case len(leaves) > 0:
		for i, f := range leaves {
			if i == 3 {
				fmt.Fprintf(&b, "; and %d more", len(leaves)-3)
				break
			}
			sep := "; "
			if i == 0 {
				sep = ": "
			}
			fmt.Fprintf(&b, "%s%s: %s", sep, f.Resource, f.Reason)
		}
	case e.Stack.StatusReason != "":
		b.WriteString(": " + e.Stack.StatusReason)
	}
	return b.String()
}

// LeafFailures keeps the innermost failures: those no other failure is
// nested under. Heat marks a whole chain failed (group, member, server);
// the leaf carries the cause.
func LeafFailures(fs []heat.ResourceFailure) []heat.ResourceFailure {
	var out []heat.ResourceFailure
	for _, f := range fs {
		leaf := true
		for _, g := range fs {
			if strings.HasPrefix(g.Resource, f.Resource+".") {
				leaf = false
				break
			}
		}
		if leaf {
			out = append(out, f)
		}
	}
	return out
}

// WaitOptions tune Wait. The zero value polls every 10 seconds, Magnum's
// default sync interval.
type WaitOptions struct {
	// Interval is the time between polls; 0 means 10s.
	Interval time.Duration
	// Sleep waits between polls; nil waits on a timer (tests inject one).
	Sleep func(ctx context.Context, d time.Duration) error
	// WithOutputs fetches the outputs once the stack completes.
	WithOutputs bool
}

// Wait polls a stack until its action ends. A completed stack is returned
// (with outputs if opts.WithOutputs); a failed or rolled-back one is
// returned together with a *StackFailedError carrying the failed
// resources' reasons (from FailedResources). A stack that is gone — the end
// of a delete — gives an error matching errdefs.ErrNotFound. Wait returns
// when ctx ends. It costs one GET per poll, plus one for the outputs and
// one resource listing on failure.
func Wait(ctx context.Context, o heat.Orchestrator, id string, opts WaitOptions) (*heat.Stack, error) {
	interval := opts.Interval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	sleep := opts.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	for {
		s, err := o.GetStack(ctx, id, false)
		if err != nil {
			return nil, err
		}
		switch {
		case strings.HasSuffix(s.Status, "_IN_PROGRESS"):
		case strings.HasSuffix(s.Status, "_FAILED") || strings.HasPrefix(s.Status, "ROLLBACK_"):
			fe := &StackFailedError{Stack: *s}
			fs, ferr := o.FailedResources(ctx, id)
			if ferr == nil {
				fe.Failures = fs
			} else if ctx.Err() != nil {
				return nil, ferr
			}
			return s, fe
		case opts.WithOutputs:
			return o.GetStack(ctx, id, true)
		default:
			return s, nil
		}
		if err := sleep(ctx, interval); err != nil {
			return nil, fmt.Errorf("heat: waiting for stack %s: %w", id, err)
		}
	}
}
