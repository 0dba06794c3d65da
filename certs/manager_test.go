package certs_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/errdefs"
)

func extension(cert *x509.Certificate, oid string) (critical, ok bool) {
	for _, ext := range cert.Extensions {
		if ext.Id.String() == oid {
			return ext.Critical, true
		}
	}
	return false, false
}

// checkCA asserts the properties every cluster CA must have.
func checkCA(t *testing.T, ca *x509.Certificate, now time.Time, life time.Duration) {
	t.Helper()
	assert.True(t, ca.IsCA)
	assert.True(t, ca.BasicConstraintsValid)
	assert.Equal(t, 0, ca.MaxPathLen)
	assert.True(t, ca.MaxPathLenZero)
	assert.Equal(t, x509.KeyUsageCertSign|x509.KeyUsageCRLSign, ca.KeyUsage)
	assert.Empty(t, ca.ExtKeyUsage)
	crit, ok := extension(ca, "2.5.29.19")
	assert.True(t, ok && crit, "basic constraints must be present and critical")
	crit, ok = extension(ca, "2.5.29.15")
	assert.True(t, ok && crit, "key usage must be present and critical")
	assert.Len(t, ca.SubjectKeyId, 20)
	assert.Equal(t, ca.SubjectKeyId, ca.AuthorityKeyId)
	assert.NoError(t, ca.CheckSignatureFrom(ca), "self-signed")
	checkSerial(t, ca)
	assert.WithinDuration(t, now.Add(life), ca.NotAfter, time.Minute)
	assert.True(t, ca.NotBefore.Before(now), "NotBefore is back-dated")
}

func checkSerial(t *testing.T, cert *x509.Certificate) {
	t.Helper()
	assert.Equal(t, 1, cert.SerialNumber.Sign())
	assert.LessOrEqual(t, cert.SerialNumber.BitLen(), 128)
	// Random 128-bit serials have their top byte zero only 1 time in 256;
	// demand at least 97 bits so a constant or counter serial fails.
	assert.Greater(t, cert.SerialNumber.BitLen(), 96)
}

func TestCreateBuildsTheClusterSet(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []certs.KeyAlgorithm{certs.ECDSAP256, certs.RSA2048} {
		t.Run(alg.String(), func(t *testing.T) {
			now := time.Now()
			m, refs := newManager(t, certs.Config{KeyAlgorithm: alg})
			assert.Len(t, refs.All(), 4)
			seen := map[string]bool{}
			for _, r := range refs.All() {
				assert.Regexp(t, `^[0-9a-f]{32}$`, r)
				assert.False(t, seen[r], "references are distinct")
				seen[r] = true
			}

			cas := map[certs.CAType]*x509.Certificate{}
			serials := map[string]bool{}
			for _, typ := range certs.CATypes() {
				ca, err := m.CA(ctx, testCluster.UUID, typ)
				require.NoError(t, err)
				checkCA(t, ca, now, certs.DefaultCAValidity)
				assert.Equal(t, testCluster.Name, ca.Subject.CommonName)
				assert.Equal(t, []string{string(typ)}, ca.Subject.OrganizationalUnit)
				switch alg {
				case certs.ECDSAP256:
					pub, ok := ca.PublicKey.(*ecdsa.PublicKey)
					require.True(t, ok)
					assert.Equal(t, elliptic.P256(), pub.Curve)
					assert.Equal(t, x509.ECDSAWithSHA256, ca.SignatureAlgorithm)
				case certs.RSA2048:
					pub, ok := ca.PublicKey.(*rsa.PublicKey)
					require.True(t, ok)
					assert.Equal(t, 2048, pub.N.BitLen())
					assert.Equal(t, x509.SHA256WithRSA, ca.SignatureAlgorithm)
				}
				cas[typ] = ca
				serials[ca.SerialNumber.String()] = true
			}

			client, err := m.ClientKeyPair(ctx, testCluster.UUID)
			require.NoError(t, err)
			cert := client.Certificate
			serials[cert.SerialNumber.String()] = true
			assert.Len(t, serials, 4, "serials are distinct")
			assert.Equal(t, "admin", cert.Subject.CommonName)
			assert.Equal(t, []string{"system:masters"}, cert.Subject.Organization)
			assert.False(t, cert.IsCA)
			assert.True(t, cert.BasicConstraintsValid)
			assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, cert.ExtKeyUsage)
			want := x509.KeyUsageDigitalSignature
			if alg != certs.ECDSAP256 {
				want |= x509.KeyUsageKeyEncipherment
			}
			assert.Equal(t, want, cert.KeyUsage)
			assert.Len(t, cert.SubjectKeyId, 20)
			assert.Equal(t, cas[certs.CAKubernetes].SubjectKeyId, cert.AuthorityKeyId)
			assert.WithinDuration(t, now.Add(certs.DefaultLeafValidity), cert.NotAfter, time.Minute)
			checkSerial(t, cert)

			// The client chains to the cluster CA, for client auth, and to no
			// other CA of the cluster.
			for typ, ca := range cas {
				pool := x509.NewCertPool()
				pool.AddCert(ca)
				_, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
				if typ == certs.CAKubernetes {
					assert.NoError(t, err)
				} else {
					assert.Error(t, err, "client must not verify against the %s CA", typ)
				}
			}
		})
	}
}

