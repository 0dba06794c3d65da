package swarm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/safetext"
)

// Health is the result of one health poll: Magnum's health_status and
// health_status_reason ({"api": "ok", "<node>.Ready": "True", …}).
type Health struct {
	Status  cluster.HealthStatus
	Reasons map[string]string
}

// HealthTarget is the cluster a poll looks at.
type HealthTarget struct {
	// Cluster's Name, APIAddress and NodeCount are used: the managers
	// should list NodeCount nodes.
	Cluster *cluster.Cluster
	// Features are the stack's structural choices (Driver.StackFeatures):
	// whether the API is reachable from outside (a floating IP on the load
	// balancer or on the managers) and whether it speaks TLS.
	Features heat.Features
	// CA is the cluster CA the managers' certificate must chain to, and
	// Client the client key pair the poll presents; unused with TLS
	// disabled. Client holds a private key: never log it.
	CA     *x509.Certificate
	Client *certs.KeyPair
}

// HealthMonitor polls the health of Swarm clusters (Magnum's SwarmMonitor,
// reduced to health): GET /_ping and /info on the managers' Docker API,
// with the client certificate over TLS, the server verified against the
// cluster CA. HEALTHY when /_ping answers OK and the managers list every
// node of the cluster as healthy; UNHEALTHY otherwise; UNKNOWN when the API
// cannot be reached from outside the cluster network or does not answer.
// Its zero value is ready to use and safe for concurrent use.
type HealthMonitor struct {
	// Timeout bounds each request (0: 10s).
	Timeout time.Duration
	// Transport is the base of the transport the polls use (nil: a clone
	// of http.DefaultTransport); its TLS settings are replaced by the
	// target's.
	Transport *http.Transport
	// Logger receives a debug record per failed poll (nil: none).
	Logger *slog.Logger
}

// maxInfoBody bounds what a poll reads of /info.
const maxInfoBody = 4 << 20

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
		return Health{Status: cluster.Unknown, Reasons: map[string]string{"api": cleanText(reason)}}
	}
	if t.Cluster == nil || t.Cluster.APIAddress == "" || !heat.APIReachable(t.Features) {
		return unknown(fmt.Sprintf("The cluster %s is not accessible.", name))
	}
	tlsOn := true
	if off, _ := t.Features["tls_disabled"].(bool); off {
		tlsOn = false
	}
	base, client, err := m.client(t, tlsOn)
	if err != nil {
		return unknown("cannot poll: " + err.Error())
	}
	defer client.CloseIdleConnections()

	raw, status, err := m.get(ctx, client, base+"/_ping", 1024)
	if err != nil {
		m.debug("ping failed", name, err)
		return unknown("not reachable: " + err.Error())
	}
	ping := strings.TrimSpace(string(raw))
	reasons := map[string]string{"api": cleanText(ping)}
	healthy := status == http.StatusOK && ping == "OK"
	if status != http.StatusOK {
		reasons["api"] = cleanText(fmt.Sprintf("_ping answered %d %s", status, ping))
	}
	body, status, err := m.get(ctx, client, base+"/info", maxInfoBody)
	switch {
	case err != nil && ctx.Err() != nil:
		return unknown("not reachable: " + err.Error())
	case err != nil:
		m.debug("info failed", name, err)
		reasons["nodes"] = cleanText(err.Error())
		healthy = false
	case status != http.StatusOK:
		reasons["nodes"] = fmt.Sprintf("info answered %d", status)
		healthy = false
	default:
		nodes, err := ParseInfo(body)
		if err != nil {
			reasons["nodes"] = cleanText(err.Error())
			healthy = false
			break
		}
		for _, n := range nodes {
			key := cleanText(n.Name)
			reasons[key+".Ready"] = n.Ready()
			if n.Error != "" {
				reasons[key+".Error"] = cleanText(n.Error)
			}
			healthy = healthy && n.Ready() == "True"
		}
		if want := t.Cluster.NodeCount; len(nodes) < want {
			reasons["nodes"] = fmt.Sprintf("%d of %d nodes joined", len(nodes), want)
			healthy = false
		}
	}
	h := Health{Status: cluster.Unhealthy, Reasons: reasons}
	if healthy {
		h.Status = cluster.Healthy
	}
	return h
}

