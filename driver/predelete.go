package driver

import "context"

// PreDeleter is a driver that cleans up before a cluster's own resources
// are deleted: what the cluster's workloads made in the cloud behind the
// backend's back — load balancers of Kubernetes services, volumes of
// persistent volume claims — and what would otherwise block the delete or
// leak. The Manager calls it before every delete attempt with a bounded
// wait (Config.PreDeleteTimeout); when it cannot finish, the delete goes
// on and the reason is recorded, so that a delete always completes or
// fails for a reason the cloud gives, and can be retried.
type PreDeleter interface {
	PreDelete(ctx context.Context, req *Request) error
}
