package certs_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/errdefs"
)

// The policy table: who may get which subject and usages from which CA.
//
// Callers fall in classes: P (privileged: admin, owner, holders of
// MastersRoles), T (the cluster's trustee), M (other project members) and
// N (no rights). Each row of the table says, for one CA and one kind of
// subject, which classes get a certificate and with which extended key
// usages; classes not named are refused with ErrForbidden. The test runs
// every caller × subject × CA × policy variant and fails if any
// combination has no row.

type callerClass string

const (
	classP callerClass = "P"
	classT callerClass = "T"
	classM callerClass = "M"
	classN callerClass = "N"
)

type policyCaller struct {
	name string
	who  certs.Requester
	// class under the default policy; variants may change it.
	class callerClass
}

var policyCallers = []policyCaller{
	{"admin", adminCaller, classP},
	{"owner", ownerCaller, classP},
	{"owner with only reader role", certs.Requester{UserID: "owner", ProjectID: "proj", Roles: []string{"reader"}}, classP},
	{"member", memberCaller, classM},
	{"member with masters role", certs.Requester{UserID: "carol", ProjectID: "proj", Roles: []string{"member", "k8s-admin"}}, classM},
	{"legacy _member_", certs.Requester{UserID: "dave", ProjectID: "proj", Roles: []string{"_member_"}}, classM},
	{"reader", certs.Requester{UserID: "rita", ProjectID: "proj", Roles: []string{"reader"}}, classN},
	{"member of another project", certs.Requester{UserID: "mallory", ProjectID: "other", Roles: []string{"member"}}, classN},
	{"owner's user in another project", certs.Requester{UserID: "owner", ProjectID: "other", Roles: []string{"member"}}, classN},
	{"trustee", trusteeCaller, classT},
	{"trustee claiming admin", certs.Requester{UserID: "trustee-1", Trustee: true, Admin: true}, classT},
	{"another cluster's trustee", certs.Requester{UserID: "trustee-2", Trustee: true}, classN},
	{"anonymous", certs.Requester{}, classN},
}

type policySubject struct {
	name string
	// spec builds the CSR for a caller (some subjects use the caller's ID).
	spec func(who certs.Requester) csrSpec
}

var (
	sans   = []string{"node.example", "10.0.0.1"}
	client = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	server = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	both   = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}
)

func fixed(s csrSpec) func(certs.Requester) csrSpec {
	return func(certs.Requester) csrSpec { return s }
}

func withSANs(s csrSpec) csrSpec {
	s.dns = []string{sans[0]}
	s.ips = []net.IP{net.ParseIP(sans[1])}
	return s
}

var policySubjects = []policySubject{
	{"masters", fixed(csrSpec{cn: "admin", orgs: []string{"system:masters"}})},
	{"masters among other groups", fixed(csrSpec{cn: "x", orgs: []string{"team", "system:masters"}})},
	{"masters with SANs", fixed(withSANs(csrSpec{cn: "admin", orgs: []string{"system:masters"}}))},
	{"masters asking server usage", fixed(csrSpec{cn: "admin", orgs: []string{"system:masters"}, eku: server})},
	{"system user", fixed(csrSpec{cn: "system:kube-controller-manager"})},
	{"system group", fixed(csrSpec{cn: "alice", orgs: []string{"system:authenticated"}})},
	{"node", fixed(csrSpec{cn: "system:node:worker-1", orgs: []string{"system:nodes"}})},
	{"node with SANs", fixed(withSANs(csrSpec{cn: "system:node:worker-1", orgs: []string{"system:nodes"}}))},
	{"node with extra group", fixed(csrSpec{cn: "system:node:worker-1", orgs: []string{"system:nodes", "x"}})},
	{"node without group", fixed(csrSpec{cn: "system:node:worker-1"})},
	{"node with invalid name", fixed(csrSpec{cn: "system:node:Worker_1", orgs: []string{"system:nodes"}})},
	{"kube-proxy", fixed(csrSpec{cn: "system:kube-proxy", orgs: []string{"system:node-proxier"}})},
	{"kube-proxy without group", fixed(csrSpec{cn: "system:kube-proxy"})},
	{"own user ID", func(who certs.Requester) csrSpec { return csrSpec{cn: orAnon(who.UserID)} }},
	{"own user ID with a group", func(who certs.Requester) csrSpec {
		return csrSpec{cn: orAnon(who.UserID), orgs: []string{"devs"}}
	}},
	{"another user", fixed(csrSpec{cn: "alice"})},
	{"apiserver client", fixed(csrSpec{cn: "kubernetes"})},
	{"server asking serverAuth", fixed(withSANs(csrSpec{cn: "kubernetes", eku: server}))},
	{"server asking nothing", fixed(withSANs(csrSpec{cn: "kubernetes"}))},
	{"server asking both", fixed(withSANs(csrSpec{cn: "kubernetes", eku: both}))},
	{"server without SANs", fixed(csrSpec{cn: "etcd", eku: server})},
}

