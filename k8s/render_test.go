package k8s_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
)

func nodeEnv(t *testing.T, req heat.StackRequest) *k8s.EnvFile {
	t.Helper()
	e, err := k8s.ParseEnvFile([]byte(req.Parameters["node_env"].(string)))
	require.NoError(t, err)
	return e
}

func envValue(t *testing.T, e *k8s.EnvFile, name string) string {
	t.Helper()
	v, ok := e.Get(name)
	require.True(t, ok, "%s is set", name)
	return v
}

func TestParameterMappings(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	tests := []struct {
		name  string
		edit  func(in *k8s.Input)
		check func(t *testing.T, p map[string]any)
	}{
		{"template values", func(*k8s.Input) {}, func(t *testing.T, p map[string]any) {
			assert.Equal(t, "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f", p["cluster_uuid"])
			assert.Equal(t, "prod-cluster-3c8b1d2e", p["name_prefix"])
			assert.Equal(t, "public", p["external_network"])
			assert.Equal(t, "default", p["ssh_key_name"], "template keypair when the cluster has none")
			assert.Equal(t, []string{"8.8.8.8", "1.1.1.1"}, p["dns_nameserver"])
			assert.Equal(t, "fedora-atomic-29", p["master_image"])
			assert.Equal(t, "fedora-atomic-29", p["minion_image"])
			assert.Equal(t, "m1.medium", p["master_flavor"])
			assert.Equal(t, "m1.small", p["minion_flavor"])
			assert.Equal(t, "nova", p["availability_zone"])
			assert.Equal(t, "10.100.0.0/16", p["pods_network_cidr"])
			assert.Equal(t, "10.0.0.0/24", p["fixed_subnet_cidr"])
			assert.Equal(t, 3600, p["wait_condition_timeout"])
			assert.NotContains(t, p, "minions_to_remove")
			assert.NotContains(t, p, "update_max_batch_size")
			assert.NotContains(t, p, "docker_volume_size")
			assert.NotContains(t, p, "etcd_volume_size")
		}},
		{"cluster overrides template", func(in *k8s.Input) {
			in.Cluster.KeyPair = "mine"
			in.Cluster.FlavorID = "m1.large"
			in.Cluster.MasterFlavorID = "m1.xlarge"
			in.Cluster.FixedNetwork, in.Cluster.FixedSubnet = "net-c", "sub-c"
			in.Template.FixedNetwork = "net-t"
			in.Cluster.DockerVolumeSize = 7
			in.Template.DockerVolumeSize = 20
			in.Cluster.CreateTimeout = 30
		}, func(t *testing.T, p map[string]any) {
			assert.Equal(t, "mine", p["ssh_key_name"])
			assert.Equal(t, "m1.large", p["minion_flavor"])
			assert.Equal(t, "m1.xlarge", p["master_flavor"])
			assert.Equal(t, "net-c", p["fixed_network"])
			assert.Equal(t, "sub-c", p["fixed_subnet"])
			assert.Equal(t, 7, p["docker_volume_size"])
			assert.Equal(t, 1800, p["wait_condition_timeout"])
		}},
		{"node groups override cluster", func(in *k8s.Input) {
			in.Cluster.FlavorID = "m1.large"
			in.NodeGroups[0].FlavorID, in.NodeGroups[0].ImageID = "ng-master-flavor", "ng-master-image"
			in.NodeGroups[1].FlavorID, in.NodeGroups[1].ImageID = "ng-worker-flavor", "ng-worker-image"
			in.NodeGroups[1].DockerVolumeSize = 9
			in.Cluster.DockerVolumeSize = 7
			in.NodeGroups[0].NodeCount, in.NodeGroups[1].NodeCount = 3, 0
		}, func(t *testing.T, p map[string]any) {
			assert.Equal(t, "ng-master-flavor", p["master_flavor"])
			assert.Equal(t, "ng-master-image", p["master_image"])
			assert.Equal(t, "ng-worker-flavor", p["minion_flavor"])
			assert.Equal(t, "ng-worker-image", p["minion_image"])
			assert.Equal(t, 9, p["docker_volume_size"])
			assert.Equal(t, 3, p["number_of_masters"])
			assert.Equal(t, 0, p["number_of_minions"], "zero minions is a count")
		}},
		{"counts from the cluster without node groups", func(in *k8s.Input) {
			in.NodeGroups = nil
			in.Cluster.MasterCount, in.Cluster.NodeCount = 0, 4
		}, func(t *testing.T, p map[string]any) {
			assert.Equal(t, 1, p["number_of_masters"], "Magnum's default master count")
			assert.Equal(t, 4, p["number_of_minions"])
		}},
		{"labels", func(in *k8s.Input) {
			in.Cluster.Labels["etcd_volume_size"] = "15"
			in.Cluster.Labels["etcd_volume_type"] = "ssd"
			in.Cluster.Labels["docker_volume_type"] = "fast disk"
			in.Cluster.Labels["master_lb_allowed_cidrs"] = "192.0.2.0/24,198.51.100.0/24"
			in.Cluster.Labels["octavia_lb_algorithm"] = "SOURCE_IP"
			in.Cluster.Labels["nodes_affinity_policy"] = "anti-affinity"
			in.Cluster.Labels["fixed_subnet_cidr"] = "10.9.0.0/24"
			in.Cluster.Labels["flannel_network_cidr"] = "10.200.0.0/16"
		}, func(t *testing.T, p map[string]any) {
			assert.Equal(t, 15, p["etcd_volume_size"])
			assert.Equal(t, "ssd", p["etcd_volume_type"])
			assert.Equal(t, "fast disk", p["docker_volume_type"])
			assert.Equal(t, []string{"192.0.2.0/24", "198.51.100.0/24"}, p["master_lb_allowed_cidrs"])
			assert.Equal(t, "SOURCE_IP", p["octavia_lb_algorithm"])
			assert.Equal(t, "anti-affinity", p["nodes_affinity_policy"])
			assert.Equal(t, "10.9.0.0/24", p["fixed_subnet_cidr"])
			assert.Equal(t, "10.200.0.0/16", p["pods_network_cidr"])
		}},
		{"template labels when the cluster has none", func(in *k8s.Input) {
			in.Cluster.Labels = nil
			in.Template.Labels["availability_zone"] = "az-t"
		}, func(t *testing.T, p map[string]any) {
			assert.Equal(t, "az-t", p["availability_zone"])
		}},
		{"calico pool", func(in *k8s.Input) {
			in.Template.NetworkDriver = "calico"
			in.Cluster.Labels["calico_ipv4pool"] = "192.168.0.0/16"
		}, func(t *testing.T, p map[string]any) {
			assert.Equal(t, "192.168.0.0/16", p["pods_network_cidr"])
		}},
		{"resolved subnet CIDR wins", func(in *k8s.Input) {
			in.FixedSubnetCIDR = "172.16.5.9/20"
		}, func(t *testing.T, p map[string]any) {
			assert.Equal(t, "172.16.0.0/20", p["fixed_subnet_cidr"])
		}},
		{"scale-down and rolling update", func(in *k8s.Input) {
			in.NodesToRemove = []string{"5f0c-server", "2"}
			in.MaxBatchSize = 3
		}, func(t *testing.T, p map[string]any) {
			assert.Equal(t, []string{"5f0c-server", "2"}, p["minions_to_remove"])
			assert.Equal(t, 3, p["update_max_batch_size"])
		}},
		{"TLS disabled", func(in *k8s.Input) { in.Template.TLSDisabled = true }, func(t *testing.T, p map[string]any) {
			assert.Equal(t, 8080, p["kubernetes_port"])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t, variant{Masters: 1, Workers: 2})
			tt.edit(&in)
			req, _, err := d.RenderCluster(in)
			require.NoError(t, err)
			tt.check(t, req.Parameters)
		})
	}
}

