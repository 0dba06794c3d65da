package certs

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"slices"

	"github.com/gomagnum/magnum/errdefs"
)

// SignRequest asks for a CSR to be signed by one of a cluster's CAs
// (Magnum's POST /v1/certificates).
type SignRequest struct {
	Cluster   Cluster
	Requester Requester
	// CAType picks the CA ("": CAKubernetes).
	CAType CAType
	// CSR is one PEM "CERTIFICATE REQUEST" block.
	CSR []byte
	// Staged, when set, signs with the new set of a rotation staged for
	// the cluster (StageRotation) instead of the set in force: while the
	// new CAs are delivered, new nodes trust only them.
	Staged *Rotation
}

// SignCSR checks the CSR, asks the policy what it may yield, and signs that
// with the chosen CA. The subject, names, usages and lifetime come from the
// policy's Grant, never verbatim from the CSR.
//
// Errors: errdefs.ErrInvalid for a malformed CSR, a weak key, an unsupported
// critical extension or an unknown CA type; errdefs.ErrForbidden for what
// the caller may not have (and for what no one gets: CA:true, CA key
// usages, other extended key usages, e-mail or URI names);
// errdefs.ErrNotFound if the cluster has no certificates.
func (m *Manager) SignCSR(ctx context.Context, req SignRequest) (*x509.Certificate, error) {
	if err := checkClusterID(req.Cluster.UUID); err != nil {
		return nil, err
	}
	t := req.CAType
	if t == "" {
		t = CAKubernetes
	}
	if !t.valid() {
		return nil, errdefs.Invalid("ca_cert_type", "unknown CA type %q", truncate(string(t), 40))
	}
	checked, err := parseCSR(req.CSR)
	if err != nil {
		return nil, errdefs.WithResource(err, "cluster", req.Cluster.UUID)
	}
	return m.sign(ctx, req.Cluster, req.Requester, t, checked, req.Staged)
}

func (m *Manager) sign(ctx context.Context, c Cluster, who Requester, t CAType, checked *checkedCSR, staged *Rotation) (*x509.Certificate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	grant, err := m.policy.Decide(ctx, &PolicyRequest{
		Requester:   who,
		Cluster:     c,
		CAType:      t,
		CSR:         checked.csr,
		ExtKeyUsage: slices.Clone(checked.extKeyUsage),
	})
	if err != nil {
		m.log.InfoContext(ctx, "refused certificate signing request", "cluster", c.UUID, "ca_type", string(t),
			"user", who.UserID, "subject", checked.csr.Subject.CommonName, "error", err)
		return nil, errdefs.WithResource(err, "cluster", c.UUID)
	}
	if grant == nil {
		return nil, fmt.Errorf("certs: policy returned no grant and no error")
	}
	if err := checkGrant(grant); err != nil {
		return nil, errdefs.WithResource(err, "cluster", c.UUID)
	}
	refs, err := m.storage.Refs(ctx, c.UUID)
	if err != nil {
		return nil, err
	}
	if st := staged; st != nil {
		// A rotation being delivered: new nodes trust the staged CAs only.
		if st.ClusterID != c.UUID || (refs != st.Old && refs != st.New) {
			return nil, errdefs.Conflict("cluster certificates", c.UUID, "the staged rotation is not the cluster's")
		}
		refs = st.New
	}
	ca, err := m.storage.KeyPair(ctx, refs.ForCA(t))
	if err != nil {
		return nil, err
	}
	cert, err := m.issuer().newLeaf(leafSpec{
		Subject:     grant.Subject,
		DNSNames:    grant.DNSNames,
		IPAddresses: grant.IPAddresses,
		ExtKeyUsage: grant.ExtKeyUsage,
		Validity:    grant.Validity,
		PublicKey:   checked.csr.PublicKey,
	}, ca)
	if err != nil {
		return nil, err
	}
	m.log.InfoContext(ctx, "signed certificate", "cluster", c.UUID, "ca_type", string(t), "user", who.UserID,
		"subject", cert.Subject.String(), "serial", serialString(cert), "not_after", cert.NotAfter)
	return cert, nil
}

// checkGrant holds a policy's grant to the rules no policy can relax.
func checkGrant(g *Grant) error {
	if err := checkNameString("granted common name", g.Subject.CommonName); err != nil {
		return err
	}
	if len(g.Subject.Organization) > maxOrgs {
		return invalidCSR("the policy granted more than %d organizations", maxOrgs)
	}
	for _, o := range g.Subject.Organization {
		if err := checkNameString("granted organization", o); err != nil {
			return err
		}
	}
	if len(g.ExtKeyUsage) == 0 {
		return forbiddenCSR("the policy granted no usage")
	}
	for _, u := range g.ExtKeyUsage {
		if u != x509.ExtKeyUsageClientAuth && u != x509.ExtKeyUsageServerAuth {
			return forbiddenCSR("the policy granted a usage other than clientAuth or serverAuth")
		}
	}
	if g.Validity < 0 {
		return invalidCSR("the policy granted a negative lifetime")
	}
	return checkSANs(g.DNSNames, g.IPAddresses)
}

// ClientRequest asks for a new client key pair signed by a cluster's CA,
// as `magnum cluster-config` obtains one.
type ClientRequest struct {
	Cluster   Cluster
	Requester Requester
	// CAType picks the CA ("": CAKubernetes).
	CAType CAType
	// Subject is what to ask for (zero: CN=admin, O=system:masters, which
	// the policy grants only to privileged callers).
	Subject pkix.Name
}

// IssueClient generates a key with the configured algorithm, builds a CSR
// for req.Subject and puts it through the same checks and policy as
// SignCSR. The returned pair is the caller's; the manager keeps nothing.
func (m *Manager) IssueClient(ctx context.Context, req ClientRequest) (*KeyPair, error) {
	if err := checkClusterID(req.Cluster.UUID); err != nil {
		return nil, err
	}
	subject := req.Subject
	if subject.CommonName == "" && len(subject.Organization) == 0 {
		subject = pkix.Name{CommonName: AdminCommonName, Organization: []string{GroupMasters}}
	}
	key, err := m.alg.GenerateKey(m.rand)
	if err != nil {
		return nil, fmt.Errorf("certs: generate client key: %w", err)
	}
	der, err := x509.CreateCertificateRequest(m.rand, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: subject.CommonName, Organization: subject.Organization},
	}, key)
	if err != nil {
		return nil, errdefs.Invalid("subject", "cannot build a request for this subject: %v", err)
	}
	cert, err := m.SignCSR(ctx, SignRequest{
		Cluster:   req.Cluster,
		Requester: req.Requester,
		CAType:    req.CAType,
		CSR:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
	})
	if err != nil {
		return nil, err
	}
	return &KeyPair{Certificate: cert, PrivateKey: key}, nil
}
