package k8s

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/safetext"
	"github.com/gomagnum/magnum/labels"
)

// Health is the result of one health poll: the status and its reasons,
// Magnum's health_status and health_status_reason ({"api": "ok",
// "<node>.Ready": "True", …}).
type Health struct {
	Status  cluster.HealthStatus
	Reasons map[string]string
}

// HealthTarget is the cluster a poll looks at.
type HealthTarget struct {
	Cluster *cluster.Cluster // its Name and APIAddress are used
	// Features are the cluster stack's structural choices (Driver.Features):
	// they tell whether the API is reachable from outside (a floating IP on
	// the load balancer or on the masters).
	Features heat.Features
	// CA and Client are the cluster CA and the admin client key pair
	// (certs.Manager.CA and ClientKeyPair); unused with TLS disabled.
	CA     *x509.Certificate
	Client *certs.KeyPair
}

// HealthMonitor polls the health of Kubernetes clusters (Magnum's K8sMonitor
// health check): GET /healthz and the node list over TLS with the admin
// client certificate. HEALTHY only when /healthz answers "ok" and every
// node is Ready; UNHEALTHY otherwise; UNKNOWN when the API cannot be
// reached from outside the cluster network or does not answer. Its zero
// value is ready to use and safe for concurrent use.
type HealthMonitor struct {
	// Timeout bounds each request (0: 10s).
	Timeout time.Duration
	// Transport carries the requests (nil: a clone of the default).
	Transport *http.Transport
	// Logger receives a debug record per poll (nil: none).
	Logger *slog.Logger
}

// HealthPolled reports whether the lifecycle should poll a cluster with
// these labels: not when magnum-auto-healer runs in the cluster and
// reports health itself (auto_healing_enabled=true with
// auto_healing_controller=magnum-auto-healer), as in Magnum.
func HealthPolled(l labels.Labels) bool {
	s, err := ParseSettings(l)
	if err != nil {
		return true
	}
	return !(s.AutoHealingEnabled && s.AutoHealingController == "magnum-auto-healer")
}

// APIReachable reports whether the cluster's API is reachable from outside
// its network, from the stack's features: a load balancer with a floating
// IP, or masters with floating IPs.
func APIReachable(f heat.Features) bool { return heat.APIReachable(f) }

// maxReasonText bounds each reason a poll reports.
const maxReasonText = 256

// Check polls the cluster once. It never fails: what goes wrong is in the
// status and reasons. Cancelling ctx ends the poll with UNKNOWN.
func (m *HealthMonitor) Check(ctx context.Context, t HealthTarget) Health {
	name := "?"
	if t.Cluster != nil {
		name = t.Cluster.Name
		if name == "" {
			name = t.Cluster.UUID
		}
	}
	unknown := func(reason string) Health {
		return Health{Status: cluster.Unknown, Reasons: map[string]string{"api": reason}}
	}
	if t.Cluster == nil || t.Cluster.APIAddress == "" || !APIReachable(t.Features) {
		return unknown(fmt.Sprintf("The cluster %s is not accessible.", cleanText(name)))
	}
	client, err := NewAPIClient(t.Cluster.APIAddress, APIClientOptions{CA: t.CA, Client: t.Client, Timeout: m.Timeout, Transport: m.Transport})
	if err != nil {
		return unknown("cannot poll: " + cleanText(err.Error()))
	}
	text, status, err := client.Healthz(ctx)
	if err != nil {
		m.debug("health poll failed", name, err)
		return unknown("not reachable: " + cleanText(reasonOf(err)))
	}
	reasons := map[string]string{"api": cleanText(text)}
	healthy := status == http.StatusOK && text == "ok"
	if status != http.StatusOK && text == "" {
		reasons["api"] = fmt.Sprintf("healthz answered %d", status)
	}
	nodes, err := client.Nodes(ctx)
	if err != nil {
		m.debug("node list failed", name, err)
		if ctx.Err() != nil {
			return unknown("not reachable: " + cleanText(reasonOf(err)))
		}
		reasons["nodes"] = cleanText(reasonOf(err))
		healthy = false
	}
	for _, n := range nodes {
		key := cleanText(n.Name)
		ready := n.Ready
		if ready == "" {
			ready = "Unknown"
		}
		reasons[key+".Ready"] = cleanText(ready)
		healthy = healthy && n.Ready == "True"
	}
	h := Health{Status: cluster.Unhealthy, Reasons: reasons}
	if healthy {
		h.Status = cluster.Healthy
	}
	return h
}

func (m *HealthMonitor) debug(msg, name string, err error) {
	if m.Logger != nil {
		m.Logger.Debug(msg, "cluster", name, "error", err)
	}
}

// reasonOf is an error's reason without its cause chain when it is an
// *errdefs.Error (transport details stay in the log).
func reasonOf(err error) string {
	var e *errdefs.Error
	if errors.As(err, &e) && e.Reason != "" {
		return e.Reason
	}
	return err.Error()
}

// cleanText makes untrusted text safe to store and show: valid UTF-8, no
// control characters, at most maxReasonText bytes.
func cleanText(s string) string { return safetext.Clean(s, maxReasonText) }