// client makes the base URL and the HTTP client of a target.
func (m *HealthMonitor) client(t HealthTarget, tlsOn bool) (string, *http.Client, error) {
	u, err := url.Parse(t.Cluster.APIAddress)
	if err != nil || u.Scheme != "tcp" || u.Host == "" || u.User != nil {
		return "", nil, errors.New("api_address is not tcp://host:port")
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return "", nil, errors.New("api_address is not tcp://host:port")
	}
	var tr *http.Transport
	switch {
	case m.Transport != nil:
		tr = m.Transport.Clone()
	default:
		if def, ok := http.DefaultTransport.(*http.Transport); ok {
			tr = def.Clone()
		} else {
			tr = &http.Transport{}
		}
	}
	scheme := "http"
	if tlsOn {
		if t.CA == nil || t.Client == nil || t.Client.Certificate == nil || t.Client.PrivateKey == nil {
			return "", nil, errors.New("the cluster CA and a client certificate are required")
		}
		pool := x509.NewCertPool()
		pool.AddCert(t.CA)
		tr.TLSClientConfig = &tls.Config{
			MinVersion:   tls.VersionTLS12,
			RootCAs:      pool,
			Certificates: []tls.Certificate{t.Client.TLSCertificate()},
		}
		scheme = "https"
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return scheme + "://" + u.Host, &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
}

// get reads at most limit bytes of a GET; transport errors are reduced to
// their reason (no addresses or certificates beyond what the error names).
func (m *HealthMonitor) get(ctx context.Context, c *http.Client, u string, limit int64) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, transportReason(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, 0, transportReason(err)
	}
	if int64(len(body)) > limit {
		return nil, 0, fmt.Errorf("the answer is larger than %d bytes", limit)
	}
	return body, resp.StatusCode, nil
}

// transportReason keeps the innermost cause of a transport error.
func transportReason(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (m *HealthMonitor) debug(msg, name string, err error) {
	if m.Logger != nil {
		m.Logger.Debug(msg, "cluster", name, "error", err)
	}
}

// SwarmNode is one engine as the managers list it.
type SwarmNode struct {
	Name    string
	Address string
	Status  string // Healthy, Pending, Unhealthy, …
	Error   string // empty for "(none)"
}

// Ready is the node's readiness in Kubernetes' words: "True" when swarm
// reports it Healthy, "False" when Unhealthy, else "Unknown".
func (n SwarmNode) Ready() string {
	switch n.Status {
	case "Healthy":
		return "True"
	case "Unhealthy":
		return "False"
	}
	return "Unknown"
}

// ParseInfo reads the nodes from a swarm manager's /info answer: the
// SystemStatus (DriverStatus on older managers) list of [key, value]
// pairs, where "Nodes" is followed by one " <name>" entry per node and its
// "  └ <field>" entries. A plain engine (no node list) yields no nodes.
// The answer is untrusted: anything but a JSON object is an error, and
// pairs of other shapes are skipped.
func ParseInfo(data []byte) ([]SwarmNode, error) {
	var info struct {
		SystemStatus json.RawMessage
		DriverStatus json.RawMessage
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, errors.New("info is not a JSON object")
	}
	status := info.SystemStatus
	if len(status) == 0 || string(status) == "null" {
		status = info.DriverStatus
	}
	if len(status) == 0 || string(status) == "null" {
		return nil, nil
	}
	var pairs []json.RawMessage
	if err := json.Unmarshal(status, &pairs); err != nil {
		return nil, errors.New("info's SystemStatus is not a list")
	}
	var nodes []SwarmNode
	inNodes := false
	for _, raw := range pairs {
		var kv []string
		if json.Unmarshal(raw, &kv) != nil || len(kv) != 2 {
			continue
		}
		key, val := kv[0], kv[1]
		trimmed := strings.TrimSpace(key)
		switch {
		case !strings.HasPrefix(key, " "):
			inNodes = trimmed == "Nodes"
		case !inNodes:
		case strings.HasPrefix(trimmed, "└"):
			if len(nodes) == 0 {
				continue
			}
			field := strings.TrimSpace(strings.TrimPrefix(trimmed, "└"))
			n := &nodes[len(nodes)-1]
			switch field {
			case "Status":
				n.Status = strings.TrimSpace(val)
			case "Error":
				if e := strings.TrimSpace(val); e != "(none)" {
					n.Error = e
				}
			}
		case trimmed != "":
			nodes = append(nodes, SwarmNode{Name: trimmed, Address: strings.TrimSpace(val)})
		}
	}
	return nodes, nil
}

// cleanText makes untrusted text safe to store and show: valid UTF-8, no
// control characters, at most maxReasonText bytes.
func cleanText(s string) string { return safetext.Clean(s, maxReasonText) }
