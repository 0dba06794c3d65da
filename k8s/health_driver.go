package k8s

import (
	"context"
	"net/http"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/labels"
)

// The Driver polls its clusters' health.
var _ driver.HealthChecker = (*Driver)(nil)

// ReportsOwnHealth implements driver.HealthChecker: true when
// magnum-auto-healer runs in the cluster and patches its health itself
// (the opposite of HealthPolled).
func (d *Driver) ReportsOwnHealth(l labels.Labels) bool { return !HealthPolled(l) }

// CheckHealth implements driver.HealthChecker with a HealthMonitor: the
// stack's features tell whether the API is reachable from outside, then
// /healthz and the node list are read with the admin client certificate.
// Connections are not kept between polls.
func (d *Driver) CheckHealth(ctx context.Context, req *driver.HealthRequest) driver.Health {
	if req == nil || req.Cluster == nil {
		return driver.Health{Status: cluster.Unknown, Reasons: map[string]string{"api": "no cluster given"}}
	}
	features, err := d.Features(Input{Template: req.Template, Cluster: req.Cluster, NodeGroups: req.NodeGroups})
	if err != nil {
		return driver.Health{Status: cluster.Unknown,
			Reasons: map[string]string{"api": "cannot poll: " + cleanText(reasonOf(err))}}
	}
	// A transport per poll that keeps no idle connection, so polls leave
	// nothing open behind them.
	tr := &http.Transport{TLSHandshakeTimeout: 10 * time.Second}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = def.Clone()
	}
	tr.DisableKeepAlives = true
	m := HealthMonitor{Transport: tr}
	h := m.Check(ctx, HealthTarget{Cluster: req.Cluster, Features: features, CA: req.CA, Client: req.Client})
	return driver.Health{Status: h.Status, Reasons: h.Reasons}
}