func TestCreateRejectsDuplicatesAndBadInput(t *testing.T) {
	ctx := context.Background()
	m, refs := newManager(t, certs.Config{})
	_, err := m.Create(ctx, testCluster)
	assert.ErrorIs(t, err, errdefs.ErrConflict)
	got, err := m.Refs(ctx, testCluster.UUID)
	require.NoError(t, err)
	assert.Equal(t, refs, got, "a refused create changes nothing")

	_, err = m.Create(ctx, certs.Cluster{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = m.Create(ctx, certs.Cluster{UUID: "../../etc"})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)

	_, err = m.CA(ctx, testCluster.UUID, "bogus")
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = m.CA(ctx, "no-such-cluster", certs.CAKubernetes)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = m.ClientKeyPair(ctx, "no-such-cluster")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = m.Create(cctx, certs.Cluster{UUID: "other"})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = m.Refs(ctx, "other")
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
}

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]certs.Config{
		"algorithm":     {KeyAlgorithm: certs.KeyAlgorithm(99)},
		"ca validity":   {CAValidity: -time.Hour},
		"leaf validity": {LeafValidity: -time.Hour},
		"clock skew":    {ClockSkew: -time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := certs.New(cfg)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
		})
	}
}

func TestValidityIsConfigurableAndCappedByTheCA(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	m, _ := newManager(t, certs.Config{
		CAValidity:   48 * time.Hour,
		LeafValidity: 72 * time.Hour, // longer than the CA: cut to the CA's end
		ClockSkew:    5 * time.Minute,
		Now:          func() time.Time { return now },
	})
	ca, err := m.CA(ctx, testCluster.UUID, certs.CAKubernetes)
	require.NoError(t, err)
	assert.Equal(t, now.Add(48*time.Hour), ca.NotAfter)
	assert.Equal(t, now.Add(-5*time.Minute), ca.NotBefore)
	client, err := m.ClientKeyPair(ctx, testCluster.UUID)
	require.NoError(t, err)
	assert.Equal(t, ca.NotAfter, client.Certificate.NotAfter)
	assert.Equal(t, now.Add(-5*time.Minute), client.Certificate.NotBefore)

	m2, _ := newManager(t, certs.Config{LeafValidity: 24 * time.Hour, Now: func() time.Time { return now }})
	client, err = m2.ClientKeyPair(ctx, testCluster.UUID)
	require.NoError(t, err)
	assert.Equal(t, now.Add(24*time.Hour), client.Certificate.NotAfter)
}

func TestCACommonNameFallsBackAndIsBounded(t *testing.T) {
	ctx := context.Background()
	m, err := certs.New(certs.Config{})
	require.NoError(t, err)
	long := strings.Repeat("é", 40) // 80 bytes
	for _, c := range []struct {
		cluster certs.Cluster
		want    string
	}{
		{certs.Cluster{UUID: "no-name"}, "no-name"},
		{certs.Cluster{UUID: "long", Name: long}, strings.Repeat("é", 32)},
		{certs.Cluster{UUID: "bad-utf8", Name: "a\xffb"}, "a\uFFFDb"},
	} {
		_, err := m.Create(ctx, c.cluster)
		require.NoError(t, err)
		ca, err := m.CA(ctx, c.cluster.UUID, certs.CAKubernetes)
		require.NoError(t, err)
		assert.Equal(t, c.want, ca.Subject.CommonName)
	}
}

