package k8s_test

import (
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
)

// rotationRequest hands the cluster new CAs (the test fixture's CAs
// swapped around stand in for new ones) and the old ones as previous.
func rotationRequest(t testing.TB) *driver.Request {
	req := request(t, variant{EtcdVolume: true})
	old := req.Nodes.CACerts
	req.PreviousCACerts = old
	req.Nodes.CACerts = map[string][]byte{
		string(certs.CAKubernetes): old[string(certs.CAFrontProxy)],
		string(certs.CAEtcd):       old[string(certs.CAKubernetes)],
		string(certs.CAFrontProxy): old[string(certs.CAEtcd)],
	}
	return req
}

func saKey(t *testing.T, masterEnv any) []byte {
	t.Helper()
	s, ok := masterEnv.(string)
	require.True(t, ok)
	env, err := k8s.ParseEnvFile([]byte(s))
	require.NoError(t, err)
	v, ok := env.Get("SERVICE_ACCOUNT_KEY")
	require.True(t, ok)
	block, _ := pem.Decode([]byte(v))
	require.NotNil(t, block)
	_, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	return []byte(v)
}

func TestRotateCAStack(t *testing.T) {
	for _, d := range drivers() {
		t.Run(d.Info().Name, func(t *testing.T) {
			req := rotationRequest(t)
			upd, err := d.RotateCAStack(req)
			require.NoError(t, err)
			assert.True(t, upd.Existing)
			assert.True(t, upd.DisableRollback)
			assert.ElementsMatch(t, []string{"ca_cert", "etcd_ca_cert", "front_proxy_ca_cert", "master_env"}, paramNames(upd.Parameters))
			assert.Equal(t, string(req.Nodes.CACerts["kubernetes"]), upd.Parameters["ca_cert"], "the new CA only")
			assert.Equal(t, string(req.Nodes.CACerts["etcd"]), upd.Parameters["etcd_ca_cert"])
			assert.Equal(t, string(req.Nodes.CACerts["front-proxy"]), upd.Parameters["front_proxy_ca_cert"])
			key1 := saKey(t, upd.Parameters["master_env"])
			assert.NotEqual(t, string(getFixture(t).saKey), string(key1), "a new service account key")

			// The update fits the stack the cluster was created with.
			sr, _, err := d.RenderCluster(input(t, variant{EtcdVolume: true}))
			require.NoError(t, err)
			require.NoError(t, heat.Check(mergeUpdate(sr, upd), nil))

			// Every call makes a new key.
			upd2, err := d.RotateCAStack(req)
			require.NoError(t, err)
			assert.NotEqual(t, string(key1), string(saKey(t, upd2.Parameters["master_env"])))

			// A node group's stack gets the CAs, no key.
			req.Group = gpuGroup()
			upd, err = d.RotateCAStack(req)
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{"ca_cert", "etcd_ca_cert", "front_proxy_ca_cert"}, paramNames(upd.Parameters))
			gs, err := d.RenderNodeGroupStack(groupRequest(t, variant{}, gpuGroup()), clusterStack())
			require.NoError(t, err)
			require.NoError(t, heat.CheckNamed("nodegroup.yaml", mergeUpdate(gs, upd), nil))
		})
	}
}

func TestRotateCAStackRefuses(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	for name, c := range map[string]struct {
		edit  func(*driver.Request)
		field string
	}{
		"tls disabled":   {func(r *driver.Request) { r.Template.TLSDisabled = true }, "tls_disabled"},
		"missing CA":     {func(r *driver.Request) { delete(r.Nodes.CACerts, "etcd") }, "ca_cert_type"},
		"no etcd volume": {func(r *driver.Request) { delete(r.Cluster.Labels, "etcd_volume_size") }, "labels/etcd_volume_size"},
		"a private key": {func(r *driver.Request) {
			r.Nodes.CACerts["kubernetes"] = getFixture(t).saKey
		}, "ca_cert_type"},
	} {
		t.Run(name, func(t *testing.T) {
			req := rotationRequest(t)
			c.edit(req)
			_, err := d.RotateCAStack(req)
			require.ErrorIs(t, err, errdefs.ErrInvalid)
			assert.Contains(t, fields(err), c.field)
			assert.NotContains(t, err.Error(), "PRIVATE KEY-----\n", "no key material in errors")
		})
	}
}
