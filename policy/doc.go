// Package policy carries the caller's identity in a context and decides what
// the caller may do.
//
// The Manager reads the [Caller] from each call's context, scopes every read
// and write to the caller's project, and asks a [Policy] about each action.
// [Default] follows Magnum's default rules; supply your own to change them.
//
//	ctx = policy.WithCaller(ctx, policy.Caller{UserID: "alice", ProjectID: "p1", Roles: []string{"member"}})
//	t, err := mgr.CreateClusterTemplate(ctx, &template.ClusterTemplate{...})
package policy