func orAnon(id string) string {
	if id == "" {
		return "anonymous"
	}
	return id
}

type policyRow struct {
	ca      certs.CAType
	subject string
	allow   map[callerClass][]x509.ExtKeyUsage
}

type grants = map[callerClass][]x509.ExtKeyUsage

// defaultTable is the DefaultPolicy{} table.
var defaultTable = []policyRow{
	{certs.CAKubernetes, "masters", grants{classP: client}},
	{certs.CAKubernetes, "masters among other groups", grants{classP: client}},
	{certs.CAKubernetes, "masters with SANs", grants{}},
	{certs.CAKubernetes, "masters asking server usage", grants{}},
	{certs.CAKubernetes, "system user", grants{classP: client}},
	{certs.CAKubernetes, "system group", grants{classP: client}},
	{certs.CAKubernetes, "node", grants{classP: client, classT: client}},
	{certs.CAKubernetes, "node with SANs", grants{classP: both, classT: both}},
	{certs.CAKubernetes, "node with extra group", grants{classP: client}},
	{certs.CAKubernetes, "node without group", grants{classP: client}},
	{certs.CAKubernetes, "node with invalid name", grants{classP: client}},
	{certs.CAKubernetes, "kube-proxy", grants{classP: client, classT: client}},
	{certs.CAKubernetes, "kube-proxy without group", grants{classP: client, classT: client}},
	{certs.CAKubernetes, "own user ID", grants{classP: client, classM: client}},
	{certs.CAKubernetes, "own user ID with a group", grants{classP: client}},
	{certs.CAKubernetes, "another user", grants{classP: client}},
	{certs.CAKubernetes, "apiserver client", grants{classP: client}},
	{certs.CAKubernetes, "server asking serverAuth", grants{classP: server, classT: server}},
	{certs.CAKubernetes, "server asking nothing", grants{classP: both, classT: server}},
	{certs.CAKubernetes, "server asking both", grants{classP: both}},
	{certs.CAKubernetes, "server without SANs", grants{classP: server, classT: server}},

	{certs.CAEtcd, "masters", grants{}},
	{certs.CAEtcd, "masters among other groups", grants{}},
	{certs.CAEtcd, "masters with SANs", grants{}},
	{certs.CAEtcd, "masters asking server usage", grants{}},
	{certs.CAEtcd, "system user", grants{}},
	{certs.CAEtcd, "system group", grants{}},
	{certs.CAEtcd, "node", grants{}},
	{certs.CAEtcd, "node with SANs", grants{}},
	{certs.CAEtcd, "node with extra group", grants{}},
	{certs.CAEtcd, "node without group", grants{}},
	{certs.CAEtcd, "node with invalid name", grants{}},
	{certs.CAEtcd, "kube-proxy", grants{}},
	{certs.CAEtcd, "kube-proxy without group", grants{}},
	{certs.CAEtcd, "own user ID", grants{classP: client, classT: client}},
	{certs.CAEtcd, "own user ID with a group", grants{classP: client, classT: client}},
	{certs.CAEtcd, "another user", grants{classP: client, classT: client}},
	{certs.CAEtcd, "apiserver client", grants{classP: client, classT: client}},
	{certs.CAEtcd, "server asking serverAuth", grants{classP: server, classT: server}},
	{certs.CAEtcd, "server asking nothing", grants{classP: both, classT: both}},
	{certs.CAEtcd, "server asking both", grants{classP: both, classT: both}},
	{certs.CAEtcd, "server without SANs", grants{classP: server, classT: server}},

	{certs.CAFrontProxy, "masters", grants{}},
	{certs.CAFrontProxy, "masters among other groups", grants{}},
	{certs.CAFrontProxy, "masters with SANs", grants{}},
	{certs.CAFrontProxy, "masters asking server usage", grants{}},
	{certs.CAFrontProxy, "system user", grants{}},
	{certs.CAFrontProxy, "system group", grants{}},
	{certs.CAFrontProxy, "node", grants{}},
	{certs.CAFrontProxy, "node with SANs", grants{}},
	{certs.CAFrontProxy, "node with extra group", grants{}},
	{certs.CAFrontProxy, "node without group", grants{}},
	{certs.CAFrontProxy, "node with invalid name", grants{}},
	{certs.CAFrontProxy, "kube-proxy", grants{}},
	{certs.CAFrontProxy, "kube-proxy without group", grants{}},
	{certs.CAFrontProxy, "own user ID", grants{classP: client}},
	{certs.CAFrontProxy, "own user ID with a group", grants{classP: client}},
	{certs.CAFrontProxy, "another user", grants{classP: client}},
	{certs.CAFrontProxy, "apiserver client", grants{classP: client}},
	{certs.CAFrontProxy, "server asking serverAuth", grants{}},
	{certs.CAFrontProxy, "server asking nothing", grants{}},
	{certs.CAFrontProxy, "server asking both", grants{}},
	{certs.CAFrontProxy, "server without SANs", grants{}},
}

