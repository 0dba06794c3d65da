package certs_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/certs/certstest"
	"github.com/gomagnum/magnum/errdefs"
)

// csrSeeds are valid CSRs of the kinds the fuzzers start from.
func csrSeeds(t testing.TB) [][]byte {
	return [][]byte{
		mk(t, csrSpec{cn: "admin", orgs: []string{"system:masters"}}),
		mk(t, withSANs(csrSpec{cn: "system:node:w1", orgs: []string{"system:nodes"}})),
		mk(t, csrSpec{cn: "kubernetes", dns: []string{"a.example"}, ips: []net.IP{net.ParseIP("::1")}, eku: both}),
	}
}

// checkFuzzedSign asserts what must hold for any input: a typed error, or a
// non-CA certificate for client/server use that chains to the CA.
func checkFuzzedSign(t *testing.T, m *certs.Manager, pool *x509.CertPool, csr []byte) {
	for _, who := range []certs.Requester{adminCaller, trusteeCaller} {
		cert, err := m.SignCSR(context.Background(), certs.SignRequest{Cluster: testCluster, Requester: who, CSR: csr})
		if err != nil {
			assert.True(t, errors.Is(err, errdefs.ErrInvalid) || errors.Is(err, errdefs.ErrForbidden),
				"unexpected error kind: %v", err)
			continue
		}
		assert.False(t, cert.IsCA)
		assert.NotZero(t, cert.ExtKeyUsage)
		for _, u := range cert.ExtKeyUsage {
			assert.Contains(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}, u)
		}
		if who.Trustee {
			assert.NotContains(t, cert.Subject.Organization, "system:masters", "the trustee must never get masters")
		}
		_, err = cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: cert.ExtKeyUsage})
		assert.NoError(t, err)
	}
}

func fuzzManager(f *testing.F) (*certs.Manager, *x509.CertPool) {
	m, _ := newManager(f, certs.Config{})
	ca, err := m.CA(context.Background(), testCluster.UUID, certs.CAKubernetes)
	require.NoError(f, err)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return m, pool
}

// FuzzSignCSR feeds arbitrary bytes to SignCSR as a PEM CSR.
func FuzzSignCSR(f *testing.F) {
	m, pool := fuzzManager(f)
	for _, s := range csrSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzzedSign(t, m, pool, data)
	})
}

// FuzzSignCSRDER wraps arbitrary bytes in a PEM block so the fuzzer works
// on the DER parser and the extension checks directly.
func FuzzSignCSRDER(f *testing.F) {
	m, pool := fuzzManager(f)
	for _, s := range csrSeeds(f) {
		block, _ := pem.Decode(s)
		f.Add(block.Bytes)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		checkFuzzedSign(t, m, pool, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	})
}

// FuzzStoredRecords: whatever bytes sit in the record store, reading them
// back is a typed error or a valid key pair, never a panic.
func FuzzStoredRecords(f *testing.F) {
	ctx := context.Background()
	keys, err := certs.NewEphemeralKeys()
	require.NoError(f, err)
	seedStore := certs.NewMemRecordStore()
	seed := certs.NewSealedStorage(seedStore, keys)
	require.NoError(f, seed.CreateKeyPair(ctx, "r", certstest.NewKeyPair(f, "seed")))
	rec, err := seedStore.Get(ctx, "keypair/r")
	require.NoError(f, err)
	f.Add(rec)
	f.Add([]byte(`{"ca_cert_ref":"a","etcd_ca_cert_ref":"b","front_proxy_ca_cert_ref":"c","magnum_cert_ref":"d"}`))
	f.Add([]byte(`{"v":1,"cert":"","kid":"ephemeral","nonce":"AAAA","key":"AAAA"}`))
	f.Fuzz(func(t *testing.T, value []byte) {
		records := certs.NewMemRecordStore()
		require.NoError(t, records.Create(ctx, "keypair/r", value))
		require.NoError(t, records.Create(ctx, "cluster/c", value))
		s := certs.NewSealedStorage(records, keys)
		if kp, err := s.KeyPair(ctx, "r"); err == nil {
			require.NotNil(t, kp.Certificate)
			require.NotNil(t, kp.PrivateKey)
		} else {
			assert.True(t, errors.Is(err, errdefs.ErrUnavailable), "unexpected error kind: %v", err)
		}
		if _, err := s.Certificate(ctx, "r"); err != nil {
			assert.ErrorIs(t, err, errdefs.ErrUnavailable)
		}
		if refs, err := s.Refs(ctx, "c"); err == nil {
			for _, ref := range refs.All() {
				assert.NotEmpty(t, ref)
			}
		} else {
			assert.ErrorIs(t, err, errdefs.ErrUnavailable)
		}
	})
}

// unquoteShellWord decodes a word made of '...' parts and \' escapes, the
// only forms ShellExports produces; ok is false for anything else.
func unquoteShellWord(s string) (string, bool) {
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, `\'`):
			b.WriteByte('\'')
			s = s[2:]
		case s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return "", false
			}
			b.WriteString(s[1 : 1+end])
			s = s[2+end:]
		default:
			return "", false
		}
	}
	return b.String(), true
}

// FuzzShellExports: every value comes back intact from its quoted form, and
// the quoted form contains nothing a shell would interpret.
func FuzzShellExports(f *testing.F) {
	for _, s := range []string{"", "plain", "a'b", "'; rm -rf / #", "$(id)`id`\n", `\'\\'`, "''''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		out, err := certs.ShellExports([]certs.EnvVar{{Name: "V", Value: value}})
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(out, "export V="))
		require.True(t, strings.HasSuffix(out, "\n"))
		word := strings.TrimSuffix(strings.TrimPrefix(out, "export V="), "\n")
		got, ok := unquoteShellWord(word)
		require.True(t, ok, "not a single-quoted word: %q", word)
		assert.Equal(t, value, got)
	})
}
