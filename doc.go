// Package magnum is the façade of gomagnum, an embeddable Go SDK that does
// what OpenStack Magnum does — ClusterTemplates and Clusters of Kubernetes,
// Docker Swarm or Mesos nodes built on OpenStack through Heat — inside any Go
// program, with no daemon, no RPC bus and no database server.
//
// A [Manager] is built from a [Config] whose zero value works: an in-memory
// store, the built-in drivers and Magnum's default policy. Every call's
// context says who is asking (policy.WithCaller); every read and write is
// scoped to that caller's project.
//
//	mgr, err := magnum.New(magnum.Config{})
//	if err != nil { ... }
//	defer mgr.Close()
//	ctx = policy.WithCaller(ctx, policy.Caller{UserID: "alice", ProjectID: "demo"})
//	t, err := mgr.CreateClusterTemplate(ctx, &template.ClusterTemplate{
//		Name: "k8s", COE: "kubernetes", ImageID: "fedora-atomic-27",
//		ClusterDistro: "fedora-atomic", ExternalNetworkID: "public",
//	})
//	if errors.Is(err, magnum.ErrInvalid) {
//		for _, p := range errdefs.Problems(err) { fmt.Println(p.Field, p.Reason) }
//	}
//
// Errors carry the kinds of package errdefs (repeated here as ErrNotFound,
// ErrInvalid, …) for errors.Is, and details (resource, field, reason) for
// errors.As with *errdefs.Error.
package magnum
