package certs

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/gomagnum/magnum/errdefs"
)

// Requester is who asks for a certificate, as the embedding program
// authenticated them (the root package adapts its caller type to this).
type Requester struct {
	UserID    string
	ProjectID string
	Roles     []string // Keystone role names in ProjectID, e.g. "member", "reader"
	// Admin: a cloud administrator, allowed everything.
	Admin bool
	// Trustee: the caller authenticated as the cluster's trustee user, which
	// is how the cluster's own nodes call in. Set it only for the trustee of
	// the cluster the request is about. DefaultPolicy treats a trustee as the
	// cluster's nodes and nothing more, even if Admin is also set.
	Trustee bool
}

// Policy decides what certificate, if any, a CSR yields. It receives the
// request after the manager has verified the CSR's signature, rejected weak
// keys, CA requests, unknown critical extensions and SAN types other than
// DNS names and IP addresses. Whatever the policy grants, the manager
// never issues a CA certificate, sets key usage from the key type, and
// ends the lifetime no later than the CA's.
//
// A refusal should be an *errdefs.Error of kind errdefs.ErrForbidden, or
// errdefs.ErrInvalid for a request no caller could get.
type Policy interface {
	Decide(ctx context.Context, req *PolicyRequest) (*Grant, error)
}

// PolicyFunc adapts a function to Policy.
type PolicyFunc func(ctx context.Context, req *PolicyRequest) (*Grant, error)

// Decide calls f.
func (f PolicyFunc) Decide(ctx context.Context, req *PolicyRequest) (*Grant, error) {
	return f(ctx, req)
}

// PolicyRequest is what a Policy decides on.
type PolicyRequest struct {
	Requester Requester
	Cluster   Cluster
	CAType    CAType
	// CSR is the parsed request; its signature and public key are checked.
	CSR *x509.CertificateRequest
	// ExtKeyUsage is what the CSR's extended key usage extension asks for
	// (only ClientAuth and ServerAuth get this far); empty if it asks none.
	ExtKeyUsage []x509.ExtKeyUsage
}

// Grant is the certificate a policy allows. The manager copies nothing else
// from the CSR but its public key.
type Grant struct {
	Subject     pkix.Name
	DNSNames    []string
	IPAddresses []net.IP
	ExtKeyUsage []x509.ExtKeyUsage // a non-empty subset of ClientAuth, ServerAuth
	Validity    time.Duration      // 0: Config.LeafValidity
}

// Kubernetes identities the default policy knows.
const (
	GroupMasters     = "system:masters"      // RBAC cluster-admin
	GroupNodes       = "system:nodes"        // kubelets
	GroupNodeProxier = "system:node-proxier" // kube-proxy
	UserKubeProxy    = "system:kube-proxy"
	NodeUserPrefix   = "system:node:" // followed by the node name
	systemPrefix     = "system:"
)

// DefaultPolicy is the policy a Manager uses when Config.Policy is nil. Its
// zero value is the safe default; the fields widen it.
//
// Callers fall in four groups: the privileged (cloud admins, the cluster's
// owner — its creating user, in its project — and project members holding
// one of MastersRoles), the cluster's trustee (its nodes), other project
// members (role "member", "_member_" or "admin" in the cluster's project),
// and everyone else, who gets nothing.
//
// Cluster CA (kubernetes):
//   - O=system:masters, and any other subject with a CN or O starting with
//     "system:" that is not one below: privileged only (the trustee too if
//     TrusteeMasters); client usage; no SANs.
//   - CN=system:node:<name>, O=system:nodes (a kubelet): privileged and
//     trustee; client and server usage; DNS and IP SANs.
//   - CN=system:kube-proxy [O=system:node-proxier]: privileged and trustee;
//     client usage; no SANs.
//   - any other subject: privileged get client and server usage with SANs;
//     the trustee gets server usage with SANs, and client usage only for a
//     CN in TrusteeClientNames; a project member gets a client certificate
//     whose CN is their own user ID, with no O and no SANs.
//
// etcd CA: privileged and trustee; any subject without "system:" names;
// client and server usage; SANs.
//
// Front-proxy CA: privileged (and the trustee if TrusteeFrontProxy); client
// usage; no SANs. A front-proxy client can impersonate anyone to the API
// server, so nodes do not get one by default.
//
// With no extended key usage requested, a certificate gets client usage
// where allowed, plus server usage where allowed and SANs are requested.
type DefaultPolicy struct {
	// MastersRoles are project roles whose holders are privileged.
	MastersRoles []string
	// TrusteeMasters lets the trustee obtain system:masters and other
	// system identities. Magnum's node scripts need it; it means any node
	// can become cluster admin.
	TrusteeMasters bool
	// TrusteeFrontProxy lets the trustee obtain front-proxy client
	// certificates (the API servers of the cluster need one).
	TrusteeFrontProxy bool
	// TrusteeClientNames are common names for which the trustee may obtain
	// client usage from the cluster CA, e.g. "kubernetes" for the API
	// server's client certificate toward kubelets.
	TrusteeClientNames []string
}

type callerKind int

const (
	callerNone callerKind = iota
	callerMember
	callerTrustee
	callerPrivileged
)

type subjectKind int

const (
	subjectPlain subjectKind = iota
	subjectMasters
	subjectSystem
	subjectNode
	subjectProxy
)

// usageRule is what a (caller, CA, subject) combination may receive.
type usageRule struct {
	client, server, sans bool
}

// isMember reports whether roles let a project member sign for themselves.
func isMember(roles []string) bool { return hasRole(roles, []string{"member", "_member_", "admin"}) }

