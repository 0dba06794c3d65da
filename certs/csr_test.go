package certs_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/errdefs"
)

func mustExt(t *testing.T, oid asn1.ObjectIdentifier, critical bool, value any) pkix.Extension {
	t.Helper()
	der, err := asn1.Marshal(value)
	require.NoError(t, err)
	return pkix.Extension{Id: oid, Critical: critical, Value: der}
}

func rawCSR(t *testing.T, tmpl *x509.CertificateRequest, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// TestCSRChecks feeds CSRs no caller may get signed as they are, through
// the admin (whom the policy allows everything), so every refusal comes
// from the manager's own checks.
func TestCSRChecks(t *testing.T) {
	ctx := context.Background()
	m, _ := newManager(t, certs.Config{})

	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	require.NoError(t, err)
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	require.NoError(t, err)

	type bc struct {
		IsCA       bool `asn1:"optional"`
		MaxPathLen int  `asn1:"optional,default:-1"`
	}
	good, _ := makeCSR(t, csrSpec{cn: "alice"})
	block, _ := pem.Decode(good)
	flipped := bytes.Clone(block.Bytes)
	flipped[len(flipped)-3] ^= 0x40 // inside the signature
	badSig := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: flipped})
	twoCNs := rawCSR(t, &x509.CertificateRequest{Subject: pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "system:node:a"},
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "admin"},
	}}}, p256(t))
	uri, err := url.Parse("spiffe://cluster/ns/x")
	require.NoError(t, err)

	cases := []struct {
		name   string
		csr    []byte
		kind   error
		reason string // a part of the error message, when it matters
	}{
		{"empty", nil, errdefs.ErrInvalid, ""},
		{"not PEM", []byte("hello"), errdefs.ErrInvalid, ""},
		{"wrong PEM type", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}), errdefs.ErrInvalid, ""},
		{"trailing data", append(bytes.Clone(good), "junk"...), errdefs.ErrInvalid, ""},
		{"two requests", append(bytes.Clone(good), good...), errdefs.ErrInvalid, ""},
		{"garbage DER", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{0x30, 0x03, 1, 2, 3}}), errdefs.ErrInvalid, ""},
		{"too large", append(bytes.Clone(good), bytes.Repeat([]byte("\n"), 70<<10)...), errdefs.ErrInvalid, ""},
		{"bad signature", badSig, errdefs.ErrInvalid, "signature does not verify"},
		{"RSA 1024", rawCSR(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a"}}, rsa1024), errdefs.ErrInvalid, "too weak"},
		{"P-521", rawCSR(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a"}}, p521), errdefs.ErrInvalid, "P-521 is not accepted"},
		{"P-224", rawCSR(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a"}}, p224), errdefs.ErrInvalid, "P-224 is not accepted"},
		{"CA:true critical", mk(t, csrSpec{cn: "a", extra: []pkix.Extension{mustExt(t, asn1.ObjectIdentifier{2, 5, 29, 19}, true, bc{IsCA: true, MaxPathLen: -1})}}), errdefs.ErrForbidden, "CA:true"},
		{"CA:true non-critical", mk(t, csrSpec{cn: "a", extra: []pkix.Extension{mustExt(t, asn1.ObjectIdentifier{2, 5, 29, 19}, false, bc{IsCA: true, MaxPathLen: -1})}}), errdefs.ErrForbidden, "CA:true"},
		{"keyCertSign usage", mk(t, csrSpec{cn: "a", extra: []pkix.Extension{mustExt(t, asn1.ObjectIdentifier{2, 5, 29, 15}, true, asn1.BitString{Bytes: []byte{0x04}, BitLength: 6})}}), errdefs.ErrForbidden, ""},
		{"cRLSign usage", mk(t, csrSpec{cn: "a", extra: []pkix.Extension{mustExt(t, asn1.ObjectIdentifier{2, 5, 29, 15}, false, asn1.BitString{Bytes: []byte{0x02}, BitLength: 7})}}), errdefs.ErrForbidden, ""},
		{"code signing usage", mk(t, csrSpec{cn: "a", eku: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}), errdefs.ErrForbidden, ""},
		{"any usage", mk(t, csrSpec{cn: "a", eku: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}), errdefs.ErrForbidden, ""},
		{"unknown critical extension", mk(t, csrSpec{cn: "a", extra: []pkix.Extension{mustExt(t, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, true, "x")}}), errdefs.ErrInvalid, "unsupported critical extension 1.3.6.1.4.1.99999.1"},
		{"malformed basic constraints", mk(t, csrSpec{cn: "a", extra: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Value: []byte{0xff}}}}), errdefs.ErrInvalid, ""},
		{"e-mail SAN", rawCSR(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a"}, EmailAddresses: []string{"a@example.com"}}, p256(t)), errdefs.ErrForbidden, ""},
		{"URI SAN", rawCSR(t, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a"}, URIs: []*url.URL{uri}}, p256(t)), errdefs.ErrForbidden, ""},
		{"wildcard DNS SAN", mk(t, csrSpec{cn: "a", dns: []string{"*.example.com"}}), errdefs.ErrInvalid, ""},
		{"too many SANs", mk(t, csrSpec{cn: "a", dns: manyNames(65)}), errdefs.ErrInvalid, ""},
		{"no CN", mk(t, csrSpec{orgs: []string{"x"}}), errdefs.ErrInvalid, ""},
		{"two CNs", twoCNs, errdefs.ErrInvalid, "exactly one common name"},
		{"control character in CN", mk(t, csrSpec{cn: "evil\nname"}), errdefs.ErrInvalid, ""},
		{"CN too long", mk(t, csrSpec{cn: strings.Repeat("a", 65)}), errdefs.ErrInvalid, ""},
		{"padded O", mk(t, csrSpec{cn: "a", orgs: []string{" system:masters"}}), errdefs.ErrInvalid, ""},
		{"too many O", mk(t, csrSpec{cn: "a", orgs: strings.Split("a,b,c,d,e,f,g,h,i", ",")}), errdefs.ErrInvalid, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: adminCaller, CSR: c.csr})
			require.Error(t, err)
			assert.ErrorIs(t, err, c.kind)
			if c.reason != "" {
				assert.Contains(t, err.Error(), c.reason)
			}
			var e *errdefs.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "csr", e.Field)
			assert.Equal(t, "cluster", e.Resource)
			assert.Equal(t, testCluster.UUID, e.ID)
		})
	}

	t.Run("unknown CA type", func(t *testing.T) {
		_, err := m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: adminCaller, CAType: "magnum", CSR: good})
		assert.ErrorIs(t, err, errdefs.ErrInvalid)
	})
	t.Run("unknown cluster", func(t *testing.T) {
		_, err := m.SignCSR(ctx, certs.SignRequest{Cluster: certs.Cluster{UUID: "nope", ProjectID: "proj"}, Requester: adminCaller, CSR: good})
		assert.ErrorIs(t, err, errdefs.ErrNotFound)
	})
}

