package swarm_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/internal/shellenv"
	"github.com/gomagnum/magnum/swarm"
)

// inject is planted in every user-supplied value: it must reach Heat as
// parameter data only, never in template or script text.
const inject = `inj3ct'"$(reboot)` + "`id`" + `{get_file: /etc/shadow}`

func TestRenderKeepsUserValuesOutOfTemplates(t *testing.T) {
	v := variant{Masters: 3, Workers: 2, MasterLB: true, FloatingIP: true, DockerVolume: true, ExistingNetwork: true, Rexray: true}
	req := v.request(t, "inject")
	tm := req.Template
	tm.KeyPairID, tm.FixedNetwork, tm.FixedSubnet = inject+"key", inject+"net", inject+"subnet"
	tm.FlavorID, tm.MasterFlavorID, tm.ImageID, tm.ExternalNetworkID = inject+"f", inject+"mf", inject+"img", inject+"ext"
	tm.HTTPProxy, tm.HTTPSProxy, tm.NoProxy = inject+"hp", inject+"hsp", inject+"np"
	tm.DNSNameServer = inject + "dns"
	req.Cluster.Name = inject
	req.Cluster.KeyPair = inject + "ckey"
	req.Cluster.Labels = map[string]string{"availability_zone": inject + "az", "docker_volume_type": inject + "vt", "unknown": inject + "u"}
	req.Nodes.Trustee.Password = inject + "pw"
	req.Nodes.RegionName = "region" + strings.Repeat("x", 3)
	sr, _, err := swarm.New().RenderStack(req)
	require.NoError(t, err)
	require.NoError(t, heat.Check(sr, []string{"api_address"}))
	assert.NotContains(t, string(sr.Template), "inj3ct")
	assert.NotContains(t, string(sr.Environment), "inj3ct")
	for name, body := range sr.Files {
		assert.NotContains(t, body, "inj3ct", name)
	}
	// They travel as parameters, verbatim.
	assert.Equal(t, inject+"ckey", sr.Parameters["ssh_key_name"], "the cluster's keypair wins")
	assert.Equal(t, inject+"az", sr.Parameters["availability_zone"])
	assert.Equal(t, inject+"vt", sr.Parameters["docker_volume_type"])
	assert.Equal(t, inject+"mf", sr.Parameters["master_flavor"])
	assert.Equal(t, []string{inject + "dns"}, sr.Parameters["dns_nameserver"])
	assert.NotContains(t, sr.Parameters, "unknown", "unknown labels are kept but have no effect")
	assert.Regexp(t, `^[a-z0-9][a-z0-9-]{0,48}$`, sr.Parameters["name_prefix"], "the name prefix is made safe")
	env, err := shellenv.Parse([]byte(sr.Parameters["node_env"].(string)))
	require.NoError(t, err)
	for name, want := range map[string]string{"HTTP_PROXY": inject + "hp", "HTTPS_PROXY": inject + "hsp", "NO_PROXY": inject + "np",
		"TRUSTEE_PASSWORD": inject + "pw", "AVAILABILITY_ZONE": inject + "az"} {
		got, ok := env.Get(name)
		assert.True(t, ok, name)
		assert.Equal(t, want, got, name)
	}
}

