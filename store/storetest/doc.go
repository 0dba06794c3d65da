// Package storetest is the conformance suite every store.Store passes.
//
// An implementation runs it from its own tests, giving a function that
// opens a new, empty store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			return store.NewMemory()
//		})
//	}
//
// The suite covers create/read/update/delete of templates, clusters and node
// groups; revisions and optimistic concurrency, including many goroutines
// updating one record; lookup by UUID or name; every filter; pagination by
// every sort key in both directions; referential rules (templates in use,
// atomic cluster creation, cascades, unique node-group names); project
// quotas on cluster creates and updates, including 50 goroutines racing for
// the last places; updates of a cluster with its node groups, all or
// nothing, including races for the quota and for one revision; service heartbeats and the service list; expiring
// leases (grant, renewal, refusal, takeover at expiry, release), including
// 20 goroutines racing for one free lease; that records
// are copies; that every field of every model round-trips (records are filled
// by reflection, so a field added to a model but not persisted fails); the
// normalised form of times; context cancellation; and a closed store.
package storetest
