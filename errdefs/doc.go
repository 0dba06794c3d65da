// Package errdefs defines the kinds of failure every gomagnum package reports.
//
// Each kind is a sentinel error checked with [errors.Is]; the details of a failure
// (which resource, which field, why) travel in an [*Error] that wraps the sentinel
// and can be unpacked with [errors.As]. A validation that finds several problems
// returns them all joined, and [Problems] lists them.
//
//	err := mgr.DeleteClusterTemplate(ctx, "k8s")
//	switch {
//	case errors.Is(err, errdefs.ErrNotFound):
//		// no such template visible to the caller
//	case errors.Is(err, errdefs.ErrInUse):
//		// clusters still use it
//	}
//
// The kinds mirror Magnum's HTTP status families (invalid → 400, forbidden → 403,
// not found → 404, conflict → 409) so an API layer can map them one to one.
package errdefs