func TestRequestFields(t *testing.T) {
	in := input(t, variant{})
	in.StackName = "prod-cluster-abc"
	in.Cluster.CreateTimeout = 0
	req, _, err := k8s.NewCoreOS().RenderCluster(in)
	require.NoError(t, err)
	assert.Equal(t, "prod-cluster-abc", req.Name)
	assert.Equal(t, []string{in.Cluster.UUID}, req.Tags, "tagged for adoption after a crash")
	assert.Equal(t, 60*time.Minute, req.Timeout, "Magnum's default create timeout")
	assert.True(t, req.DisableRollback, "a failed stack keeps its resources for diagnosis")
	assert.Equal(t, 3600, req.Parameters["wait_condition_timeout"])
}

func TestNodeEnv(t *testing.T) {
	in := input(t, variant{TLSDisabled: true})
	in.Template.HTTPProxy = "http://proxy.example.com:3128"
	in.Template.NoProxy = "10.0.0.0/8,.example.com"
	in.Cluster.Labels["kube_tag"] = "v1.29.8"
	in.Cluster.Labels["service_cluster_ip_range"] = "10.96.0.0/16"
	in.Cluster.DiscoveryURL = "https://discovery.example.com/abc"
	in.Bootstrap.InsecureSkipVerify = true
	req, _, err := k8s.NewFedoraAtomic().RenderCluster(in)
	require.NoError(t, err)
	e := nodeEnv(t, req)
	want := map[string]string{
		"CLUSTER_UUID":       in.Cluster.UUID,
		"KUBE_TAG":           "v1.29.8",
		"KUBE_API_PORT":      "8080",
		"TLS_DISABLED":       "true",
		"KUBE_SERVICE_IP":    "10.96.0.1",
		"CLUSTER_DNS_IP":     "10.96.0.10",
		"HTTP_PROXY":         "http://proxy.example.com:3128",
		"NO_PROXY":           "10.0.0.0/8,.example.com",
		"ETCD_DISCOVERY_URL": "https://discovery.example.com/abc",
		"VERIFY_CA":          "false",
		"TRUSTEE_PASSWORD":   "s3cr3t'$(x)",
		"SIGN_URL":           "https://magnum.example.com:9511/v1",
		"NETWORK_DRIVER":     "flannel",
		"FLANNEL_BACKEND":    "vxlan",
	}
	for k, v := range want {
		assert.Equal(t, v, envValue(t, e, k), k)
	}
	master, err := k8s.ParseEnvFile([]byte(req.Parameters["master_env"].(string)))
	require.NoError(t, err)
	assert.Equal(t, string(in.Bootstrap.ServiceAccountKey), envValue(t, master, "SERVICE_ACCOUNT_KEY"))
	_, inNode := e.Get("SERVICE_ACCOUNT_KEY")
	assert.False(t, inNode, "the service account key reaches masters only")

	// Without kube_tag, the cluster's coe_version applies.
	delete(in.Cluster.Labels, "kube_tag")
	in.Cluster.COEVersion = "v1.28.2"
	req, _, err = k8s.NewFedoraAtomic().RenderCluster(in)
	require.NoError(t, err)
	assert.Equal(t, "v1.28.2", envValue(t, nodeEnv(t, req), "KUBE_TAG"))
}

