package mesos

import (
	"context"
	"net/http"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/labels"
)

// The Driver polls its clusters' health.
var _ driver.HealthChecker = (*Driver)(nil)

// ReportsOwnHealth implements driver.HealthChecker: nothing in a Mesos
// cluster reports its health itself, so every cluster is polled.
func (d *Driver) ReportsOwnHealth(labels.Labels) bool { return false }

// CheckHealth implements driver.HealthChecker with a HealthMonitor: the
// stack's features tell whether the masters are reachable from outside,
// then the leading master's state is read over plain HTTP (Mesos clusters
// have no TLS; req.CA and req.Client are not used). Connections are not
// kept between polls.
func (d *Driver) CheckHealth(ctx context.Context, req *driver.HealthRequest) driver.Health {
	if req == nil || req.Cluster == nil || req.Template == nil {
		return driver.Health{Status: cluster.Unknown, Reasons: map[string]string{"api": "no cluster given"}}
	}
	features, err := d.Features(Input{Template: req.Template, Cluster: req.Cluster, NodeGroups: req.NodeGroups})
	if err != nil {
		return driver.Health{Status: cluster.Unknown, Reasons: map[string]string{"api": "cannot poll: " + cleanText(reasonOf(err))}}
	}
	tr := &http.Transport{}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = def.Clone()
	}
	tr.DisableKeepAlives = true
	m := HealthMonitor{Transport: tr}
	h := m.Check(ctx, HealthTarget{Cluster: req.Cluster, Features: features})
	return driver.Health{Status: h.Status, Reasons: h.Reasons}
}
