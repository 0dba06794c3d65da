package k8s

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/errdefs"
)

// APIClient is the small part of the Kubernetes API the driver reads from
// a cluster: /healthz, the node list and the pod list. Over https it
// verifies the API server against the cluster CA and presents a client
// certificate (the cluster's admin pair); over http (TLS disabled) it
// presents nothing. Answers are untrusted: bodies are bounded and parsed
// into the few fields used.
type APIClient struct {
	base   *url.URL
	client *http.Client
}

// APIClientOptions tune NewAPIClient.
type APIClientOptions struct {
	// CA verifies the API server (required for https).
	CA *x509.Certificate
	// Client is presented to the API server (required for https).
	Client *certs.KeyPair
	// Timeout bounds each request (0: 10s).
	Timeout time.Duration
	// Transport, when set, carries the requests (tests); its TLS settings
	// are replaced by the ones above.
	Transport *http.Transport
}

// Bounds on what the client reads.
const (
	maxHealthzBody = 4 << 10
	maxListBody    = 32 << 20
	listPageSize   = 500
	maxListPages   = 1000
)

// NewAPIClient returns a client for the API at apiAddress (the cluster's
// api_address: https://host:port, or http://host:port with TLS disabled).
func NewAPIClient(apiAddress string, opts APIClientOptions) (*APIClient, error) {
	u, err := url.Parse(apiAddress)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return nil, errdefs.Invalid("api_address", "must be an http(s) URL with a host")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	tr := opts.Transport
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	} else {
		tr = tr.Clone()
	}
	tr.Proxy = nil // cluster APIs are reached directly
	if u.Scheme == "https" {
		if opts.CA == nil || opts.Client == nil || opts.Client.Certificate == nil || opts.Client.PrivateKey == nil {
			return nil, errdefs.Invalid("credentials", "a CA and a client key pair are required for https")
		}
		pool := x509.NewCertPool()
		pool.AddCert(opts.CA)
		tr.TLSClientConfig = &tls.Config{
			MinVersion:   tls.VersionTLS12,
			RootCAs:      pool,
			Certificates: []tls.Certificate{opts.Client.TLSCertificate()},
		}
	} else {
		tr.TLSClientConfig = nil
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &APIClient{base: u, client: &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

// get fetches path (with query) and returns the status and at most max
// bytes of the body. Transport failures are ErrUnavailable.
func (c *APIClient) get(ctx context.Context, path string, query url.Values, max int64) (int, []byte, error) {
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, nil, fmt.Errorf("k8s: build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, nil, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "kubernetes api", ID: c.base.Host,
			Reason: "cannot reach the API", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return 0, nil, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: "kubernetes api", ID: c.base.Host,
			Reason: "the answer broke off", Err: err}
	}
	if int64(len(body)) > max {
		return resp.StatusCode, nil, &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "kubernetes api", ID: c.base.Host,
			Reason: fmt.Sprintf("the answer to %s is larger than %d bytes", path, max)}
	}
	return resp.StatusCode, body, nil
}

// Healthz returns the API server's /healthz text ("ok" when healthy) and
// HTTP status.
func (c *APIClient) Healthz(ctx context.Context) (string, int, error) {
	status, body, err := c.get(ctx, "/healthz", nil, maxHealthzBody)
	if err != nil {
		return "", status, err
	}
	return strings.TrimSpace(string(body)), status, nil
}

// NodeCondition is a node's Ready condition.
type NodeCondition struct {
	Name  string
	Ready string // "True", "False" or "Unknown" ("" when the node reports none)
}

// Nodes lists the nodes and their Ready condition.
func (c *APIClient) Nodes(ctx context.Context) ([]NodeCondition, error) {
	var out []NodeCondition
	err := c.list(ctx, "/api/v1/nodes", nil, func(body []byte) (string, error) {
		page, next, err := parseNodeList(body)
		out = append(out, page...)
		return next, err
	})
	return out, err
}

