package magnum_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat/heattest"
)

func parsePEMCert(t *testing.T, b []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(b)
	require.NotNil(t, block)
	c, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return c
}

// signAsOwner has the cluster's owner get a certificate signed.
func signAsOwner(t *testing.T, e *cloudEnv, ident string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "alice"}}, key)
	require.NoError(t, err)
	out, err := e.m.SignCSR(as(alice), ident, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), "")
	require.NoError(t, err)
	return parsePEMCert(t, out)
}

// TestCARotation rotates a cluster's CAs through a stack update: the old
// CA stays in force while the new one is delivered (new nodes get
// certificates of the new CA), the switch happens when the update
// completes, and then client bundles and the nodes' CA bundle are the new
// CA's only. A rotation whose update fails leaves the old CA fully in
// force.
func TestCARotation(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, versionedTemplate("k8s", "v1.30.4"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "k8s", NodeCount: intp(2)})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	_, err = e.m.CreateNodeGroup(ctx, "prod", &magnum.NodeGroupRequest{Name: "extra"})
	require.NoError(t, err)
	c, groups := syncGroups(t, e, ctx, c.UUID, cluster.UpdateComplete)
	extra := groups["extra"]
	require.NotNil(t, extra)
	oldPEM, err := e.m.ClusterCA(ctx, "prod", "")
	require.NoError(t, err)
	oldCA := parsePEMCert(t, oldPEM)
	servers := e.cloud.Heat().ServerIDs(c.StackID)
	groupServers := e.cloud.Heat().ServerIDs(extra.StackID)
	require.Len(t, groupServers, 1)

	rc, err := e.m.RotateCA(ctx, "prod")
	require.NoError(t, err)
	assert.Equal(t, cluster.UpdateInProgress, rc.Status)
	// While the new CAs are delivered the old one is in force, and nodes
	// asking for certificates get the new CA's.
	inForce, err := e.m.ClusterCA(ctx, "prod", "")
	require.NoError(t, err)
	assert.Equal(t, oldPEM, inForce)
	during := signAsOwner(t, e, "prod")
	assert.Error(t, during.CheckSignatureFrom(oldCA), "a node booted with the new CAs needs a certificate of the new CA")
	_, err = e.m.RotateCA(ctx, "prod")
	assert.True(t, errors.Is(err, errdefs.ErrConflict), "one rotation at a time: %v", err)

	c = syncUntil(t, e, ctx, c.UUID, cluster.UpdateComplete)
	newPEM, err := e.m.ClusterCA(ctx, "prod", "")
	require.NoError(t, err)
	assert.NotEqual(t, oldPEM, newPEM)
	newCA := parsePEMCert(t, newPEM)
	require.NoError(t, during.CheckSignatureFrom(newCA), "the certificate issued during delivery chains to the new CA")
	assert.Equal(t, string(newPEM), stackParam(t, e, c.StackID, "ca_cert"), "the nodes' bundle is the new CA only")
	for _, id := range servers {
		assert.NotContains(t, e.cloud.Heat().ServerIDs(c.StackID), id, "nodes were replaced with the new CAs")
	}
	assert.Equal(t, string(newPEM), stackParam(t, e, extra.StackID, "ca_cert"), "the node group's stack got the new CA too")
	assert.NotEqual(t, groupServers, e.cloud.Heat().ServerIDs(extra.StackID), "and its nodes were replaced")
	cfg, err := e.m.ClusterConfig(ctx, "prod", certs.KubeconfigOptions{})
	require.NoError(t, err)
	require.NotNil(t, cfg.Bundle)
	require.NoError(t, cfg.Bundle.Client.Certificate.CheckSignatureFrom(newCA), "new client bundles chain to the new CA")
	assert.Error(t, cfg.Bundle.Client.Certificate.CheckSignatureFrom(oldCA))
	after := signAsOwner(t, e, "prod")
	require.NoError(t, after.CheckSignatureFrom(newCA))

	// A rotation whose update fails: the CA in force does not change.
	e.cloud.Heat().FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: "No valid host was found."})
	_, err = e.m.RotateCA(ctx, "prod")
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.UpdateFailed)
	assert.Contains(t, c.StatusReason, "old certificate authorities stay in force")
	still, err := e.m.ClusterCA(ctx, "prod", "")
	require.NoError(t, err)
	assert.Equal(t, newPEM, still)
	require.NoError(t, signAsOwner(t, e, "prod").CheckSignatureFrom(newCA), "signing uses the CA in force")
	cfg, err = e.m.ClusterConfig(ctx, "prod", certs.KubeconfigOptions{})
	require.NoError(t, err)
	require.NoError(t, cfg.Bundle.Client.Certificate.CheckSignatureFrom(newCA))
}

// TestCARotationRefused: TLS-disabled clusters have nothing to rotate, and
// a cluster that is not settled cannot start one.
func TestCARotationRefused(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	ctx := as(alice)
	tpl := versionedTemplate("plain", "v1.30.4")
	tpl.TLSDisabled = true
	_, err := e.m.CreateClusterTemplate(ctx, tpl)
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "plain", ClusterTemplate: "plain"})
	require.NoError(t, err)
	_, err = e.m.RotateCA(ctx, "plain")
	assert.True(t, errors.Is(err, errdefs.ErrConflict), "in progress: %v", err)
	syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	_, err = e.m.RotateCA(ctx, "plain")
	assert.True(t, errors.Is(err, errdefs.ErrInvalid), "TLS disabled: %v", err)
}
