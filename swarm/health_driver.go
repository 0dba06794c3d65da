package swarm

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

// ReportsOwnHealth implements driver.HealthChecker: nothing inside a Swarm
// cluster reports its health, so every cluster is polled.
func (*Driver) ReportsOwnHealth(labels.Labels) bool { return false }

// CheckHealth implements driver.HealthChecker with a HealthMonitor: the
// stack's features tell whether the API is reachable from outside and
// speaks TLS, then /_ping and /info are read with the client certificate.
// Connections are not kept between polls.
func (d *Driver) CheckHealth(ctx context.Context, req *driver.HealthRequest) driver.Health {
	if req == nil || req.Cluster == nil || req.Template == nil {
		return driver.Health{Status: cluster.Unknown, Reasons: map[string]string{"api": "no cluster given"}}
	}
	features, err := d.StackFeatures(&driver.Request{Template: req.Template, Cluster: req.Cluster, NodeGroups: req.NodeGroups})
	if err != nil {
		return driver.Health{Status: cluster.Unknown, Reasons: map[string]string{"api": "cannot poll: " + cleanText(err.Error())}}
	}
	tr := &http.Transport{TLSHandshakeTimeout: 10 * time.Second}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = def.Clone()
	}
	tr.DisableKeepAlives = true
	m := HealthMonitor{Transport: tr}
	h := m.Check(ctx, HealthTarget{Cluster: req.Cluster, Features: features, CA: req.CA, Client: req.Client})
	return driver.Health{Status: h.Status, Reasons: h.Reasons}
}
