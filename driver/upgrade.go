package driver

import (
	"context"

	"github.com/gomagnum/magnum/template"
)

// Upgrade is the target of an upgrade: the template the cluster's nodes
// move to, replaced at most MaxBatchSize at a time, masters first.
type Upgrade struct {
	To           *template.ClusterTemplate
	MaxBatchSize int
}

// Upgrader is an optional ability of a ClusterDriver: moving a cluster to
// another template (new image, new COE version) by replacing its nodes in
// batches through the backend's rolling update, never by scripts changing
// nodes in place. req.Template is the template the cluster runs now and
// req.Upgrade the target; a rollback is an upgrade back to the previous
// template.
type Upgrader interface {
	ClusterDriver
	// ValidateUpgrade checks, without I/O, that the cluster may move from
	// req.Template to req.Upgrade.To: the driver's own rules (no version
	// downgrade, no skipped minor version, …). Errors are ErrInvalid
	// naming their field.
	ValidateUpgrade(req *Request) error
	// Upgrade starts the replacement; a repeated call converges. It does
	// not repeat ValidateUpgrade: a rollback to the previous template
	// skips those rules. req.Nodes is the cluster's full node access
	// (trustee, CAs), as for Create.
	Upgrade(ctx context.Context, req *Request) error
}
