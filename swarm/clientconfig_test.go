package swarm_test

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/swarm"
)

func TestClientConfigFor(t *testing.T) {
	ctx := context.Background()
	mgr, err := certs.New(certs.Config{})
	require.NoError(t, err)
	c := &cluster.Cluster{UUID: testClusterUUID, Name: "prod", ProjectID: "p", UserID: "owner", APIAddress: "tcp://172.24.4.10:2376"}
	_, err = mgr.Create(ctx, certs.Cluster{UUID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, UserID: c.UserID})
	require.NoError(t, err)

	// TLS: a fresh client certificate from the cluster CA, for its owner.
	cfg, err := swarm.ClientConfigFor(ctx, mgr, c, certs.ClientRequest{Requester: certs.Requester{UserID: "owner", ProjectID: "p"}})
	require.NoError(t, err)
	require.NotNil(t, cfg.Bundle)
	assert.Equal(t, c.APIAddress, cfg.Host)
	assert.Equal(t, c.APIAddress, cfg.Bundle.Server)
	ca, err := mgr.CA(ctx, c.UUID, certs.CAKubernetes)
	require.NoError(t, err)
	assert.True(t, cfg.Bundle.CA.Equal(ca))
	assert.Contains(t, cfg.Bundle.Client.Certificate.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	_, err = cfg.Bundle.Client.Certificate.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	assert.NoError(t, err)
	env, err := cfg.Env("/home/u/.docker/prod")
	require.NoError(t, err)
	assert.Equal(t, []certs.EnvVar{{Name: "DOCKER_HOST", Value: c.APIAddress}, {Name: "DOCKER_CERT_PATH", Value: "/home/u/.docker/prod"},
		{Name: "DOCKER_TLS_VERIFY", Value: "1"}}, env)
	_, err = cfg.Env("")
	assert.ErrorIs(t, err, errdefs.ErrInvalid, "the certificate directory is required with TLS")

	// A caller the policy refuses gets the policy's error.
	_, err = swarm.ClientConfigFor(ctx, mgr, c, certs.ClientRequest{Requester: certs.Requester{UserID: "stranger", ProjectID: "other"}})
	assert.ErrorIs(t, err, errdefs.ErrForbidden)

	// TLS disabled: the plain address, no bundle, no issuer needed.
	plain := c.Clone()
	plain.APIAddress = "tcp://172.24.4.10:2375"
	cfg, err = swarm.ClientConfigFor(ctx, nil, plain, certs.ClientRequest{})
	require.NoError(t, err)
	assert.Nil(t, cfg.Bundle)
	env, err = cfg.Env("ignored")
	require.NoError(t, err)
	assert.Equal(t, []certs.EnvVar{{Name: "DOCKER_HOST", Value: "tcp://172.24.4.10:2375"}, {Name: "DOCKER_CERT_PATH", Value: ""},
		{Name: "DOCKER_TLS_VERIFY", Value: ""}}, env)
	sh, err := certs.ShellExports(env)
	require.NoError(t, err)
	assert.Equal(t, "export DOCKER_HOST='tcp://172.24.4.10:2375'\nexport DOCKER_CERT_PATH=''\nexport DOCKER_TLS_VERIFY=''\n", sh)
}

func TestClientConfigForRefuses(t *testing.T) {
	ctx := context.Background()
	mgr, err := certs.New(certs.Config{})
	require.NoError(t, err)
	_, err = swarm.ClientConfigFor(ctx, mgr, nil, certs.ClientRequest{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = swarm.ClientConfigFor(ctx, mgr, &cluster.Cluster{UUID: "u"}, certs.ClientRequest{})
	assert.ErrorIs(t, err, errdefs.ErrConflict, "no API address yet")
	for _, addr := range []string{"https://1.2.3.4:2376", "tcp://1.2.3.4", "tcp://u:p@1.2.3.4:2376", "tcp://1.2.3.4:2376/x", "tcp://:2376", "tcp://1.2.3.4:99999", "\x00"} {
		_, err = swarm.ClientConfigFor(ctx, mgr, &cluster.Cluster{UUID: "u", APIAddress: addr}, certs.ClientRequest{})
		assert.ErrorIs(t, err, errdefs.ErrInvalid, addr)
	}
	_, err = swarm.ClientConfigFor(ctx, nil, &cluster.Cluster{UUID: "u", APIAddress: "tcp://1.2.3.4:2376"}, certs.ClientRequest{})
	assert.ErrorIs(t, err, errdefs.ErrInvalid, "TLS needs an issuer")
	_, err = swarm.ClientConfigFor(ctx, mgr, &cluster.Cluster{UUID: "unknown", APIAddress: "tcp://1.2.3.4:2376"},
		certs.ClientRequest{Requester: certs.Requester{Admin: true}})
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "a cluster without CAs")
}

// The certificate manager is an issuer.
var _ swarm.BundleIssuer = (*certs.Manager)(nil)
