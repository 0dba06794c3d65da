package magnum

import (
	"cmp"
	"context"
	"path/filepath"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/swarm"
)

// Certs returns the certificate manager the Manager keeps the clusters'
// CAs in (Config.Certs, or the in-memory default).
func (m *Manager) Certs() *certs.Manager { return m.certs }

// certCluster adapts a cluster to the certificate manager's view.
func (m *Manager) certCluster(c *cluster.Cluster) certs.Cluster {
	return certs.Cluster{UUID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, UserID: c.UserID,
		TrusteeUserID: cmp.Or(c.TrusteeUserID, m.cfg.Nodes.Trustee.UserID)}
}

func requester(c policy.Caller) certs.Requester {
	return certs.Requester{UserID: c.UserID, ProjectID: c.ProjectID, Roles: c.Roles, Admin: c.Admin}
}

// clusterWithCerts resolves a visible cluster for a certificate action; a
// cluster whose CAs are not made yet is ErrConflict.
func (m *Manager) clusterWithCerts(ctx context.Context, a policy.Action, ident string) (policy.Caller, *cluster.Cluster, error) {
	caller, c, err := m.findCluster(ctx, a, ident)
	if err != nil {
		return caller, nil, err
	}
	if c.CACertRef == "" {
		return caller, nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID,
			Reason: "the cluster has no certificates yet (status " + string(c.Status) + ")"}
	}
	return caller, c, nil
}

// ClusterCA returns a cluster's CA certificate in PEM (Magnum's GET
// /v1/certificates/{cluster}); caType "" is the cluster CA, else "etcd" or
// "front-proxy".
func (m *Manager) ClusterCA(ctx context.Context, ident string, caType string) ([]byte, error) {
	ct, err := certs.ParseCAType(caType)
	if err != nil {
		return nil, err
	}
	_, c, err := m.clusterWithCerts(ctx, policy.CertificateGet, ident)
	if err != nil {
		return nil, err
	}
	ca, err := m.certs.CA(ctx, c.UUID, ct)
	if err != nil {
		return nil, err
	}
	return certs.CertificatePEM(ca), nil
}

// SignCSR signs a PEM certificate request with one of the cluster's CAs
// (Magnum's POST /v1/certificates). Unlike Magnum, the CSR's subject is not
// copied blindly: the certificate manager's policy decides what the caller
// gets (see package certs). The certificate comes back in PEM.
func (m *Manager) SignCSR(ctx context.Context, ident string, csrPEM []byte, caType string) ([]byte, error) {
	ct, err := certs.ParseCAType(caType)
	if err != nil {
		return nil, err
	}
	caller, c, err := m.clusterWithCerts(ctx, policy.CertificateCreate, ident)
	if err != nil {
		return nil, err
	}
	// While a rotation is delivered, the nodes being replaced trust only
	// the new CAs.
	cert, err := m.certs.SignCSR(ctx, certs.SignRequest{Cluster: m.certCluster(c), Requester: requester(caller), CAType: ct, CSR: csrPEM, Staged: stagedFor(c)})
	if err != nil {
		return nil, err
	}
	return certs.CertificatePEM(cert), nil
}

// ClientConfig is a cluster's client configuration (Magnum's
// `cluster config`): for Kubernetes a kubeconfig, for Swarm the Docker
// host; with TLS, the bundle (cluster CA, a fresh client certificate and
// its key — a secret) they use.
type ClientConfig struct {
	// COE is the cluster's COE ("kubernetes", "swarm").
	COE string
	// Kubeconfig is the kubeconfig document (Kubernetes only). With TLS
	// it embeds the client key unless KubeconfigOptions.Dir was set.
	Kubeconfig []byte
	// DockerHost is the Docker API address, tcp://host:port (Swarm only).
	DockerHost string
	// Bundle is nil with TLS disabled; Bundle.WriteFiles writes ca.pem,
	// cert.pem and key.pem.
	Bundle *certs.ClientBundle
}

// Env returns the environment that points a client at the cluster, with
// the bundle written to dir: KUBECONFIG (dir/config) for Kubernetes;
// DOCKER_HOST, and with TLS DOCKER_CERT_PATH and DOCKER_TLS_VERIFY, for
// Swarm.
func (c *ClientConfig) Env(dir string) ([]certs.EnvVar, error) {
	switch {
	case c.DockerHost != "" && c.Bundle != nil:
		return c.Bundle.DockerEnv(dir)
	case c.DockerHost != "":
		return []certs.EnvVar{{Name: "DOCKER_HOST", Value: c.DockerHost}}, nil
	}
	return []certs.EnvVar{{Name: "KUBECONFIG", Value: filepath.Join(dir, certs.FileKubeconfig)}}, nil
}

// ClusterConfig makes a cluster's client configuration: for Kubernetes a
// kubeconfig with a fresh admin client certificate signed by the cluster
// CA (for the cluster's owner; the certificate policy decides), for Swarm
// the Docker host and TLS bundle; with TLS disabled, plain addresses and no
// credentials. Other COEs are ErrUnsupported; a cluster without an API
// address or certificates yet is ErrConflict.
func (m *Manager) ClusterConfig(ctx context.Context, ident string, opts certs.KubeconfigOptions) (*ClientConfig, error) {
	caller, c, err := m.findCluster(ctx, policy.CertificateCreate, ident)
	if err != nil {
		return nil, err
	}
	t, err := m.store.GetTemplate(ctx, c.ClusterTemplateID)
	if err != nil {
		return nil, err
	}
	if t.COE != k8s.COE && t.COE != swarm.COE {
		return nil, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: resCluster, ID: c.UUID,
			Reason: "client configuration is available for Kubernetes and Swarm clusters, not " + t.COE}
	}
	if !t.TLSDisabled && c.CACertRef == "" {
		return nil, &errdefs.Error{Kind: errdefs.ErrConflict, Resource: resCluster, ID: c.UUID, Reason: "the cluster has no certificates yet"}
	}
	req := certs.ClientRequest{Cluster: m.certCluster(c), Requester: requester(caller)}
	if t.COE == swarm.COE {
		sc, err := swarm.ClientConfigFor(ctx, m.certs, c, req)
		if err != nil {
			return nil, err
		}
		return &ClientConfig{COE: t.COE, DockerHost: sc.Host, Bundle: sc.Bundle}, nil
	}
	kc, err := k8s.ClientConfigFor(ctx, m.certs, c, req, opts)
	if err != nil {
		return nil, err
	}
	return &ClientConfig{COE: t.COE, Kubeconfig: kc.Kubeconfig, Bundle: kc.Bundle}, nil
}
