package drivertest

import (
	"testing"
	"time"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// Case is one cluster the suite builds requests for: a template and the
// shape of a cluster made from it.
type Case struct {
	// Name names the case in subtest names and stack names.
	Name string
	// Template is the cluster template. The suite works on a copy with
	// Magnum's defaults applied (template.ApplyDefaults).
	Template *template.ClusterTemplate
	// Masters and Workers are the node counts (0: 1 master, 1 worker).
	Masters, Workers int
	// Labels overlay the template's labels on the cluster.
	Labels labels.Labels
	// MasterLBEnabled and FloatingIPEnabled override the template's.
	MasterLBEnabled, FloatingIPEnabled *bool
	// BadFields, for a bad case, are the error fields (errdefs.Error.Field,
	// e.g. "network_driver", "labels/swarm_strategy", "master_count") the
	// template validation or the driver's Validate must name. Every one
	// must be reported; others may be too.
	BadFields []string
}

// Env is what a live check gets: the request of a created cluster whose
// outputs were mapped by Finish, and the certificate manager holding its
// CAs (the suite's own, in memory).
type Env struct {
	Driver  driver.ClusterDriver
	Request *driver.Request
	Certs   *certs.Manager
}

// Options configure Run. Good is required; the rest has useful zero values.
type Options struct {
	// Good are templates the driver accepts: each passes template
	// validation against a registry holding the driver, the driver's
	// Validate, and (for a heat.StackDriver) renders a stack that passes
	// heat.Check. The first is the lifecycle's unless Lifecycle is set.
	Good []Case
	// Bad are templates or cluster shapes that must be refused with
	// errdefs.ErrInvalid naming each of their BadFields.
	Bad []Case
	// Combinations are further option combinations to validate and render
	// (a heat.StackDriver's each through the structural check).
	Combinations []Case
	// Lifecycle is the case taken through create → resize → delete
	// (nil: Good[0]).
	Lifecycle *Case
	// RequiredOutputs are the outputs every rendered top-level template
	// must declare (passed to heat.Check).
	RequiredOutputs []string
	// Alongside are drivers registered with the one under test, e.g. the
	// built-in ones a program also serves; the registry must accept all.
	Alongside []driver.Driver

	// Cloud returns the driver.ClusterDriver the lifecycle runs. Nil: a
	// heat.StackDriver runs on a fresh fake cloud (FakeCloud); a
	// driver.ClusterDriver runs as it is.
	Cloud func(t *testing.T, d driver.Driver) driver.ClusterDriver
	// Nodes is the NodeAccess of the requests. Its CACerts are filled
	// with the cluster's CAs; empty URLs and trustee get placeholders.
	Nodes driver.NodeAccess
	// MaxPolls bounds the observations waiting for an operation to settle
	// (0: 200); PollInterval is the pause between them (0: none, as the
	// fake cloud advances as it is read).
	MaxPolls     int
	PollInterval time.Duration
	// NodesToRemove picks, from the mapped request after a scale up, the
	// nodes the scale down names (nil: none named).
	NodesToRemove func(req *driver.Request) []string
	// Live are driver-specific checks run on the created cluster, after
	// Finish and before the resize (client configuration, addresses).
	Live map[string]func(t *testing.T, env Env)
	// SkipFaults skips the failure check (a create whose servers fail must
	// settle failed and Faults explain it), which needs the fake cloud.
	SkipFaults bool
}

func (o Options) maxPolls() int {
	if o.MaxPolls > 0 {
		return o.MaxPolls
	}
	return 200
}