// policyVariant is a DefaultPolicy with some fields set, described by the
// rows that differ from defaultTable and the callers whose class changes.
type policyVariant struct {
	name    string
	policy  certs.DefaultPolicy
	rows    []policyRow
	reclass map[string]callerClass // caller name -> class
}

var policyVariants = []policyVariant{
	{name: "default", policy: certs.DefaultPolicy{}},
	{
		name:   "TrusteeMasters",
		policy: certs.DefaultPolicy{TrusteeMasters: true},
		rows: []policyRow{
			{certs.CAKubernetes, "masters", grants{classP: client, classT: client}},
			{certs.CAKubernetes, "masters among other groups", grants{classP: client, classT: client}},
			{certs.CAKubernetes, "system user", grants{classP: client, classT: client}},
			{certs.CAKubernetes, "system group", grants{classP: client, classT: client}},
			{certs.CAKubernetes, "node with extra group", grants{classP: client, classT: client}},
			{certs.CAKubernetes, "node without group", grants{classP: client, classT: client}},
			{certs.CAKubernetes, "node with invalid name", grants{classP: client, classT: client}},
		},
	},
	{
		name:   "TrusteeFrontProxy",
		policy: certs.DefaultPolicy{TrusteeFrontProxy: true},
		rows: []policyRow{
			{certs.CAFrontProxy, "own user ID", grants{classP: client, classT: client}},
			{certs.CAFrontProxy, "own user ID with a group", grants{classP: client, classT: client}},
			{certs.CAFrontProxy, "another user", grants{classP: client, classT: client}},
			{certs.CAFrontProxy, "apiserver client", grants{classP: client, classT: client}},
		},
	},
	{
		name:   "TrusteeClientNames",
		policy: certs.DefaultPolicy{TrusteeClientNames: []string{"kubernetes"}},
		rows: []policyRow{
			{certs.CAKubernetes, "apiserver client", grants{classP: client, classT: client}},
			{certs.CAKubernetes, "server asking nothing", grants{classP: both, classT: both}},
			{certs.CAKubernetes, "server asking both", grants{classP: both, classT: both}},
		},
	},
	{
		name:    "MastersRoles",
		policy:  certs.DefaultPolicy{MastersRoles: []string{"K8S-Admin"}}, // roles match case-insensitively
		reclass: map[string]callerClass{"member with masters role": classP},
	},
}