func mk(t testing.TB, s csrSpec) []byte {
	t.Helper()
	out, _ := makeCSR(t, s)
	return out
}

func manyNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "host" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + ".example.com"
	}
	return out
}

// TestCSRAcceptedKeysAndDroppedContent: acceptable keys are signed, and
// nothing but the policy's grant and the public key reaches the
// certificate.
func TestCSRAcceptedKeysAndDroppedContent(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	m, _ := newManager(t, certs.Config{})
	ca, err := m.CA(ctx, testCluster.UUID, certs.CAKubernetes)
	require.NoError(t, err)

	rsa2048, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)

	for name, c := range map[string]struct {
		key   crypto.Signer
		usage x509.KeyUsage
	}{
		"RSA 2048": {rsa2048, x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment},
		"P-256":    {p256(t), x509.KeyUsageDigitalSignature},
		"P-384":    {p384, x509.KeyUsageDigitalSignature},
		"Ed25519":  {ed, x509.KeyUsageDigitalSignature},
	} {
		t.Run(name, func(t *testing.T) {
			csr := rawCSR(t, &x509.CertificateRequest{
				Subject: pkix.Name{
					CommonName: "system:node:worker-1", Organization: []string{"system:nodes"},
					OrganizationalUnit: []string{"dropped"}, Country: []string{"XX"}, Locality: []string{"dropped"},
				},
				DNSNames:    []string{"worker-1", "worker-1.cluster.local"},
				IPAddresses: []net.IP{net.ParseIP("10.0.0.5"), net.ParseIP("fd00::5")},
				ExtraExtensions: []pkix.Extension{
					// Non-critical unknown extension: dropped.
					mustExt(t, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 2}, false, "dropped"),
					// CA:false is fine.
					mustExt(t, asn1.ObjectIdentifier{2, 5, 29, 19}, true, struct {
						IsCA bool `asn1:"optional"`
					}{}),
					// Requested key usage bits are ignored: the key type decides.
					mustExt(t, asn1.ObjectIdentifier{2, 5, 29, 15}, true, asn1.BitString{Bytes: []byte{0xb0}, BitLength: 4}),
				},
			}, c.key)
			cert, err := m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: trusteeCaller, CSR: csr})
			require.NoError(t, err)

			assert.Equal(t, "system:node:worker-1", cert.Subject.CommonName)
			assert.Equal(t, []string{"system:nodes"}, cert.Subject.Organization)
			assert.Empty(t, cert.Subject.OrganizationalUnit)
			assert.Empty(t, cert.Subject.Country)
			assert.Empty(t, cert.Subject.Locality)
			assert.Equal(t, []string{"worker-1", "worker-1.cluster.local"}, cert.DNSNames)
			require.Len(t, cert.IPAddresses, 2)
			assert.True(t, cert.IPAddresses[0].Equal(net.ParseIP("10.0.0.5")))
			assert.Equal(t, c.usage, cert.KeyUsage)
			assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}, cert.ExtKeyUsage)
			assert.False(t, cert.IsCA)
			assert.True(t, cert.BasicConstraintsValid)
			assert.Equal(t, ca.SubjectKeyId, cert.AuthorityKeyId)
			assert.Len(t, cert.SubjectKeyId, 20)
			checkSerial(t, cert)
			assert.WithinDuration(t, now.Add(certs.DefaultLeafValidity), cert.NotAfter, time.Minute)
			for _, ext := range cert.Extensions {
				assert.NotEqual(t, "1.3.6.1.4.1.99999.2", ext.Id.String(), "unknown extension copied")
			}
			type equaler interface{ Equal(crypto.PublicKey) bool }
			assert.True(t, c.key.Public().(equaler).Equal(cert.PublicKey))

			pool := x509.NewCertPool()
			pool.AddCert(ca)
			for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth} {
				_, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{u}, DNSName: "worker-1.cluster.local"})
				assert.NoError(t, err)
			}
		})
	}
}