func TestRenderStack(t *testing.T) {
	v := variant{Masters: 1, Workers: 2, FloatingIP: true, Flannel: true, Rexray: true}
	req := v.request(t, "prod-stack")
	req.Cluster.CreateTimeout = 30
	req.Cluster.COEVersion = "1.2.8"
	sr, f, err := swarm.New().RenderStack(req)
	require.NoError(t, err)
	assert.Equal(t, "prod-stack", sr.Name)
	assert.Equal(t, []string{testClusterUUID}, sr.Tags)
	assert.Equal(t, 30*time.Minute, sr.Timeout)
	assert.True(t, sr.DisableRollback)
	assert.Equal(t, heat.Features{"master_lb": false, "floating_ip": true, "lb_floating_ip": false, "docker_volume": false,
		"network": "create", "tls_disabled": false}, f)
	for k, want := range map[string]any{"number_of_masters": 1, "number_of_nodes": 2, "swarm_port": 2376, "wait_condition_timeout": 1800,
		"flannel_network_cidr": "10.100.0.0/16", "fixed_subnet_cidr": "10.0.0.0/24", "external_network": "public", "node_image": "fedora-atomic",
		"node_flavor": "m1.small", "master_flavor": "m1.medium", "cluster_uuid": testClusterUUID} {
		assert.Equal(t, want, sr.Parameters[k], k)
	}
	assert.Contains(t, sr.Parameters["ca_cert"], "BEGIN CERTIFICATE")
	assert.Contains(t, sr.Parameters["etcd_ca_cert"], "BEGIN CERTIFICATE")
	assert.NotContains(t, sr.Parameters, "nodes_to_remove")
	env, err := shellenv.Parse([]byte(sr.Parameters["node_env"].(string)))
	require.NoError(t, err)
	for name, want := range map[string]string{"NETWORK_DRIVER": "flannel", "VOLUME_DRIVER": "rexray", "SWARM_IMAGE": "docker.io/library/swarm:1.2.8",
		"SWARM_API_PORT": "2376", "ENGINE_PORT": "2375", "TLS_DISABLED": "false", "FLANNEL_BACKEND": "vxlan", "SWARM_STRATEGY": "spread",
		"AUTH_URL": "https://keystone.example.com:5000/v3", "SIGN_URL": "https://magnum.example.com:9511/v1", "VERIFY_CA": "true",
		"MANAGER_CN": swarm.ManagerCommonName, "DOCKER_STORAGE_DRIVER": "overlay2", "REXRAY_PREEMPT": "false"} {
		got, _ := env.Get(name)
		assert.Equal(t, want, got, name)
	}
	// Every script the nodes run travels with the stack.
	for _, s := range []string{"lib.sh", "certs.sh", "docker.sh", "etcd.sh", "flannel.sh", "rexray.sh", "swarm.sh", "bootstrap.sh"} {
		assert.Contains(t, sr.Files, "scripts/"+s)
	}

	v.TLSDisabled = true
	req = v.request(t, "plain")
	sr, f, err = swarm.New().RenderStack(req)
	require.NoError(t, err)
	assert.Equal(t, 2375, sr.Parameters["swarm_port"])
	assert.Equal(t, true, f["tls_disabled"])
}

func TestScaleStack(t *testing.T) {
	req := variant{Masters: 1, Workers: 2}.request(t, "s")
	req.NodeGroups[1].NodeCount = 3
	upd, err := swarm.New().ScaleStack(req)
	require.NoError(t, err)
	assert.Equal(t, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"number_of_masters": 1, "number_of_nodes": 3},
		ClearParameters: []string{"nodes_to_remove"}, DisableRollback: true}, upd)

	req.NodeGroups[1].NodeCount = 1
	req.NodesToRemove = []string{"0", "5a0c5d7e-9c4b-4f61-8f3e-0d1c2b3a4f5e"}
	req.Rollback = true
	upd, err = swarm.New().ScaleStack(req)
	require.NoError(t, err)
	assert.Equal(t, heat.UpdateRequest{Existing: true, Parameters: map[string]any{"number_of_masters": 1, "number_of_nodes": 1,
		"nodes_to_remove": []string{"0", "5a0c5d7e-9c4b-4f61-8f3e-0d1c2b3a4f5e"}}}, upd)

	req.NodesToRemove = []string{"a,b"}
	_, err = swarm.New().ScaleStack(req)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

