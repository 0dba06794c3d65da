package certs_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
)

// testCluster is the cluster most tests use: owned by user "owner" in
// project "proj", with trustee "trustee-1".
var testCluster = certs.Cluster{
	UUID:          "5d12f6fd-a196-4bf0-ae4c-1f639a523a52",
	Name:          "k8s-prod",
	ProjectID:     "proj",
	UserID:        "owner",
	TrusteeUserID: "trustee-1",
}

var (
	adminCaller   = certs.Requester{UserID: "cloud-admin", ProjectID: "admin", Roles: []string{"admin"}, Admin: true}
	ownerCaller   = certs.Requester{UserID: "owner", ProjectID: "proj", Roles: []string{"member"}}
	trusteeCaller = certs.Requester{UserID: "trustee-1", Trustee: true}
	memberCaller  = certs.Requester{UserID: "bob", ProjectID: "proj", Roles: []string{"member", "reader"}}
)

// newManager returns a manager (default config unless cfg says otherwise)
// with certificates created for testCluster.
func newManager(t testing.TB, cfg certs.Config) (*certs.Manager, certs.Refs) {
	t.Helper()
	m, err := certs.New(cfg)
	require.NoError(t, err)
	refs, err := m.Create(context.Background(), testCluster)
	require.NoError(t, err)
	return m, refs
}

// csrSpec describes a CSR to build.
type csrSpec struct {
	cn    string
	orgs  []string
	dns   []string
	ips   []net.IP
	eku   []x509.ExtKeyUsage
	extra []pkix.Extension
	key   crypto.Signer // nil: a fresh P-256 key
}

func p256(t testing.TB) crypto.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return key
}

// makeCSR returns the PEM CSR and the key that signed it.
func makeCSR(t testing.TB, s csrSpec) ([]byte, crypto.Signer) {
	t.Helper()
	key := s.key
	if key == nil {
		key = p256(t)
	}
	tmpl := &x509.CertificateRequest{
		Subject:         pkix.Name{CommonName: s.cn, Organization: s.orgs},
		DNSNames:        s.dns,
		IPAddresses:     s.ips,
		ExtraExtensions: s.extra,
	}
	if len(s.eku) > 0 {
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, ekuExtension(t, s.eku...))
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), key
}

// ekuExtension encodes an extended key usage extension the way a CSR
// carries it.
func ekuExtension(t testing.TB, usages ...x509.ExtKeyUsage) pkix.Extension {
	t.Helper()
	// Let crypto/x509 encode it: create a throwaway certificate with the
	// usages and copy its extension.
	key := p256(t)
	tmpl := &x509.Certificate{SerialNumber: bigOne(), ExtKeyUsage: usages}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	for _, ext := range cert.Extensions {
		if ext.Id.String() == "2.5.29.37" {
			return ext
		}
	}
	t.Fatal("no extended key usage extension")
	return pkix.Extension{}
}

// requireTool returns the path of an external program. When it is missing
// the test is skipped — or fails if GOMAGNUM_REQUIRE_TOOLS=1 (CI installs
// the tools and must not skip silently).
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("GOMAGNUM_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s is required (GOMAGNUM_REQUIRE_TOOLS=1) but not found: %v", name, err)
	}
	t.Skipf("%s not installed: %v", name, err)
	return ""
}

// writePEM writes PEM data into dir/name and returns the path.
func writePEM(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func bigOne() *big.Int { return big.NewInt(1) }

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
