package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net/http"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/containerinfra/v1/certificates"
	"github.com/gophercloud/gophercloud/v2/openstack/containerinfra/v1/clusters"
	"github.com/gophercloud/gophercloud/v2/openstack/containerinfra/v1/clustertemplates"
	"github.com/gophercloud/gophercloud/v2/openstack/containerinfra/v1/nodegroups"
	"github.com/gophercloud/gophercloud/v2/pagination"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// containerInfra is a gophercloud client of the test server with a token.
func (e *env) containerInfra(t testing.TB, token, microversion string) *gophercloud.ServiceClient {
	t.Helper()
	return &gophercloud.ServiceClient{
		ProviderClient: &gophercloud.ProviderClient{TokenID: token, HTTPClient: *http.DefaultClient},
		Endpoint:       e.srv.URL + "/v1/",
		Type:           "container-infrastructure-management",
		Microversion:   microversion,
	}
}

// waitStatus polls the cluster through the client until it settles.
func waitStatus(t *testing.T, ctx context.Context, c *gophercloud.ServiceClient, id string, want string) *clusters.Cluster {
	t.Helper()
	for ctx.Err() == nil {
		got, err := clusters.Get(ctx, c, id).Extract()
		require.NoError(t, err)
		if got.Status == want {
			return got
		}
		require.Contains(t, got.Status, "IN_PROGRESS", "cluster settled in %s: %s", got.Status, got.StatusReason)
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("cluster %s did not reach %s", id, want)
	return nil
}

// TestGophercloudClient drives the handler with gophercloud's containerinfra
// client: template create/get/list/update, cluster create/get/list (paged)/
// update/resize, CA show, CSR signing, cluster and template delete.
func TestGophercloudClient(t *testing.T) {
	e := newEnv(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := e.containerInfra(t, "alice-token", "1.10")

	ct, err := clustertemplates.Create(ctx, c, clustertemplates.CreateOpts{
		Name: "k8s", COE: "kubernetes", ImageID: "fedora-atomic-latest", KeyPairID: "testkey",
		ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
		Labels: map[string]string{"kube_tag": "v1.30.1"},
	}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "kubernetes", ct.COE)
	assert.Equal(t, "fedora-atomic", ct.ClusterDistro)
	assert.True(t, ct.FloatingIPEnabled)

	got, err := clustertemplates.Get(ctx, c, "k8s").Extract()
	require.NoError(t, err)
	assert.Equal(t, ct.UUID, got.UUID)

	ct, err = clustertemplates.Update(ctx, c, ct.UUID, []clustertemplates.UpdateOpts{
		{Op: clustertemplates.ReplaceOp, Path: "/labels", Value: "{'kube_tag': 'v1.31.0'}"},
	}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "v1.31.0", ct.Labels["kube_tag"])

	pages, err := clustertemplates.List(c, nil).AllPages(ctx)
	require.NoError(t, err)
	tpls, err := clustertemplates.ExtractClusterTemplates(pages)
	require.NoError(t, err)
	require.Len(t, tpls, 1)

	// Two clusters, so that a list with limit 1 has to follow "next".
	one, two := 1, 2
	var ids []string
	for _, name := range []string{"prod", "dev"} {
		id, err := clusters.Create(ctx, c, clusters.CreateOpts{
			Name: name, ClusterTemplateID: "k8s", NodeCount: &one, MasterCount: &one,
			Labels: map[string]string{"kube_tag": "v1.31.0"},
		}).Extract()
		require.NoError(t, err)
		require.NotEmpty(t, id)
		ids = append(ids, id)
	}
	for _, id := range ids {
		cl := waitStatus(t, ctx, c, id, "CREATE_COMPLETE")
		assert.Equal(t, 1, cl.NodeCount)
		assert.NotEmpty(t, cl.APIAddress)
		assert.Equal(t, ct.UUID, cl.ClusterTemplateID)
	}

	var listed []string
	err = clusters.List(c, clusters.ListOpts{Limit: 1, SortKey: "name", SortDir: "asc"}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		cs, err := clusters.ExtractClusters(p)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(cs), 1)
		for _, cl := range cs {
			listed = append(listed, cl.Name)
		}
		return true, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"dev", "prod"}, listed, "two pages of one, by name")

	detail, err := clusters.ListDetail(c, nil).AllPages(ctx)
	require.NoError(t, err)
	all, err := clusters.ExtractClusters(detail)
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.NotEmpty(t, all[0].APIAddress, "detail lists carry every field")

	// Update node_count through PATCH, then resize through the action.
	id, err := clusters.Update(ctx, c, "prod", []clusters.UpdateOpts{
		{Op: clusters.ReplaceOp, Path: "/node_count", Value: two},
	}).Extract()
	require.NoError(t, err)
	assert.Equal(t, ids[0], id)
	cl := waitStatus(t, ctx, c, id, "UPDATE_COMPLETE")
	assert.Equal(t, 2, cl.NodeCount)

	three := 3
	id, err = clusters.Resize(ctx, c, "prod", clusters.ResizeOpts{NodeCount: &three}).Extract()
	require.NoError(t, err)
	cl = waitStatus(t, ctx, c, id, "UPDATE_COMPLETE")
	assert.Equal(t, 3, cl.NodeCount)
	assert.Len(t, cl.NodeAddresses, 3)

	// The cluster CA, then a CSR signed by it.
	ca, err := certificates.Get(ctx, c, "prod").Extract()
	require.NoError(t, err)
	assert.Equal(t, ids[0], ca.ClusterUUID)
	caBlock, _ := pem.Decode([]byte(ca.PEM))
	require.NotNil(t, caBlock, "CA PEM: %q", ca.PEM)
	caCert, err := x509.ParseCertificate(caBlock.Bytes)
	require.NoError(t, err)
	assert.True(t, caCert.IsCA)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "alice", Organization: []string{"system:masters"}},
	}, key)
	require.NoError(t, err)
	csrPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER})
	signed, err := certificates.Create(ctx, c, certificates.CreateOpts{ClusterUUID: ids[0], CSR: string(csrPEM)}).Extract()
	require.NoError(t, err)
	certBlock, _ := pem.Decode([]byte(signed.PEM))
	require.NotNil(t, certBlock)
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	assert.NoError(t, err, "the certificate chains to the cluster CA")

	// Another project sees none of it.
	bobc := e.containerInfra(t, "bob-token", "1.10")
	_, err = clusters.Get(ctx, bobc, ids[0]).Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound), "got %v", err)

	// Delete both clusters, then the template.
	for _, id := range ids {
		require.NoError(t, clusters.Delete(ctx, c, id).ExtractErr())
	}
	for _, id := range ids {
		for {
			_, err := clusters.Get(ctx, c, id).Extract()
			if gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
				break
			}
			require.NoError(t, err)
			require.NoError(t, ctx.Err())
			time.Sleep(5 * time.Millisecond)
		}
	}
	require.NoError(t, clustertemplates.Delete(ctx, c, ct.UUID).ExtractErr())
}

