package k8s

import (
	"context"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/internal/safetext"
)

// BundleIssuer issues client bundles; *certs.Manager implements it.
type BundleIssuer interface {
	ClientBundle(ctx context.Context, req certs.ClientRequest, server string) (*certs.ClientBundle, error)
}

// ClientConfig is what `magnum cluster-config` gives for a Kubernetes
// cluster: a kubeconfig and, with TLS, the PEM files it may refer to.
type ClientConfig struct {
	// Kubeconfig is the kubeconfig document. With TLS it holds the client
	// key unless KubeconfigOptions.Dir was set: treat it as a secret.
	Kubeconfig []byte
	// Bundle is the CA, client certificate and key (nil with TLS
	// disabled); Bundle.WriteFiles writes them as ca.pem, cert.pem, key.pem.
	Bundle *certs.ClientBundle
}

// ClientConfig makes the client configuration of a cluster: with TLS, a
// fresh client key pair signed through issuer (req decides the subject and
// who asks; the policy decides what they get) in a kubeconfig for the
// cluster's api_address; with TLS disabled, a kubeconfig for the plain
// http:// address and no credentials. A cluster without an API address yet
// is an ErrConflict error.
func ClientConfigFor(ctx context.Context, issuer BundleIssuer, c *cluster.Cluster, req certs.ClientRequest, opts certs.KubeconfigOptions) (*ClientConfig, error) {
	if c == nil {
		return nil, errdefs.Invalid("cluster", "no cluster given")
	}
	if c.APIAddress == "" {
		return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: "cluster", ID: c.UUID,
			Reason: "the cluster has no API address yet"}
	}
	if strings.HasPrefix(c.APIAddress, "http://") {
		doc, err := insecureKubeconfig(c)
		if err != nil {
			return nil, err
		}
		return &ClientConfig{Kubeconfig: doc}, nil
	}
	if issuer == nil {
		return nil, errdefs.Invalid("issuer", "a certificate issuer is required for TLS clusters")
	}
	if req.Cluster.UUID == "" {
		req.Cluster = certs.Cluster{UUID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, UserID: c.UserID, TrusteeUserID: c.TrusteeUserID}
	}
	b, err := issuer.ClientBundle(ctx, req, c.APIAddress)
	if err != nil {
		return nil, err
	}
	doc, err := b.Kubeconfig(opts)
	if err != nil {
		return nil, err
	}
	return &ClientConfig{Kubeconfig: doc, Bundle: b}, nil
}

// insecureKubeconfig is a kubeconfig for a TLS-disabled cluster, encoded
// from a struct so every value is quoted by the encoder.
func insecureKubeconfig(c *cluster.Cluster) ([]byte, error) {
	name := c.Name
	if name == "" {
		name = c.UUID
	}
	if safetext.HasControl(name) || safetext.HasControl(c.APIAddress) {
		return nil, errdefs.Invalid("cluster", "name and api_address must be text without control characters")
	}
	type named struct {
		Name    string         `json:"name"`
		Cluster map[string]any `json:"cluster,omitempty"`
		User    map[string]any `json:"user,omitempty"`
		Context map[string]any `json:"context,omitempty"`
	}
	doc := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"clusters":        []named{{Name: name, Cluster: map[string]any{"server": c.APIAddress}}},
		"users":           []named{{Name: name, User: map[string]any{}}},
		"contexts":        []named{{Name: name, Context: map[string]any{"cluster": name, "user": name}}},
		"current-context": name,
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("k8s: encode kubeconfig: %w", err)
	}
	return out, nil
}
