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
// # Clusters
//
// With a cloud configured (Config.Orchestrator for Heat, Config.Resources and
// Config.Images for the checks — an *openstack.Cloud provides all three, and
// openstack/openstacktest fakes one), the Manager runs whole cluster
// lifecycles. CreateCluster, ResizeCluster, UpdateCluster and DeleteCluster
// validate everything first, record their intent in the store and return at
// once; the cloud work runs in the background and the status-sync loop
// (Run, or SyncOnce called by the program) moves clusters on, with one Heat
// list call per tick however many clusters are in flight:
//
//	go mgr.Run(ctx) // until ctx ends or mgr.Close
//	c, err := mgr.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "k8s"})
//	c, err = mgr.Wait(ctx, c.UUID) // CREATE_COMPLETE, or a failure with its reason
//	c, err = mgr.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 3})
//	err = mgr.DeleteCluster(ctx, "prod")
//
// Every operation is re-entrant: a process that dies midway leaves its
// intent in the store, and the sync of any Manager sharing the store
// finishes it — a stack created but never recorded is adopted by its tag,
// never created twice (stack names are a function of the cluster). Quotas
// (clusters and nodes per project) hold across all Managers of a store.
//
// Errors carry the kinds of package errdefs (repeated here as ErrNotFound,
// ErrInvalid, …) for errors.Is, and details (resource, field, reason) for
// errors.As with *errdefs.Error.
package magnum