// TestGophercloudDefaultVersionCannotResize: a client that asks for no
// microversion gets 1.1, where resize does not exist yet (406).
func TestGophercloudDefaultVersionCannotResize(t *testing.T) {
	e := newEnv(t, false)
	c := e.containerInfra(t, "alice-token", "")
	n := 2
	_, err := clusters.Resize(context.Background(), c, "x", clusters.ResizeOpts{NodeCount: &n}).Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotAcceptable), "got %v", err)
}

// TestGophercloudDay2 drives node groups (create, get, list, update,
// delete), resize of a non-default group, upgrade and CA rotation with
// gophercloud's containerinfra client.
func TestGophercloudDay2(t *testing.T) {
	e := newEnv(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := e.containerInfra(t, "alice-token", "1.10")

	for name, tag := range map[string]string{"v130": "v1.30.4", "v131": "v1.31.2"} {
		_, err := clustertemplates.Create(ctx, c, clustertemplates.CreateOpts{
			Name: name, COE: "kubernetes", ImageID: "fedora-atomic-latest", KeyPairID: "testkey",
			ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
			Labels: map[string]string{"kube_tag": tag, "etcd_volume_size": "5"},
		}).Extract()
		require.NoError(t, err)
	}
	one := 1
	id, err := clusters.Create(ctx, c, clusters.CreateOpts{Name: "prod", ClusterTemplateID: "v130", NodeCount: &one}).Extract()
	require.NoError(t, err)
	waitStatus(t, ctx, c, id, "CREATE_COMPLETE")

	two, four := 2, 4
	ng, err := nodegroups.Create(ctx, c, id, nodegroups.CreateOpts{
		Name: "batch", NodeCount: &two, MaxNodeCount: &four, FlavorID: "m1.medium",
		Labels: map[string]string{"team": "data"}, MergeLabels: gophercloud.Enabled,
	}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "batch", ng.Name)
	assert.Equal(t, "CREATE_IN_PROGRESS", ng.Status)
	assert.Equal(t, "m1.medium", ng.FlavorID)
	assert.Equal(t, "data", ng.Labels["team"])
	waitStatus(t, ctx, c, id, "UPDATE_COMPLETE")

	got, err := nodegroups.Get(ctx, c, id, "batch").Extract()
	require.NoError(t, err)
	assert.Equal(t, ng.UUID, got.UUID)
	assert.Equal(t, "CREATE_COMPLETE", got.Status)
	assert.Len(t, got.NodeAddresses, 2)
	pages, err := nodegroups.List(c, id, nil).AllPages(ctx)
	require.NoError(t, err)
	all, err := nodegroups.ExtractNodeGroups(pages)
	require.NoError(t, err)
	assert.Len(t, all, 3)

	three := 3
	_, err = clusters.Resize(ctx, c, id, clusters.ResizeOpts{NodeCount: &three, NodeGroup: "batch"}).Extract()
	require.NoError(t, err)
	cl := waitStatus(t, ctx, c, id, "UPDATE_COMPLETE")
	assert.Equal(t, 4, cl.NodeCount)
	got, err = nodegroups.Get(ctx, c, id, ng.UUID).Extract()
	require.NoError(t, err)
	assert.Equal(t, 3, got.NodeCount)

	up, err := nodegroups.Update(ctx, c, id, "batch", []nodegroups.UpdateOpts{
		{Op: nodegroups.ReplaceOp, Path: "/min_node_count", Value: 1},
	}).Extract()
	require.NoError(t, err)
	assert.Equal(t, 1, up.MinNodeCount)
	_, err = nodegroups.Update(ctx, c, id, "batch", []nodegroups.UpdateOpts{
		{Op: nodegroups.ReplaceOp, Path: "/max_node_count", Value: 2},
	}).Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusConflict), "max below the count: %v", err)

	require.NoError(t, nodegroups.Delete(ctx, c, id, "batch").ExtractErr())
	waitStatus(t, ctx, c, id, "UPDATE_COMPLETE")
	_, err = nodegroups.Get(ctx, c, id, "batch").Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotFound), "got %v", err)

	// Upgrade (gophercloud sends max_batch_size 1 when none is given).
	uid, err := clusters.Upgrade(ctx, c, id, clusters.UpgradeOpts{ClusterTemplate: "v131"}).Extract()
	require.NoError(t, err)
	assert.Equal(t, id, uid)
	cl = waitStatus(t, ctx, c, id, "UPDATE_COMPLETE")
	v131, err := clustertemplates.Get(ctx, c, "v131").Extract()
	require.NoError(t, err)
	assert.Equal(t, v131.UUID, cl.ClusterTemplateID)

	// CA rotation: PATCH without a body.
	before, err := certificates.Get(ctx, c, id).Extract()
	require.NoError(t, err)
	require.NoError(t, certificates.Update(ctx, c, id).Err)
	waitStatus(t, ctx, c, id, "UPDATE_COMPLETE")
	after, err := certificates.Get(ctx, c, id).Extract()
	require.NoError(t, err)
	assert.NotEqual(t, before.PEM, after.PEM)
}

