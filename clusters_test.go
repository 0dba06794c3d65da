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
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/template"
)

// cloudEnv is a Manager on the fake cloud.
type cloudEnv struct {
	m     *magnum.Manager
	cloud *openstacktest.Server
	orch  *openstack.Orchestrator
}

func nodeAccess(authURL string) driver.NodeAccess {
	return driver.NodeAccess{
		SignURL: "https://magnum.example.com:9511/v1", AuthURL: authURL,
		Trustee: driver.Trustee{UserID: "trustee-1", Password: "s3cret"},
	}
}

// newCloudEnv starts a fake cloud and a Manager on it; cfg's zero fields
// are filled in.
func newCloudEnv(t *testing.T, cfg magnum.Config) *cloudEnv {
	t.Helper()
	srv := openstacktest.New(openstacktest.Options{})
	t.Cleanup(srv.Close)
	cloud, err := srv.Connect(context.Background())
	require.NoError(t, err)
	orch, err := cloud.Orchestrator(openstack.Config{})
	require.NoError(t, err)
	cfg.Orchestrator = orch
	cfg.Images = cloud
	cfg.Resources = cloud
	if cfg.Nodes.AuthURL == "" {
		cfg.Nodes = nodeAccess(srv.AuthOptions().IdentityEndpoint)
	}
	m, err := magnum.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return &cloudEnv{m: m, cloud: srv, orch: orch}
}

func fakeK8sTemplate(name string) *template.ClusterTemplate {
	return &template.ClusterTemplate{
		Name: name, COE: "kubernetes", ImageID: "fedora-atomic-latest", KeyPairID: "testkey",
		ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
	}
}

// syncUntil runs SyncOnce until the cluster reaches a settled status.
func syncUntil(t *testing.T, e *cloudEnv, ctx context.Context, id string, want ...cluster.Status) *cluster.Cluster {
	t.Helper()
	for range 50 {
		require.NoError(t, e.m.SyncOnce(ctx))
		c, err := e.m.GetCluster(ctx, id)
		if slices.Contains(want, cluster.DeleteComplete) && errorsIsNotFound(err) {
			return nil
		}
		require.NoError(t, err)
		if slices.Contains(want, c.Status) {
			return c
		}
		if !c.Status.InProgress() {
			t.Fatalf("cluster settled in %s (%s), want %v", c.Status, c.StatusReason, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("cluster %s did not reach %v", id, want)
	return nil
}

func errorsIsNotFound(err error) bool { return err != nil && errors.Is(err, errdefs.ErrNotFound) }

var apiRE = regexp.MustCompile(`^https://\d+\.\d+\.\d+\.\d+:6443$`)

// TestClusterLifecycleOnFakeCloud runs a Kubernetes cluster through create,
// resize up and down (removing a named node), patch and delete.
func TestClusterLifecycleOnFakeCloud(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{DefaultCaller: &alice})
	ctx := as(alice)
	var (
		mu     sync.Mutex
		events []magnum.Event
	)
	stop := e.m.Watch(func(ev magnum.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
	})
	defer stop()

	tpl, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	assert.Equal(t, "fedora-atomic", tpl.ClusterDistro, "from the image")

	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "prod", ClusterTemplate: "k8s",
		Labels: map[string]string{"kube_tag": "v1.30.1", "extra": "x"}, MergeLabels: true})
	require.NoError(t, err)
	assert.Equal(t, cluster.CreateInProgress, c.Status)
	assert.Equal(t, "testkey", c.KeyPair, "inherited")
	assert.Equal(t, 1, c.NodeCount)
	assert.Equal(t, 1, c.MasterCount)

	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)
	assert.Regexp(t, apiRE, c.APIAddress)
	assert.Len(t, c.MasterAddresses, 1)
	assert.Len(t, c.NodeAddresses, 1)
	assert.NotEmpty(t, c.StackID)
	assert.Equal(t, map[string]string{"kube_tag": "v1.30.1", "extra": "x"}, map[string]string(c.LabelsAdded))

	stacks, err := e.orch.ListStacks(context.Background(), heat.ListFilter{Tags: []string{c.UUID}})
	require.NoError(t, err)
	require.Len(t, stacks, 1)
	assert.Equal(t, magnum.StackName(c), stacks[0].Name)
	assert.Contains(t, stacks[0].Tags, heat.DefaultStackTag)

	groups, err := e.m.NodeGroups(ctx, "prod")
	require.NoError(t, err)
	require.Len(t, groups, 2)
	for _, g := range groups {
		assert.Equal(t, cluster.CreateComplete, g.Status, g.Name)
		assert.Len(t, g.NodeAddresses, 1, g.Name)
	}

	// Resize 1 → 3.
	_, err = e.m.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 3})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, 3, c.NodeCount)
	require.Len(t, c.NodeAddresses, 3)

	// Resize 3 → 1, removing the second and third nodes by server id.
	s, err := e.orch.GetStack(context.Background(), c.StackID, true)
	require.NoError(t, err)
	minions, err := k8s.Minions(s)
	require.NoError(t, err)
	require.Len(t, minions, 3)
	_, err = e.m.ResizeCluster(ctx, "prod", magnum.ResizeRequest{NodeCount: 1, NodesToRemove: []string{minions[1].ServerID, minions[2].ServerID}})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, 1, c.NodeCount)
	s, err = e.orch.GetStack(context.Background(), c.StackID, true)
	require.NoError(t, err)
	left, err := k8s.Minions(s)
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, minions[0].ServerID, left[0].ServerID, "the named nodes went, the other stayed")

	// Patch node_count and health.
	_, err = e.m.UpdateCluster(ctx, "prod", ops(t, `[{"op":"replace","path":"/node_count","value":2}]`), magnum.UpdateOptions{})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.UpdateComplete)
	assert.Equal(t, 2, c.NodeCount)
	c, err = e.m.UpdateCluster(ctx, "prod", ops(t, `[{"op":"replace","path":"/health_status","value":"HEALTHY"}]`), magnum.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, cluster.Healthy, c.HealthStatus)
	assert.Equal(t, cluster.UpdateComplete, c.Status, "a health change touches nothing else")

	st, err := e.m.Stats(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, magnum.Stats{Clusters: 1, Nodes: 3}, st)

	// Delete.
	require.NoError(t, e.m.DeleteCluster(ctx, "prod"))
	require.NoError(t, e.m.DeleteCluster(ctx, "prod"), "idempotent")
	syncUntil(t, e, ctx, c.UUID, cluster.DeleteComplete)
	_, err = e.m.GetCluster(ctx, "prod")
	require.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = e.m.Stats(ctx, "")
	require.NoError(t, err)
	stacks, err = e.orch.ListStacks(context.Background(), heat.ListFilter{Tags: []string{c.UUID}})
	require.NoError(t, err)
	assert.Empty(t, stacks)

	mu.Lock()
	defer mu.Unlock()
	var seen []cluster.Status
	for _, ev := range events {
		if ev.ClusterID == c.UUID {
			seen = append(seen, ev.To)
		}
	}
	assert.Equal(t, []cluster.Status{cluster.CreateInProgress, cluster.CreateComplete,
		cluster.UpdateInProgress, cluster.UpdateComplete, cluster.UpdateInProgress, cluster.UpdateComplete,
		cluster.UpdateInProgress, cluster.UpdateComplete, cluster.DeleteInProgress, cluster.DeleteComplete}, seen)
}

