package driver

import (
	"context"
	"crypto/x509"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// Health is the result of one health poll: Magnum's health_status and
// health_status_reason (e.g. {"api": "ok", "<node>.Ready": "True"}).
type Health struct {
	Status  cluster.HealthStatus
	Reasons map[string]string
}

// HealthRequest is what a health poll reads. Drivers treat it as
// read-only.
type HealthRequest struct {
	Template   *template.ClusterTemplate
	Cluster    *cluster.Cluster // Labels are the effective (merged) labels
	NodeGroups []*cluster.NodeGroup
	// CA is the certificate of the cluster's CA (certs.CAKubernetes) the
	// COE API's certificate must chain to.
	CA *x509.Certificate
	// Client is the admin client key pair the poll authenticates with. It
	// holds a private key: never log it.
	Client *certs.KeyPair
}

// HealthChecker is an optional ability of a driver: polling the health of
// its clusters (Magnum's monitor health check). The Manager looks for it on
// the driver as registered, so a driver run through a backend adapter
// (heat.Backend) keeps it.
type HealthChecker interface {
	Driver
	// ReportsOwnHealth reports whether something inside clusters with
	// these effective labels reports their health itself (an auto-healer
	// that patches health_status), so that they must not be polled.
	ReportsOwnHealth(l labels.Labels) bool
	// CheckHealth polls one cluster. It never fails: what goes wrong is in
	// the status (UNKNOWN when the cluster cannot be reached) and reasons.
	// It honours ctx; a cancelled poll is UNKNOWN.
	CheckHealth(ctx context.Context, req *HealthRequest) Health
}