func TestRenderRejects(t *testing.T) {
	key, err := k8s.NewServiceAccountKey(nil)
	require.NoError(t, err)
	tests := []struct {
		name  string
		edit  func(in *k8s.Input)
		field string
	}{
		{"no template", func(in *k8s.Input) { in.Template = nil }, "clustertemplate"},
		{"no cluster", func(in *k8s.Input) { in.Cluster = nil }, "cluster"},
		{"bad label", func(in *k8s.Input) { in.Cluster.Labels["flannel_backend"] = "gre" }, "labels/flannel_backend"},
		{"service range overlaps pods", func(in *k8s.Input) {
			in.Cluster.Labels["service_cluster_ip_range"] = "10.100.0.0/16"
		}, "labels/service_cluster_ip_range"},
		{"private key as CA", func(in *k8s.Input) { in.Bootstrap.CACert = key }, "bootstrap.ca_cert"},
		{"key appended to CA", func(in *k8s.Input) {
			in.Bootstrap.EtcdCACert = append(append([]byte{}, in.Bootstrap.EtcdCACert...), key...)
		}, "bootstrap.etcd_ca_cert"},
		{"garbage CA", func(in *k8s.Input) { in.Bootstrap.FrontProxyCACert = []byte("not pem") }, "bootstrap.front_proxy_ca_cert"},
		{"no sign URL", func(in *k8s.Input) { in.Bootstrap.SignURL = "" }, "bootstrap.sign_url"},
		{"sign URL with quote", func(in *k8s.Input) { in.Bootstrap.SignURL = "https://x/'v1" }, "bootstrap.sign_url"},
		{"auth URL with credentials", func(in *k8s.Input) { in.Bootstrap.AuthURL = "https://u:p@keystone/v3" }, "bootstrap.auth_url"},
		{"no trustee", func(in *k8s.Input) { in.Bootstrap.Trustee = k8s.Trustee{} }, "bootstrap.trustee"},
		{"NUL in password", func(in *k8s.Input) { in.Bootstrap.Trustee.Password = "a\x00b" }, "bootstrap.trustee.password"},
		{"no service account key", func(in *k8s.Input) { in.Bootstrap.ServiceAccountKey = nil }, "bootstrap.service_account_key"},
		{"certificate as service account key", func(in *k8s.Input) {
			in.Bootstrap.ServiceAccountKey = in.Bootstrap.CACert
		}, "bootstrap.service_account_key"},
		{"bad node to remove", func(in *k8s.Input) { in.NodesToRemove = []string{"a,b"} }, "nodes_to_remove"},
		{"bad subnet CIDR", func(in *k8s.Input) { in.FixedSubnetCIDR = "10.0.0.0" }, "fixed_subnet_cidr"},
		{"no external network", func(in *k8s.Input) { in.Template.ExternalNetworkID = "" }, "external_network_id"},
		{"no image", func(in *k8s.Input) { in.Template.ImageID = "" }, "image_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t, variant{})
			tt.edit(&in)
			_, _, err := k8s.NewFedoraAtomic().RenderCluster(in)
			require.Error(t, err)
			assert.ErrorIs(t, err, errdefs.ErrInvalid)
			var fields []string
			for _, p := range errdefs.Problems(err) {
				fields = append(fields, p.Field)
			}
			assert.Contains(t, fields, tt.field)
			assert.NotContains(t, err.Error(), "BEGIN", "errors never quote PEM material")
			assert.NotContains(t, err.Error(), "s3cr3t", "errors never quote the trustee password")
		})
	}
}