func TestCustomPolicyDecides(t *testing.T) {
	ctx := context.Background()
	var seen *certs.PolicyRequest
	policy := certs.PolicyFunc(func(_ context.Context, req *certs.PolicyRequest) (*certs.Grant, error) {
		seen = req
		return &certs.Grant{
			Subject:     pkix.Name{CommonName: "rewritten", Organization: []string{"team-a"}},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			DNSNames:    []string{"svc.example"},
			Validity:    2 * time.Hour,
		}, nil
	})
	now := time.Now()
	m, _ := newManager(t, certs.Config{Policy: policy, Now: func() time.Time { return now }})
	csr := mk(t, csrSpec{cn: "whatever", eku: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}})
	cert, err := m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: memberCaller, CAType: certs.CAEtcd, CSR: csr})
	require.NoError(t, err)
	require.NotNil(t, seen)
	assert.Equal(t, certs.CAEtcd, seen.CAType)
	assert.Equal(t, memberCaller, seen.Requester)
	assert.Equal(t, testCluster, seen.Cluster)
	assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}, seen.ExtKeyUsage)
	assert.Equal(t, "rewritten", cert.Subject.CommonName)
	assert.Equal(t, []string{"svc.example"}, cert.DNSNames)
	assert.WithinDuration(t, now.Add(2*time.Hour), cert.NotAfter, time.Second)
	etcd, err := m.CA(ctx, testCluster.UUID, certs.CAEtcd)
	require.NoError(t, err)
	assert.NoError(t, cert.CheckSignatureFrom(etcd), "signed by the etcd CA")

	// Grants that break the manager's rules are refused whatever the policy says.
	for name, g := range map[string]*certs.Grant{
		"code signing":  {Subject: pkix.Name{CommonName: "x"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}},
		"no usage":      {Subject: pkix.Name{CommonName: "x"}},
		"no CN":         {ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
		"negative life": {Subject: pkix.Name{CommonName: "x"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, Validity: -time.Hour},
		"bad DNS":       {Subject: pkix.Name{CommonName: "x"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, DNSNames: []string{"a b"}},
		"bad O":         {Subject: pkix.Name{CommonName: "x", Organization: []string{"a\nb"}}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
	} {
		t.Run(name, func(t *testing.T) {
			m, _ := newManager(t, certs.Config{Policy: certs.PolicyFunc(func(context.Context, *certs.PolicyRequest) (*certs.Grant, error) {
				return g, nil
			})})
			_, err := m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: adminCaller, CSR: csr})
			assert.Error(t, err)
		})
	}
	t.Run("nil grant", func(t *testing.T) {
		m, _ := newManager(t, certs.Config{Policy: certs.PolicyFunc(func(context.Context, *certs.PolicyRequest) (*certs.Grant, error) {
			return nil, nil
		})})
		_, err := m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: adminCaller, CSR: csr})
		assert.Error(t, err)
	})
}

func TestSignCSRHonoursContext(t *testing.T) {
	m, _ := newManager(t, certs.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: adminCaller, CSR: mk(t, csrSpec{cn: "a"})})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestIssueClient(t *testing.T) {
	ctx := context.Background()
	m, _ := newManager(t, certs.Config{})
	ca, err := m.CA(ctx, testCluster.UUID, certs.CAKubernetes)
	require.NoError(t, err)

	kp, err := m.IssueClient(ctx, certs.ClientRequest{Cluster: testCluster, Requester: ownerCaller})
	require.NoError(t, err)
	assert.Equal(t, "admin", kp.Certificate.Subject.CommonName)
	assert.Equal(t, []string{"system:masters"}, kp.Certificate.Subject.Organization)
	assert.NoError(t, kp.Certificate.CheckSignatureFrom(ca))
	_, isEC := kp.PrivateKey.(*ecdsa.PrivateKey)
	assert.True(t, isEC)

	// A plain member may not become cluster admin, but may get a
	// certificate in their own name.
	_, err = m.IssueClient(ctx, certs.ClientRequest{Cluster: testCluster, Requester: memberCaller})
	assert.ErrorIs(t, err, errdefs.ErrForbidden)
	kp, err = m.IssueClient(ctx, certs.ClientRequest{Cluster: testCluster, Requester: memberCaller, Subject: pkix.Name{CommonName: "bob"}})
	require.NoError(t, err)
	assert.Equal(t, "bob", kp.Certificate.Subject.CommonName)
	assert.Empty(t, kp.Certificate.Subject.Organization)
}
