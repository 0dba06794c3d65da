// Package store persists gomagnum's records: cluster templates, clusters and
// node groups, and the heartbeats of the services sharing them ([Service]).
//
// [Store.CreateClusterWithin], [Store.UpdateClusterWithin] and
// [Store.UpdateClusterGroups] enforce a project's [Quota] (clusters, nodes)
// atomically: of many concurrent creates, from any number of processes on
// one database, exactly as many as the quota allows succeed; the rest fail
// with errdefs.ErrQuotaExceeded and store nothing.
//
// [QuotaRecord]s are the explicit per-project limits an admin sets
// (Magnum's quota rows, resource [ResourceCluster] or [ResourceNode]),
// unique per project and resource; the Manager turns them into the Quota it
// passes to the writes above.
//
// [Store.UpdateClusterGroups] writes a cluster together with some of its
// node groups, each at its revision, all or nothing, so that a crash
// cannot leave a cluster's counts and its groups' apart.
//
// [Store.AcquireLease] and [Store.ReleaseLease] manage expiring leases,
// with which several Managers sharing one database elect the one that runs
// the status sync: of many holders acquiring a free lease at once, from any
// number of processes, exactly one gets it, until it expires or is
// released. The holder renews it by acquiring it again:
//
//	ok, err := s.AcquireLease(ctx, "status-sync", "host-a/4711", now, 30*time.Second)
//	if err == nil && ok {
//		// this Manager runs the sync until now+30s, unless it renews
//	}
//
// [Store] is the contract; storetest holds the conformance suite every
// implementation passes. Two implementations ship: [NewMemory], for tests
// and short-lived programs, and the SQL store in store/sqlstore (SQLite
// embedded by default, with versioned migrations).
//
// Writes use optimistic concurrency: each record has a Revision, and an
// update from a stale copy fails with errdefs.ErrConflict instead of losing
// the other writer's change.
//
//	s := store.NewMemory()
//	defer s.Close()
//	err := s.CreateTemplate(ctx, t) // t.Revision == 1
//	t.Name = "renamed"
//	err = s.UpdateTemplate(ctx, t)  // t.Revision == 2
package store