func TestNamePrefix(t *testing.T) {
	tests := []struct{ name, uuid, want string }{
		{"prod-cluster", "3c8b1d2e-6f0a-4b7c-9d5e-1a2b3c4d5e6f", "prod-cluster-3c8b1d2e"},
		{"My_Cluster.v2 ", "ABCDEF01-2345", "my-cluster-v2-abcdef01"},
		{"", "3c8b1d2e", "k8s-3c8b1d2e"},
		{"$(reboot)'\n", "3c8b1d2e", "reboot-3c8b1d2e"},
		{strings.Repeat("x", 100), "3c8b1d2e", strings.Repeat("x", 30) + "-3c8b1d2e"},
		{"ünïcode", "3c8b1d2e", "n-code-3c8b1d2e"},
	}
	for _, tt := range tests {
		in := input(t, variant{})
		in.Cluster.Name, in.Cluster.UUID = tt.name, tt.uuid
		req, _, err := k8s.NewFedoraAtomic().RenderCluster(in)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, req.Parameters["name_prefix"], tt.name)
	}
}

func TestScaleUpdate(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	in := input(t, variant{Masters: 1, Workers: 2})
	in.NodeGroups[1].NodeCount = 5
	upd, err := d.ScaleUpdate(in, false)
	require.NoError(t, err)
	assert.True(t, upd.Existing, "a PATCH keeps the stack's template")
	assert.True(t, upd.DisableRollback)
	assert.Equal(t, map[string]any{"number_of_masters": 1, "number_of_minions": 5}, upd.Parameters)
	assert.Equal(t, []string{"minions_to_remove"}, upd.ClearParameters, "earlier victims are forgotten")
	assert.Nil(t, upd.Template)

	in.NodeGroups[1].NodeCount = 1
	in.NodesToRemove = []string{"server-b"}
	upd, err = d.ScaleUpdate(in, true)
	require.NoError(t, err)
	assert.False(t, upd.DisableRollback)
	assert.Equal(t, []string{"server-b"}, upd.Parameters["minions_to_remove"])
	assert.Empty(t, upd.ClearParameters)

	// A scale needs no bootstrap data.
	in.Bootstrap = k8s.Bootstrap{}
	_, err = d.ScaleUpdate(in, false)
	assert.NoError(t, err)
	in.NodeGroups[1].NodeCount = 5000
	_, err = d.ScaleUpdate(in, false)
	assert.ErrorIs(t, err, errdefs.ErrInvalid, "the template's range constraint applies")
}