// Workloads counts the workload pods on each node: pods bound to a node
// that are neither finished, nor static (mirror) pods, nor owned by a
// DaemonSet — what moving off a node would disturb.
func (c *APIClient) Workloads(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	q := url.Values{"fieldSelector": {"status.phase!=Succeeded,status.phase!=Failed"}}
	err := c.list(ctx, "/api/v1/pods", q, func(body []byte) (string, error) {
		return parsePodList(body, out)
	})
	return out, err
}

// list pages through a list endpoint.
func (c *APIClient) list(ctx context.Context, path string, q url.Values, page func([]byte) (string, error)) error {
	cont := ""
	for range maxListPages {
		query := url.Values{"limit": {fmt.Sprint(listPageSize)}}
		for k, v := range q {
			query[k] = v
		}
		if cont != "" {
			query.Set("continue", cont)
		}
		status, body, err := c.get(ctx, path, query, maxListBody)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return statusError(c.base.Host, path, status)
		}
		next, err := page(body)
		if err != nil {
			return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "kubernetes api", ID: c.base.Host,
				Reason: "unusable answer to " + path, Err: err}
		}
		if next == "" {
			return nil
		}
		cont = next
	}
	return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: "kubernetes api", ID: c.base.Host,
		Reason: fmt.Sprintf("%s has more than %d pages", path, maxListPages)}
}

func statusError(host, path string, status int) error {
	kind := errdefs.ErrUnavailable
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		kind = errdefs.ErrForbidden
	case status == http.StatusNotFound:
		kind = errdefs.ErrNotFound
	case status < 500:
		kind = errdefs.ErrInvalid
	}
	return &errdefs.Error{Kind: kind, Resource: "kubernetes api", ID: host,
		Reason: fmt.Sprintf("%s answered %d %s", path, status, http.StatusText(status))}
}

type listMeta struct {
	Continue string `json:"continue"`
}

// parseNodeList reads the names and Ready conditions of a NodeList page
// and its continue token.
func parseNodeList(body []byte) ([]NodeCondition, string, error) {
	var list struct {
		Kind     string   `json:"kind"`
		Metadata listMeta `json:"metadata"`
		Items    []struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Status struct {
				Conditions []struct {
					Type   string `json:"type"`
					Status string `json:"status"`
				} `json:"conditions"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, "", errors.New("not a node list")
	}
	if list.Kind != "NodeList" {
		return nil, "", errors.New("not a node list")
	}
	out := make([]NodeCondition, 0, len(list.Items))
	for _, it := range list.Items {
		n := NodeCondition{Name: it.Metadata.Name}
		for _, c := range it.Status.Conditions {
			if c.Type == "Ready" {
				n.Ready = c.Status
			}
		}
		out = append(out, n)
	}
	return out, list.Metadata.Continue, nil
}

// parsePodList adds the workload pods of a PodList page to counts, by node.
func parsePodList(body []byte, counts map[string]int) (string, error) {
	var list struct {
		Kind     string   `json:"kind"`
		Metadata listMeta `json:"metadata"`
		Items    []struct {
			Metadata struct {
				Annotations     map[string]string `json:"annotations"`
				OwnerReferences []struct {
					Kind string `json:"kind"`
				} `json:"ownerReferences"`
			} `json:"metadata"`
			Spec struct {
				NodeName string `json:"nodeName"`
			} `json:"spec"`
			Status struct {
				Phase string `json:"phase"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil || list.Kind != "PodList" {
		return "", errors.New("not a pod list")
	}
	for _, p := range list.Items {
		if p.Spec.NodeName == "" || p.Status.Phase == "Succeeded" || p.Status.Phase == "Failed" {
			continue
		}
		if _, mirror := p.Metadata.Annotations["kubernetes.io/config.mirror"]; mirror {
			continue
		}
		daemon := false
		for _, o := range p.Metadata.OwnerReferences {
			daemon = daemon || o.Kind == "DaemonSet"
		}
		if !daemon {
			counts[p.Spec.NodeName]++
		}
	}
	return list.Metadata.Continue, nil
}
