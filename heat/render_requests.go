package heat

import "time"

// CreateRequest completes the rendered request that creates a stack: its
// name, its tags (the drivers tag a cluster's stacks with the cluster's
// UUID), the create timeout, and rollback disabled, so that a stack that
// failed stays for inspection.
func (r *Rendered) CreateRequest(name string, timeout time.Duration, tags ...string) StackRequest {
	req := r.Request
	req.Name = name
	req.Tags = tags
	req.Timeout = timeout
	req.DisableRollback = true
	return req
}

// ScaleUpdate is the stack update that resizes a stack: Heat's PATCH
// (existing=true) of params only, so nothing else of the stack is rebuilt.
// When params lack the parameter toRemove (the members to remove first),
// the update clears it, so that the victims of an earlier scale-down are
// forgotten. Rollback follows rollback.
func ScaleUpdate(params map[string]any, toRemove string, rollback bool) UpdateRequest {
	upd := UpdateRequest{Existing: true, Parameters: params, DisableRollback: !rollback}
	if _, ok := params[toRemove]; !ok {
		upd.ClearParameters = []string{toRemove}
	}
	return upd
}
