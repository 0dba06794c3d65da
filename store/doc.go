// Package store persists gomagnum's records: cluster templates, clusters and
// node groups, and the heartbeats of the services sharing them ([Service]).
//
// [Store.CreateClusterWithin] and [Store.UpdateClusterWithin] enforce a
// project's [Quota] (clusters, nodes) atomically: of many concurrent
// creates, from any number of processes on one database, exactly as many as
// the quota allows succeed; the rest fail with errdefs.ErrQuotaExceeded and
// store nothing.
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