func TestApplyOutputs(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	stack := func() *heat.Stack {
		return &heat.Stack{ID: "s", Status: "CREATE_COMPLETE",
			Parameters: map[string]string{"number_of_masters": "3", "number_of_minions": "2"},
			Outputs: map[string]any{
				"api_address":          "172.24.4.10",
				"kube_masters":         []any{"172.24.4.11", "172.24.4.12", "172.24.4.13"},
				"kube_masters_private": []any{"10.0.0.11", "10.0.0.12", "10.0.0.13"},
				"kube_minions":         []any{"172.24.4.21", nil},
				"kube_minions_private": []any{"10.0.0.21", "10.0.0.22"},
			}}
	}
	tests := []struct {
		name               string
		v                  variant
		api                string
		masters, minions   []string
		wantMinionsMissing bool
	}{
		{"TLS, floating IPs", variant{FloatingIP: true}, "https://172.24.4.10:6443",
			[]string{"172.24.4.11", "172.24.4.12", "172.24.4.13"}, []string{"172.24.4.21"}, false},
		{"TLS, private", variant{}, "https://172.24.4.10:6443",
			[]string{"10.0.0.11", "10.0.0.12", "10.0.0.13"}, []string{"10.0.0.21", "10.0.0.22"}, false},
		{"no TLS", variant{TLSDisabled: true, FloatingIP: true}, "http://172.24.4.10:8080",
			[]string{"172.24.4.11", "172.24.4.12", "172.24.4.13"}, []string{"172.24.4.21"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t, tt.v)
			f, err := d.Features(in)
			require.NoError(t, err)
			c, groups := in.Cluster, in.NodeGroups
			require.NoError(t, d.ApplyOutputs(stack(), f, c, groups))
			assert.Equal(t, tt.api, c.APIAddress)
			assert.Equal(t, tt.masters, c.MasterAddresses)
			assert.Equal(t, tt.minions, c.NodeAddresses, "members without an address yet are left out")
			assert.Equal(t, tt.masters, groups[0].NodeAddresses)
			assert.Equal(t, tt.minions, groups[1].NodeAddresses)
			assert.Equal(t, 3, groups[0].NodeCount)
			assert.Equal(t, 2, groups[1].NodeCount)
			assert.Equal(t, 3, c.MasterCount)
			assert.Equal(t, 2, c.NodeCount)
		})
	}

	t.Run("missing outputs leave attributes alone", func(t *testing.T) {
		in := input(t, variant{FloatingIP: true})
		f, err := d.Features(in)
		require.NoError(t, err)
		in.Cluster.APIAddress = "https://keep:6443"
		in.Cluster.NodeAddresses = []string{"keep"}
		require.NoError(t, d.ApplyOutputs(&heat.Stack{Outputs: map[string]any{"api_address": nil}}, f, in.Cluster, in.NodeGroups))
		assert.Equal(t, "https://keep:6443", in.Cluster.APIAddress)
		assert.Equal(t, []string{"keep"}, in.Cluster.NodeAddresses)
	})

	t.Run("bad outputs are errors, the rest applies", func(t *testing.T) {
		in := input(t, variant{FloatingIP: true})
		f, err := d.Features(in)
		require.NoError(t, err)
		s := stack()
		s.Outputs["api_address"] = map[string]any{"x": 1}
		s.Outputs["kube_minions"] = []any{"$(reboot)"}
		err = d.ApplyOutputs(s, f, in.Cluster, in.NodeGroups)
		require.Error(t, err)
		assert.ErrorIs(t, err, errdefs.ErrInvalid)
		assert.Equal(t, []string{"172.24.4.11", "172.24.4.12", "172.24.4.13"}, in.Cluster.MasterAddresses)
		assert.Empty(t, in.Cluster.APIAddress)
	})

	t.Run("without node groups the cluster counts are set", func(t *testing.T) {
		in := input(t, variant{})
		f, err := d.Features(in)
		require.NoError(t, err)
		in.NodeGroups = nil
		require.NoError(t, d.ApplyOutputs(stack(), f, in.Cluster, nil))
		assert.Equal(t, 3, in.Cluster.MasterCount)
		assert.Equal(t, 2, in.Cluster.NodeCount)
	})

	assert.True(t, errors.Is(d.ApplyOutputs(nil, nil, nil, nil), errdefs.ErrInvalid))
}
