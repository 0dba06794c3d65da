package magnum_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/swarm"
	"github.com/gomagnum/magnum/template"
)

// TestClusterConfigPerCOE: Swarm clusters get the Docker host and TLS
// bundle (or the plain host without TLS); Mesos has no client
// configuration to give.
func TestClusterConfigPerCOE(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	ctx := as(alice)
	for _, tpl := range []*template.ClusterTemplate{
		{Name: "swarm", COE: "swarm", ImageID: "fedora-atomic-latest", KeyPairID: "testkey", ExternalNetworkID: "public", FlavorID: "m1.small"},
		{Name: "swarm-plain", COE: "swarm", ImageID: "fedora-atomic-latest", KeyPairID: "testkey", ExternalNetworkID: "public", FlavorID: "m1.small", TLSDisabled: true},
		{Name: "mesos", COE: "mesos", ImageID: "ubuntu-mesos", KeyPairID: "testkey", ExternalNetworkID: "public", FlavorID: "m1.magnum", TLSDisabled: true},
	} {
		_, err := e.m.CreateClusterTemplate(ctx, tpl)
		require.NoError(t, err, tpl.Name)
		c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: tpl.Name, ClusterTemplate: tpl.Name})
		require.NoError(t, err, tpl.Name)
		syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	}

	cc, err := e.m.ClusterConfig(ctx, "swarm", certs.KubeconfigOptions{})
	require.NoError(t, err)
	assert.Equal(t, "swarm", cc.COE)
	assert.True(t, strings.HasPrefix(cc.DockerHost, "tcp://") && strings.HasSuffix(cc.DockerHost, ":2376"), cc.DockerHost)
	assert.Empty(t, cc.Kubeconfig)
	require.NotNil(t, cc.Bundle)
	ca, err := e.m.ClusterCA(ctx, "swarm", "")
	require.NoError(t, err)
	require.NoError(t, cc.Bundle.Client.Certificate.CheckSignatureFrom(parsePEMCert(t, ca)))
	env, err := cc.Env("/tmp/swarm")
	require.NoError(t, err)
	assert.Contains(t, env, certs.EnvVar{Name: "DOCKER_HOST", Value: cc.DockerHost})
	assert.Contains(t, env, certs.EnvVar{Name: "DOCKER_CERT_PATH", Value: "/tmp/swarm"})
	assert.Contains(t, env, certs.EnvVar{Name: "DOCKER_TLS_VERIFY", Value: "1"})

	plain, err := e.m.ClusterConfig(ctx, "swarm-plain", certs.KubeconfigOptions{})
	require.NoError(t, err)
	assert.Nil(t, plain.Bundle)
	assert.True(t, strings.HasSuffix(plain.DockerHost, ":2375"), plain.DockerHost)
	env, err = plain.Env("/tmp/x")
	require.NoError(t, err)
	assert.Equal(t, []certs.EnvVar{{Name: "DOCKER_HOST", Value: plain.DockerHost}}, env)

	_, err = e.m.ClusterConfig(ctx, "mesos", certs.KubeconfigOptions{})
	assert.True(t, errors.Is(err, errdefs.ErrUnsupported), "%v", err)
}

// TestSeedMesosTemplate creates the seed's Mesos template verbatim: the
// hyphenated rexray-preempt label is stored under the driver's name, and a
// cluster of it builds.
func TestSeedMesosTemplate(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	ctx := as(alice)
	tpl, err := e.m.CreateClusterTemplate(ctx, &template.ClusterTemplate{
		Name: "mesos-seed", COE: "mesos", ImageID: "ubuntu-mesos", KeyPairID: "testkey", ExternalNetworkID: "public",
		DNSNameServer: "8.8.8.8", FlavorID: "m1.magnum", MasterFlavorID: "m1.magnum", DockerVolumeSize: 4,
		TLSDisabled: true, VolumeDriver: "rexray", Labels: map[string]string{"rexray-preempt": "true"},
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"rexray_preempt": "true"}, map[string]string(tpl.Labels))
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "mesos", ClusterTemplate: "mesos-seed",
		Labels: map[string]string{"mesos-slave-work-dir": "/var/lib/mesos"}, MergeLabels: true})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	assert.Equal(t, "true", c.Labels["rexray_preempt"])
	assert.NotEmpty(t, c.APIAddress)
}

// TestDefaultCertPolicyServesSwarmManagers: the Manager's default policy
// lets a Swarm cluster's nodes get the manager certificate with client
// and server usage (it drives the nodes' engines and serves the API).
func TestDefaultCertPolicyServesSwarmManagers(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, &template.ClusterTemplate{Name: "swarm", COE: "swarm", ImageID: "fedora-atomic-latest",
		KeyPairID: "testkey", ExternalNetworkID: "public", FlavorID: "m1.small"})
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "sw", ClusterTemplate: "swarm"})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: swarm.ManagerCommonName}, IPAddresses: []net.IP{net.ParseIP("10.0.0.5")}}, key)
	require.NoError(t, err)
	cert, err := e.m.Certs().SignCSR(context.Background(), certs.SignRequest{
		Cluster:   certs.Cluster{UUID: c.UUID, Name: c.Name},
		Requester: certs.Requester{UserID: "trustee-1", Trustee: true},
		CSR:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
	})
	require.NoError(t, err)
	assert.Contains(t, cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	assert.Contains(t, cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
}