// labeledGroup is a node group create body with the 1.14 fields that
// gophercloud v2's nodegroups.CreateOpts does not have, through the
// package's CreateOptsBuilder.
type labeledGroup struct {
	nodegroups.CreateOpts
	NodeLabels map[string]string   `json:"node_labels,omitempty"`
	NodeTaints []map[string]string `json:"node_taints,omitempty"`
}

func (o labeledGroup) ToNodeGroupCreateMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(o, "")
}

// TestGophercloudAtLatest drives the 1.12–1.14 changes with a gophercloud
// client at "latest" (1.14): its Cluster has no cluster_id field (it knows
// stack_id only, which 1.13 renamed), node groups take node labels and
// taints through a CreateOptsBuilder, and PATCH /v1/credentials goes
// through the client's raw request (it has no credentials package): 400
// for the Heat Kubernetes driver.
func TestGophercloudAtLatest(t *testing.T) {
	e := newEnv(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := e.containerInfra(t, "alice-token", "latest")
	old := e.containerInfra(t, "alice-token", "1.12")

	_, err := clustertemplates.Create(ctx, c, clustertemplates.CreateOpts{
		Name: "k8s", COE: "kubernetes", ImageID: "fedora-atomic-latest", KeyPairID: "testkey",
		ExternalNetworkID: "public", FlavorID: "m1.small", MasterFlavorID: "m1.medium",
	}).Extract()
	require.NoError(t, err)
	one := 1
	id, err := clusters.Create(ctx, c, clusters.CreateOpts{Name: "prod", ClusterTemplateID: "k8s", NodeCount: &one}).Extract()
	require.NoError(t, err)
	cl := waitStatus(t, ctx, c, id, "CREATE_COMPLETE")
	assert.Empty(t, cl.StackID, "1.13 calls it cluster_id, which gophercloud does not read")
	clOld, err := clusters.Get(ctx, old, id).Extract()
	require.NoError(t, err)
	assert.NotEmpty(t, clOld.StackID, "stack_id below 1.13")

	ng, err := nodegroups.Create(ctx, c, id, labeledGroup{
		CreateOpts: nodegroups.CreateOpts{Name: "gpu", NodeCount: &one},
		NodeLabels: map[string]string{"accelerator": "a100"},
		NodeTaints: []map[string]string{{"key": "gpu", "value": "true", "effect": "NoSchedule"}},
	}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "gpu", ng.Name)
	waitStatus(t, ctx, c, id, "UPDATE_COMPLETE")
	var shown struct {
		NodeLabels map[string]string   `json:"node_labels"`
		NodeTaints []map[string]string `json:"node_taints"`
	}
	require.NoError(t, nodegroups.Get(ctx, c, id, "gpu").ExtractInto(&shown))
	assert.Equal(t, map[string]string{"accelerator": "a100"}, shown.NodeLabels)
	assert.Equal(t, []map[string]string{{"key": "gpu", "value": "true", "effect": "NoSchedule"}}, shown.NodeTaints)
	_, err = nodegroups.Create(ctx, old, id, labeledGroup{
		CreateOpts: nodegroups.CreateOpts{Name: "gpu2"}, NodeLabels: map[string]string{"a": "b"},
	}).Extract()
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusBadRequest), "node_labels below 1.14: %v", err)

	_, err = c.Patch(ctx, c.ServiceURL("credentials", id), nil, nil, &gophercloud.RequestOpts{OkCodes: []int{http.StatusAccepted}})
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusBadRequest), "no credential rotation in the Heat driver: %v", err)
	_, err = e.containerInfra(t, "alice-token", "1.11").Patch(ctx, c.ServiceURL("credentials", id), nil, nil, &gophercloud.RequestOpts{OkCodes: []int{http.StatusAccepted}})
	assert.True(t, gophercloud.ResponseCodeIs(err, http.StatusNotAcceptable), "before 1.12: %v", err)
}