func (p DefaultPolicy) caller(r Requester, c Cluster) callerKind {
	if r.Trustee {
		// A trustee is the cluster's own identity and nothing more, even if
		// other flags are set.
		if c.TrusteeUserID != "" && r.UserID != c.TrusteeUserID {
			return callerNone
		}
		return callerTrustee
	}
	if r.Admin {
		return callerPrivileged
	}
	if r.ProjectID == "" || r.ProjectID != c.ProjectID || r.UserID == "" {
		return callerNone
	}
	if r.UserID == c.UserID || hasRole(r.Roles, p.MastersRoles) {
		return callerPrivileged
	}
	if isMember(r.Roles) {
		return callerMember
	}
	return callerNone
}

func hasRole(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}

func classify(cn string, orgs []string) subjectKind {
	if slices.Contains(orgs, GroupMasters) {
		return subjectMasters
	}
	if name, ok := strings.CutPrefix(cn, NodeUserPrefix); ok && validNodeName(name) &&
		len(orgs) == 1 && orgs[0] == GroupNodes {
		return subjectNode
	}
	if cn == UserKubeProxy && (len(orgs) == 0 || len(orgs) == 1 && orgs[0] == GroupNodeProxier) {
		return subjectProxy
	}
	if strings.HasPrefix(cn, systemPrefix) || slices.ContainsFunc(orgs, func(o string) bool {
		return strings.HasPrefix(o, systemPrefix)
	}) {
		return subjectSystem
	}
	return subjectPlain
}

// validNodeName accepts a Kubernetes node name: a lower-case DNS-1123
// subdomain.
func validNodeName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// rule returns what the caller may get for this subject from this CA, and
// whether anything at all.
func (p DefaultPolicy) rule(who callerKind, r Requester, ca CAType, kind subjectKind, cn string, orgs []string) (usageRule, bool) {
	switch ca {
	case CAKubernetes:
		switch kind {
		case subjectMasters, subjectSystem:
			if who == callerPrivileged || who == callerTrustee && p.TrusteeMasters {
				return usageRule{client: true}, true
			}
		case subjectNode:
			if who == callerPrivileged || who == callerTrustee {
				return usageRule{client: true, server: true, sans: true}, true
			}
		case subjectProxy:
			if who == callerPrivileged || who == callerTrustee {
				return usageRule{client: true}, true
			}
		case subjectPlain:
			switch who {
			case callerPrivileged:
				return usageRule{client: true, server: true, sans: true}, true
			case callerTrustee:
				return usageRule{client: slices.Contains(p.TrusteeClientNames, cn), server: true, sans: true}, true
			case callerMember:
				if cn == r.UserID && len(orgs) == 0 {
					return usageRule{client: true}, true
				}
			}
		}
	case CAEtcd:
		if kind == subjectPlain && (who == callerPrivileged || who == callerTrustee) {
			return usageRule{client: true, server: true, sans: true}, true
		}
	case CAFrontProxy:
		if kind == subjectPlain && (who == callerPrivileged || who == callerTrustee && p.TrusteeFrontProxy) {
			return usageRule{client: true}, true
		}
	}
	return usageRule{}, false
}

// Decide implements Policy.
func (p DefaultPolicy) Decide(_ context.Context, req *PolicyRequest) (*Grant, error) {
	csr := req.CSR
	cn, orgs := csr.Subject.CommonName, csr.Subject.Organization
	who := p.caller(req.Requester, req.Cluster)
	kind := classify(cn, orgs)
	forbid := func(format string, args ...any) error {
		e := errdefs.Forbidden("cluster", req.Cluster.UUID, format, args...)
		e.Field = "csr"
		return e
	}
	if who == callerNone {
		return nil, forbid("the caller may not obtain certificates for this cluster")
	}
	rule, ok := p.rule(who, req.Requester, req.CAType, kind, cn, orgs)
	if !ok {
		return nil, forbid("the caller may not obtain a certificate for subject %q from the %s CA",
			subjectString(cn, orgs), req.CAType)
	}
	hasSANs := len(csr.DNSNames) > 0 || len(csr.IPAddresses) > 0
	if hasSANs && !rule.sans {
		return nil, forbid("subject alternative names are not allowed for subject %q", subjectString(cn, orgs))
	}
	var eku []x509.ExtKeyUsage
	if len(req.ExtKeyUsage) == 0 {
		if rule.client {
			eku = append(eku, x509.ExtKeyUsageClientAuth)
		}
		if rule.server && hasSANs {
			eku = append(eku, x509.ExtKeyUsageServerAuth)
		}
		if len(eku) == 0 {
			return nil, forbid("no usage allowed without SANs and an explicit serverAuth request")
		}
	} else {
		for _, u := range req.ExtKeyUsage {
			switch {
			case u == x509.ExtKeyUsageClientAuth && rule.client, u == x509.ExtKeyUsageServerAuth && rule.server:
				if !slices.Contains(eku, u) {
					eku = append(eku, u)
				}
			default:
				return nil, forbid("%s usage is not allowed for subject %q", usageName(u), subjectString(cn, orgs))
			}
		}
	}
	return &Grant{
		Subject:     pkix.Name{CommonName: cn, Organization: slices.Clone(orgs)},
		DNSNames:    slices.Clone(csr.DNSNames),
		IPAddresses: slices.Clone(csr.IPAddresses),
		ExtKeyUsage: eku,
	}, nil
}

func subjectString(cn string, orgs []string) string {
	s := "CN=" + cn
	for _, o := range orgs {
		s += ",O=" + o
	}
	return s
}

func usageName(u x509.ExtKeyUsage) string {
	switch u {
	case x509.ExtKeyUsageClientAuth:
		return "clientAuth"
	case x509.ExtKeyUsageServerAuth:
		return "serverAuth"
	}
	return "unknown"
}