func TestRenderRefusesBadInput(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	cases := map[string]struct {
		edit   func(req *driver.Request)
		fields []string
	}{
		"no sign url":         {func(r *driver.Request) { r.Nodes.SignURL = "" }, []string{"bootstrap.sign_url"}},
		"sign url with quote": {func(r *driver.Request) { r.Nodes.SignURL = "https://x/'y" }, []string{"bootstrap.sign_url"}},
		"auth url with creds": {func(r *driver.Request) { r.Nodes.AuthURL = "https://u:p@keystone/v3" }, []string{"bootstrap.auth_url"}},
		"no trustee":          {func(r *driver.Request) { r.Nodes.Trustee.Password = "" }, []string{"bootstrap.trustee"}},
		"a key as CA":         {func(r *driver.Request) { r.Nodes.CACerts[string(certs.CAKubernetes)] = keyPEM }, []string{"bootstrap.ca_cert"}},
		"garbage CA":          {func(r *driver.Request) { r.Nodes.OpenStackCA = []byte("not pem") }, []string{"bootstrap.openstack_ca"}},
		"registry":            {func(r *driver.Request) { r.Template.InsecureRegistry = "reg;rm -rf /" }, []string{"insecure_registry"}},
		"proxy control chars": {func(r *driver.Request) { r.Template.HTTPProxy = "http://p\n" }, []string{"http_proxy"}},
		"workers":             {func(r *driver.Request) { r.NodeGroups[1].NodeCount = -1 }, []string{"node_count"}},
		"masters":             {func(r *driver.Request) { r.NodeGroups[0].NodeCount = 9 }, []string{"master_count"}},
		"labels":              {func(r *driver.Request) { r.Cluster.Labels = map[string]string{"swarm_strategy": "x"} }, []string{"labels/swarm_strategy"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := variant{Masters: 1, Workers: 1}.request(t, "bad")
			tc.edit(req)
			_, _, err := swarm.New().RenderStack(req)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			var fields []string
			for _, p := range errdefs.Problems(err) {
				fields = append(fields, p.Field)
			}
			assert.Equal(t, tc.fields, fields)
			assert.NotContains(t, err.Error(), "PRIVATE KEY")
		})
	}
}

// TestRenderVariants checks the structural choices in the environment and
// the templates sent.
func TestRenderVariants(t *testing.T) {
	tests := []struct {
		v        variant
		registry map[string]string
		files    []string
		absent   []string
	}{
		{variant{Masters: 1, Workers: 1, FloatingIP: true}, map[string]string{
			"GoMagnum::Network": "templates/network_private.yaml", "GoMagnum::APILoadBalancer": "templates/lb_none.yaml",
			"GoMagnum::EtcdLoadBalancer": "templates/lb_none.yaml", "GoMagnum::Optional::FloatingIP": "OS::Neutron::FloatingIP",
			"GoMagnum::Optional::DockerVolume": "OS::Heat::None", "GoMagnum::Optional::PoolMember": "OS::Heat::None",
		}, []string{"templates/network_private.yaml", "templates/lb_none.yaml", "templates/master.yaml", "templates/node.yaml", "templates/master_port.yaml"},
			[]string{"templates/lb_api.yaml", "templates/network_existing.yaml"}},
		{variant{Masters: 3, Workers: 1, MasterLB: true, DockerVolume: true, ExistingNetwork: true}, map[string]string{
			"GoMagnum::Network": "templates/network_existing.yaml", "GoMagnum::APILoadBalancer": "templates/lb_api.yaml",
			"GoMagnum::EtcdLoadBalancer": "templates/lb_etcd.yaml", "GoMagnum::Optional::FloatingIP": "OS::Heat::None",
			"GoMagnum::Optional::DockerVolume": "OS::Cinder::Volume", "GoMagnum::Optional::DockerVolumeAttachment": "OS::Cinder::VolumeAttachment",
			"GoMagnum::Optional::PoolMember": "OS::Octavia::PoolMember",
		}, []string{"templates/lb_api.yaml", "templates/lb_etcd.yaml", "templates/network_existing.yaml"},
			[]string{"templates/lb_none.yaml", "templates/network_private.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.v.suffix(), func(t *testing.T) {
			sr, _, err := swarm.New().RenderStack(tt.v.request(t, "variants"))
			require.NoError(t, err)
			env, err := heat.ParseEnvironment("env", sr.Environment)
			require.NoError(t, err)
			for k, want := range tt.registry {
				assert.Equal(t, want, env.ResourceRegistry[k], k)
			}
			for _, f := range tt.files {
				assert.Contains(t, sr.Files, f)
			}
			for _, f := range tt.absent {
				assert.NotContains(t, sr.Files, f)
			}
			lb := sr.Files["templates/lb_api.yaml"]
			if tt.v.MasterLB && tt.v.FloatingIP {
				assert.Contains(t, lb, "OS::Neutron::FloatingIP")
			} else if lb != "" {
				assert.NotContains(t, lb, "OS::Neutron::FloatingIP", "no floating IP on the load balancer without floating IPs")
			}
			top, err := heat.ParseTemplate("cluster.yaml", sr.Template)
			require.NoError(t, err)
			assert.Contains(t, top.Resources, "manager_etcd_from_node")
			assert.Contains(t, top.Resources, "node_engine_from_manager")
		})
	}
}
