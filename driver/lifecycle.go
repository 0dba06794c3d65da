package driver

import (
	"context"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/template"
)

// Request is what a lifecycle call reads: the cluster and its template and
// node groups as the Manager recorded them, the choices of the operation,
// and how nodes reach back to the program that runs the cluster. Drivers
// may write results (addresses, counts) into Cluster and NodeGroups only in
// Finish; elsewhere they treat the request as read-only.
type Request struct {
	Template   *template.ClusterTemplate
	Cluster    *cluster.Cluster // Labels are the effective (merged) labels
	NodeGroups []*cluster.NodeGroup

	// Name is the backend name of the cluster's resources (a Heat stack
	// name). It is a pure function of the cluster, so a create that is
	// retried after a crash asks for the same name and cannot duplicate.
	Name string
	// Timeout bounds a create (0: the cluster's create_timeout).
	Timeout time.Duration
	// NodesToRemove are the nodes a shrinking resize removes first (server
	// ids or the backend's member names).
	NodesToRemove []string
	// Rollback asks the backend to undo a failed update.
	Rollback bool
	// Nodes is what the cluster's nodes need to reach back.
	Nodes NodeAccess

	// Group is the non-default node group a NodeGroupDriver call is
	// about (Name is then the group's backend name); nil otherwise.
	Group *cluster.NodeGroup
	// Upgrade is what an Upgrader call moves the cluster to; nil
	// otherwise. Template stays the template the cluster runs now.
	Upgrade *Upgrade
	// PreviousCACerts are, in a CARotator call, the PEM certificates of
	// the CAs being replaced, by CA type; nil otherwise.
	PreviousCACerts map[string][]byte
}

// NodeAccess is how a cluster's nodes reach the embedding program and the
// cloud: the certificate API that signs their CSRs, Keystone, and the
// credentials they authenticate with. It holds no CA private key.
type NodeAccess struct {
	// SignURL is the base URL of the certificate API (Magnum's magnum_url).
	SignURL string
	// AuthURL is the Keystone v3 endpoint nodes get tokens from.
	AuthURL string
	// RegionName is the OpenStack region.
	RegionName string
	// CACerts are the PEM certificates of the cluster's CAs by CA type
	// ("kubernetes", "etcd", "front-proxy"); a missing one is fetched by
	// the nodes from SignURL.
	CACerts map[string][]byte
	// Trustee is what nodes authenticate as. It is secret.
	Trustee Trustee
	// OpenStackCA is a PEM bundle nodes trust for AuthURL and SignURL;
	// empty: the system roots.
	OpenStackCA []byte
	// InsecureSkipVerify makes nodes skip TLS verification. Avoid.
	InsecureSkipVerify bool
}

// Trustee are the credentials a cluster's nodes use toward OpenStack and
// the certificate API. The password is a secret: never log it.
type Trustee struct {
	UserID   string
	Password string
	TrustID  string
}

// String hides the password.
func (t Trustee) String() string { return "trustee " + t.UserID }

// ClusterDriver builds, changes and removes clusters. Every method that
// acts may be called again after a crash or an ambiguous failure (a
// timeout, a 5xx) and must then converge rather than duplicate: Create
// adopts what an earlier Create made under req.Name, Delete of something
// already gone succeeds.
type ClusterDriver interface {
	Driver
	// Validate applies the driver's rules to a create or resize request
	// (labels, master counts, …) before anything happens. No I/O. Errors
	// are errdefs.ErrInvalid, each naming its field.
	Validate(req *Request) error
	// Create starts building the cluster and returns the backend's
	// reference to it (a Heat stack id). It does not wait.
	Create(ctx context.Context, req *Request) (ref string, err error)
	// Resize starts changing the node counts to those of req.NodeGroups,
	// removing req.NodesToRemove first when the workers shrink.
	Resize(ctx context.Context, req *Request) error
	// Delete starts removing the cluster's resources. A backend resource
	// that does not exist is not an error.
	Delete(ctx context.Context, req *Request) error
	// Finish copies what a completed operation produced (API address,
	// node addresses, node counts) into req.Cluster and req.NodeGroups.
	Finish(ctx context.Context, req *Request) error
	// Faults explains a failed cluster: failed part → reason.
	Faults(ctx context.Context, req *Request) (map[string]string, error)
	// Observer returns what reports the state of this driver's clusters.
	// Drivers that share a backend return the same Observer, so that one
	// status-sync tick asks each backend once for all of its clusters.
	Observer() Observer
}

// Target names one cluster an Observer reports on.
type Target struct {
	ClusterID string // the cluster's UUID
	Ref       string // the backend reference recorded by Create ("" if never recorded)
	Name      string // Request.Name
}

// Observation is the backend's view of one cluster.
type Observation struct {
	// Ref is the backend reference; for a target without one it is what
	// was found under the cluster's tag or name (adopt it).
	Ref string
	// Status is the backend's status of the last operation, in cluster
	// status terms (e.g. CREATE_COMPLETE). Empty when Gone.
	Status cluster.Status
	// Reason is the backend's explanation of Status.
	Reason string
	// Gone reports that the backend has no resources for the cluster.
	Gone bool
}

// Observer reports the state of many clusters at once; a Heat-backed
// observer answers with one stack list call however many there are.
type Observer interface {
	// Observe returns an observation per target, keyed by ClusterID. A
	// target with a Ref is reported Gone only when that is confirmed; one
	// without is Gone when the backend shows nothing for it (Create adopts
	// what such a view missed).
	Observe(ctx context.Context, targets []Target) (map[string]Observation, error)
}