func TestDeleteRemovesEverything(t *testing.T) {
	ctx := context.Background()
	records := certs.NewMemRecordStore()
	keys, err := certs.NewEphemeralKeys()
	require.NoError(t, err)
	m, _ := newManager(t, certs.Config{Storage: certs.NewSealedStorage(records, keys)})
	assert.Len(t, records.Keys(), 5, "four key pairs and the references")

	require.NoError(t, m.Delete(ctx, testCluster.UUID))
	assert.Empty(t, records.Keys(), "all three CAs, the client and the references are gone")
	assert.ErrorIs(t, m.Delete(ctx, testCluster.UUID), errdefs.ErrNotFound)
}

func TestRSAKeySizes(t *testing.T) {
	if testing.Short() {
		t.Skip("RSA 3072/4096 key generation is slow")
	}
	for alg, bits := range map[certs.KeyAlgorithm]int{certs.RSA3072: 3072, certs.RSA4096: 4096} {
		key, err := alg.GenerateKey(nil)
		require.NoError(t, err)
		assert.Equal(t, bits, key.Public().(*rsa.PublicKey).N.BitLen())
	}
}

func TestKeyAlgorithmNames(t *testing.T) {
	for _, alg := range certs.KeyAlgorithms() {
		got, err := certs.ParseKeyAlgorithm(strings.ToUpper(alg.String()))
		require.NoError(t, err)
		assert.Equal(t, alg, got)
		text, err := alg.MarshalText()
		require.NoError(t, err)
		var back certs.KeyAlgorithm
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, alg, back)
	}
	def, err := certs.ParseKeyAlgorithm("")
	require.NoError(t, err)
	assert.Equal(t, certs.ECDSAP256, def)
	_, err = certs.ParseKeyAlgorithm("dsa-1024")
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = certs.KeyAlgorithm(42).MarshalText()
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Equal(t, "KeyAlgorithm(42)", certs.KeyAlgorithm(42).String())
}

func TestCATypeParsing(t *testing.T) {
	for in, want := range map[string]certs.CAType{
		"": certs.CAKubernetes, "kubernetes": certs.CAKubernetes, "etcd": certs.CAEtcd,
		"front-proxy": certs.CAFrontProxy, "front_proxy": certs.CAFrontProxy, "ETCD": certs.CAEtcd,
	} {
		got, err := certs.ParseCAType(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := certs.ParseCAType("magnum")
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

func TestLoggingNeverShowsKeys(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	logger := newTextLogger(&buf)
	m, _ := newManager(t, certs.Config{Logger: logger})
	client, err := m.ClientKeyPair(ctx, testCluster.UUID)
	require.NoError(t, err)
	csr, _ := makeCSR(t, csrSpec{cn: "system:node:n1", orgs: []string{"system:nodes"}})
	_, err = m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: trusteeCaller, CSR: csr})
	require.NoError(t, err)
	_, err = m.SignCSR(ctx, certs.SignRequest{Cluster: testCluster, Requester: memberCaller, CSR: csr})
	require.Error(t, err)
	_, err = m.Rotate(ctx, testCluster, nil)
	require.NoError(t, err)
	require.NoError(t, m.Delete(ctx, testCluster.UUID))

	out := buf.String()
	assert.Contains(t, out, "signed certificate")
	assert.Contains(t, out, "refused certificate signing request")
	assert.Contains(t, out, "rotated cluster certificates")
	assert.NotContains(t, out, "PRIVATE KEY")
	keyPEM, err := client.PrivateKeyPEM()
	require.NoError(t, err)
	body := string(keyPEM[len("-----BEGIN PRIVATE KEY-----\n"):])
	assert.NotContains(t, out, body[:40])
}
