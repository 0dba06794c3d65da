package swarm

import (
	"context"
	"net"
	"net/url"
	"strconv"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
)

// BundleIssuer issues client bundles; *certs.Manager implements it.
type BundleIssuer interface {
	ClientBundle(ctx context.Context, req certs.ClientRequest, server string) (*certs.ClientBundle, error)
}

// ClientConfig is what `magnum cluster-config` gives for a Swarm cluster:
// where the Docker CLI connects and, with TLS, the bundle it connects
// with.
type ClientConfig struct {
	// Host is the Docker API address, tcp://host:port (DOCKER_HOST).
	Host string
	// Bundle is the cluster CA, a fresh client certificate and its key
	// (nil with TLS disabled); Bundle.WriteFiles writes them as ca.pem,
	// cert.pem and key.pem, where the Docker CLI looks for them. The key
	// is a secret.
	Bundle *certs.ClientBundle
}

// Env returns the environment that points the Docker CLI at the cluster:
// with TLS, DOCKER_HOST, DOCKER_CERT_PATH (certDir, where the bundle's
// files are written) and DOCKER_TLS_VERIFY=1; with TLS disabled,
// DOCKER_HOST and the other two empty, which the CLI reads as unset (so a
// shell that evaluates certs.ShellExports of it forgets earlier TLS
// settings). certDir is ignored without TLS.
func (c *ClientConfig) Env(certDir string) ([]certs.EnvVar, error) {
	if c.Bundle != nil {
		return c.Bundle.DockerEnv(certDir)
	}
	return []certs.EnvVar{
		{Name: "DOCKER_HOST", Value: c.Host},
		{Name: "DOCKER_CERT_PATH", Value: ""},
		{Name: "DOCKER_TLS_VERIFY", Value: ""},
	}, nil
}

// ClientConfigFor makes the client configuration of a Swarm cluster from
// its api_address: with TLS (tcp://host:2376, or any port but 2375), a
// fresh client key pair signed through issuer (req decides the subject
// and who asks; the certificate policy decides what they get); with TLS
// disabled (port 2375), the plain address and no bundle. A cluster without
// an API address yet is an ErrConflict error; an address that is not
// tcp://host:port is ErrInvalid.
func ClientConfigFor(ctx context.Context, issuer BundleIssuer, c *cluster.Cluster, req certs.ClientRequest) (*ClientConfig, error) {
	if c == nil {
		return nil, errdefs.Invalid("cluster", "no cluster given")
	}
	if c.APIAddress == "" {
		return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: "cluster", ID: c.UUID,
			Reason: "the cluster has no API address yet"}
	}
	port, err := dockerPort(c.APIAddress)
	if err != nil {
		return nil, err
	}
	if port == InsecureAPIPort {
		return &ClientConfig{Host: c.APIAddress}, nil
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
	return &ClientConfig{Host: c.APIAddress, Bundle: b}, nil
}

// dockerPort checks a tcp://host:port address and returns its port.
func dockerPort(addr string) (int, error) {
	bad := errdefs.Invalid("api_address", "%q is not a Docker address tcp://host:port", truncate(addr))
	u, err := url.Parse(addr)
	if err != nil || u.Scheme != "tcp" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return 0, bad
	}
	host, p, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return 0, bad
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return 0, bad
	}
	return port, nil
}