func TestClusterCertificates(t *testing.T) {
	e := newCloudEnv(t, magnum.Config{})
	ctx := as(alice)
	_, err := e.m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
	require.NoError(t, err)
	c, err := e.m.CreateCluster(ctx, &magnum.ClusterRequest{Name: "tls", ClusterTemplate: "k8s"})
	require.NoError(t, err)
	c = syncUntil(t, e, ctx, c.UUID, cluster.CreateComplete)

	caPEM, err := e.m.ClusterCA(ctx, "tls", "")
	require.NoError(t, err)
	block, _ := pem.Decode(caPEM)
	require.NotNil(t, block)
	ca, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.True(t, ca.IsCA)
	etcdPEM, err := e.m.ClusterCA(ctx, "tls", "etcd")
	require.NoError(t, err)
	assert.NotEqual(t, caPEM, etcdPEM)
	_, err = e.m.ClusterCA(ctx, "tls", "bogus")
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	_, err = e.m.ClusterCA(as(bob), c.UUID, "")
	require.ErrorIs(t, err, errdefs.ErrNotFound, "another project's cluster is invisible")

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "alice", Organization: []string{"system:masters"}}}, key)
	require.NoError(t, err)
	certPEM, err := e.m.SignCSR(ctx, "tls", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), "")
	require.NoError(t, err)
	block, _ = pem.Decode(certPEM)
	require.NotNil(t, block)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.NoError(t, cert.CheckSignatureFrom(ca))

	cfg, err := e.m.ClusterConfig(ctx, "tls", certs.KubeconfigOptions{})
	require.NoError(t, err)
	assert.Contains(t, string(cfg.Kubeconfig), c.APIAddress)
	require.NotNil(t, cfg.Bundle)
}