func findRow(rows []policyRow, ca certs.CAType, subject string) (policyRow, bool) {
	for _, r := range rows {
		if r.ca == ca && r.subject == subject {
			return r, true
		}
	}
	return policyRow{}, false
}

func TestPolicyTableIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range defaultTable {
		key := string(r.ca) + "/" + r.subject
		assert.False(t, seen[key], "duplicate row %s", key)
		seen[key] = true
		assert.True(t, slices.ContainsFunc(policySubjects, func(s policySubject) bool { return s.name == r.subject }),
			"row for unknown subject %q", r.subject)
	}
	for _, ca := range certs.CATypes() {
		for _, s := range policySubjects {
			assert.True(t, seen[string(ca)+"/"+s.name], "no row for %s / %s", ca, s.name)
		}
	}
	for _, v := range policyVariants {
		for _, r := range v.rows {
			_, ok := findRow(defaultTable, r.ca, r.subject)
			assert.True(t, ok, "variant %s overrides an unknown row %s/%s", v.name, r.ca, r.subject)
		}
	}
}

func TestDefaultPolicyTable(t *testing.T) {
	ctx := context.Background()
	// One CSR per caller and subject, reused across CAs and variants.
	csrs := map[string][]byte{}
	for _, c := range policyCallers {
		for _, s := range policySubjects {
			csrs[c.name+"/"+s.name] = mk(t, s.spec(c.who))
		}
	}
	for _, v := range policyVariants {
		t.Run(v.name, func(t *testing.T) {
			m, _ := newManager(t, certs.Config{Policy: v.policy})
			pools := map[certs.CAType]*x509.CertPool{}
			for _, ca := range certs.CATypes() {
				cert, err := m.CA(ctx, testCluster.UUID, ca)
				require.NoError(t, err)
				pools[ca] = x509.NewCertPool()
				pools[ca].AddCert(cert)
			}
			for _, ca := range certs.CATypes() {
				for _, s := range policySubjects {
					row, ok := findRow(v.rows, ca, s.name)
					if !ok {
						row, ok = findRow(defaultTable, ca, s.name)
					}
					require.True(t, ok, "no row for %s/%s", ca, s.name)
					for _, c := range policyCallers {
						class := c.class
						if re, ok := v.reclass[c.name]; ok {
							class = re
						}
						want, allowed := row.allow[class]
						name := fmt.Sprintf("%s/%s/%s", ca, s.name, c.name)
						cert, err := m.SignCSR(ctx, certs.SignRequest{
							Cluster: testCluster, Requester: c.who, CAType: ca, CSR: csrs[c.name+"/"+s.name],
						})
						if !allowed {
							assert.ErrorIs(t, err, errdefs.ErrForbidden, "%s must be refused", name)
							continue
						}
						if !assert.NoError(t, err, "%s must be granted", name) {
							continue
						}
						spec := s.spec(c.who)
						assert.Equal(t, want, cert.ExtKeyUsage, name)
						assert.Equal(t, spec.cn, cert.Subject.CommonName, name)
						assert.ElementsMatch(t, spec.orgs, cert.Subject.Organization, name)
						assert.Equal(t, spec.dns, nilIfEmpty(cert.DNSNames), name)
						assert.False(t, cert.IsCA, name)
						for _, u := range want {
							_, err := cert.Verify(x509.VerifyOptions{Roots: pools[ca], KeyUsages: []x509.ExtKeyUsage{u}})
							assert.NoError(t, err, "%s verifies for %v", name, u)
						}
					}
				}
			}
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
