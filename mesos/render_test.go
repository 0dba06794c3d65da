package mesos_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/mesos"
)

// TestSeedExample renders the seed's example cluster: the hyphenated
// rexray-preempt label reaches the slaves as rexray_preempt's setting.
func TestSeedExample(t *testing.T) {
	in := input(t, variant{FloatingIP: true, DockerVolume: true, Rexray: true, Workers: 2})
	require.NoError(t, mesos.CheckCluster(in))
	req, f, err := mesos.New().RenderCluster(in)
	require.NoError(t, err)
	p := req.Parameters
	assert.Equal(t, "public", p["external_network"])
	assert.Equal(t, "testkey", p["ssh_key_name"])
	assert.Equal(t, []string{"8.8.8.8"}, p["dns_nameserver"])
	assert.Equal(t, "ubuntu-mesos", p["master_image"])
	assert.Equal(t, "ubuntu-mesos", p["slave_image"])
	assert.Equal(t, "m1.magnum", p["master_flavor"])
	assert.Equal(t, "m1.magnum", p["slave_flavor"])
	assert.Equal(t, 4, p["docker_volume_size"])
	assert.Equal(t, 1, p["number_of_masters"])
	assert.Equal(t, 2, p["number_of_slaves"])
	assert.Equal(t, "prod-cluster-3c8b1d2e", p["name_prefix"])
	assert.Equal(t, heat.Features{"master_lb": false, "floating_ip": true, "lb_floating_ip": false, "docker_volume": true, "network": "create"}, f)
	assert.Equal(t, []string{testClusterUUID}, req.Tags)
	assert.True(t, req.DisableRollback)

	env := writeParam(t, req, "node_env")
	got := sourceEnv(t, env, "REXRAY_PREEMPT", "VOLUME_DRIVER", "AUTH_URL", "TRUSTEE_USER_ID", "TRUST_ID", "TRUSTEE_PASSWORD", "MESOS_SLAVE_WORK_DIR")
	assert.Equal(t, map[string]string{
		"REXRAY_PREEMPT": "true", "VOLUME_DRIVER": "rexray", "AUTH_URL": "https://keystone.example.com:5000/v3",
		"TRUSTEE_USER_ID": "trustee-1", "TRUST_ID": "trust-9", "TRUSTEE_PASSWORD": "<unset>",
		"MESOS_SLAVE_WORK_DIR": "/var/lib/mesos",
	}, got, "the password is not among the settings")
	secret := sourceEnv(t, writeParam(t, req, "secret_env"), "TRUSTEE_PASSWORD")
	assert.Equal(t, "s3cr3t-p4ss", secret["TRUSTEE_PASSWORD"])

	// The password travels only in the hidden parameter.
	top, err := heat.ParseTemplate("cluster.yaml", req.Template)
	require.NoError(t, err)
	assert.True(t, top.Parameters["secret_env"].Hidden)
	slave, err := heat.ParseTemplate("slave.yaml", []byte(req.Files["templates/slave.yaml"]))
	require.NoError(t, err)
	assert.True(t, slave.Parameters["secret_env"].Hidden)
	for name, v := range req.Parameters {
		if s, ok := v.(string); ok && name != "secret_env" {
			assert.NotContains(t, s, "s3cr3t-p4ss", "parameter %s", name)
		}
	}
}

func writeParam(t *testing.T, req heat.StackRequest, name string) string {
	t.Helper()
	s, ok := req.Parameters[name].(string)
	require.True(t, ok, "%s is a string parameter", name)
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(s), 0o600))
	return p
}

// nasty are values meant to escape from where they are put.
var nasty = []string{
	`'; reboot; '`, `$(reboot)`, "`id`", `"; rm -rf / #`, "a\nINJECTED=1", `\' \"`, "${HOME}",
	"{{ .master_lb }}", "{get_param: node_env}", "key: value\n- item", "%index%", "ü ∂ 日本",
}

// TestUserValuesStayData: hostile labels, names, proxies and credentials
// never reach template text or scripts, and the nodes read them back
// exactly.
func TestUserValuesStayData(t *testing.T) {
	d := mesos.New()
	for i, v := range nasty {
		in := input(t, variant{FloatingIP: true, DockerVolume: true, Rexray: true, Workers: 1})
		in.Cluster.Name = "c" + v
		json, _ := json.Marshal(map[string]string{"V": v})
		in.Cluster.Labels = labels.Labels{
			"rexray-preempt":                     "true",
			"mesos_slave_executor_env_variables": string(json),
			"custom_label":                       v,
			"docker_volume_type":                 "ssd",
		}
		in.Template.KeyPairID = "key" + v
		in.Template.HTTPProxy = "http://proxy.example.com:3128/" + v // not valid for template.Validate, still data here
		in.Access.Trustee.Password = "pw" + strings.ReplaceAll(v, "\n", " ")
		req, _, err := d.RenderCluster(in)
		require.NoError(t, err, "value %d %q", i, v)
		body := [][]byte{req.Template}
		for _, f := range req.Files {
			body = append(body, []byte(f))
		}
		for _, b := range body {
			assert.False(t, bytes.Contains(b, []byte(string(json))), "%q in template text", v)
			assert.False(t, bytes.Contains(b, []byte("key"+v)), "%q in template text", v)
		}
		assert.NoError(t, heat.Check(req, []string{"api_address"}))
		got := sourceEnv(t, writeParam(t, req, "node_env"), "CLUSTER_NAME", "MESOS_SLAVE_EXECUTOR_ENV_VARIABLES", "HTTP_PROXY", "INJECTED")
		assert.Equal(t, "c"+v, got["CLUSTER_NAME"])
		assert.Equal(t, string(json), got["MESOS_SLAVE_EXECUTOR_ENV_VARIABLES"])
		assert.Equal(t, in.Template.HTTPProxy, got["HTTP_PROXY"])
		assert.Equal(t, "<unset>", got["INJECTED"])
		sec := sourceEnv(t, writeParam(t, req, "secret_env"), "TRUSTEE_PASSWORD", "INJECTED")
		assert.Equal(t, in.Access.Trustee.Password, sec["TRUSTEE_PASSWORD"])
		assert.Equal(t, "<unset>", sec["INJECTED"])
		assert.Equal(t, "key"+v, req.Parameters["ssh_key_name"])
	}
}

// TestEveryVariantRenders renders the whole structural matrix through the
// structural check, with the resources each feature implies.
func TestEveryVariantRenders(t *testing.T) {
	d := mesos.New()
	for _, v := range variants() {
		t.Run(v.String(), func(t *testing.T) {
			req, f, err := d.RenderCluster(input(t, v))
			require.NoError(t, err)
			require.NoError(t, heat.Check(req, []string{"api_address", "mesos_master", "mesos_slaves"}))
			assert.Equal(t, v.MasterLB, f["master_lb"])
			assert.Equal(t, v.FloatingIP, f["floating_ip"])
			assert.Equal(t, v.DockerVolume, f["docker_volume"])
			env, err := heat.ParseEnvironment("env", req.Environment)
			require.NoError(t, err)
			reg := env.ResourceRegistry
			if v.MasterLB {
				assert.Equal(t, "templates/lb_api.yaml", reg["GoMagnum::APILoadBalancer"])
				assert.Contains(t, req.Files, "templates/lb_api.yaml")
			} else {
				assert.Equal(t, "templates/lb_none.yaml", reg["GoMagnum::APILoadBalancer"])
				assert.NotContains(t, req.Files, "templates/lb_api.yaml")
			}
			if v.ExistingNetwork {
				assert.Equal(t, "templates/network_existing.yaml", reg["GoMagnum::Network"])
				assert.Equal(t, "private-net", req.Parameters["fixed_network"])
			} else {
				assert.Equal(t, "templates/network_private.yaml", reg["GoMagnum::Network"])
			}
			want := map[bool]string{true: "OS::Neutron::FloatingIP", false: "OS::Heat::None"}
			assert.Equal(t, want[v.FloatingIP], reg["GoMagnum::Optional::FloatingIP"])
			vol := map[bool]string{true: "OS::Cinder::Volume", false: "OS::Heat::None"}
			assert.Equal(t, vol[v.DockerVolume], reg["GoMagnum::Optional::DockerVolume"])
			for _, s := range []string{"scripts/lib.sh", "scripts/bootstrap.sh", "scripts/master.sh", "scripts/slave.sh"} {
				assert.Contains(t, req.Files, s)
			}
			if v.Rexray {
				assert.NotEmpty(t, req.Parameters["secret_env"])
			} else {
				assert.Empty(t, req.Parameters["secret_env"], "no credentials without rexray")
			}
		})
	}
}

func TestSecurityGroups(t *testing.T) {
	req, _, err := mesos.New().RenderCluster(input(t, variant{Workers: 1}))
	require.NoError(t, err)
	top, err := heat.ParseTemplate("cluster.yaml", req.Template)
	require.NoError(t, err)
	ports := func(res string) []int {
		var out []int
		rules, _ := top.Resources[res].Properties["rules"].([]any)
		for _, r := range rules {
			m, _ := r.(map[string]any)
			if n, ok := m["port_range_min"].(int); ok {
				out = append(out, n)
			}
		}
		return out
	}
	// SSH, the Mesos master, Marathon, ZooKeeper on masters; SSH, the agent
	// and the task port range on slaves.
	assert.Equal(t, []int{22, 5050, 8080, 2181}, ports("secgroup_master"))
	assert.Equal(t, []int{22, 5051, 31000, 31000}, ports("secgroup_slave"))
}

func TestCheckCluster(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(in *mesos.Input)
		fields []string
	}{
		{"seed", func(*mesos.Input) {}, nil},
		{"three masters with LB", func(in *mesos.Input) { in.Template.MasterLBEnabled = true; in.NodeGroups[0].NodeCount = 3 }, nil},
		{"cluster LB overrides template", func(in *mesos.Input) {
			on := true
			in.Cluster.MasterLBEnabled = &on
			in.NodeGroups[0].NodeCount = 3
		}, nil},
		{"three masters without LB", func(in *mesos.Input) { in.NodeGroups[0].NodeCount = 3 }, []string{"master_count"}},
		{"even masters", func(in *mesos.Input) { in.Template.MasterLBEnabled = true; in.NodeGroups[0].NodeCount = 4 }, []string{"master_count"}},
		{"no masters", func(in *mesos.Input) { in.NodeGroups[0].NodeCount = 0 }, []string{"master_count"}},
		{"nine masters", func(in *mesos.Input) { in.Template.MasterLBEnabled = true; in.NodeGroups[0].NodeCount = 9 }, []string{"master_count"}},
		{"negative slaves", func(in *mesos.Input) { in.NodeGroups[1].NodeCount = -1 }, []string{"node_count"}},
		{"network driver", func(in *mesos.Input) { in.Template.NetworkDriver = "flannel" }, []string{"network_driver"}},
		{"volume driver", func(in *mesos.Input) { in.Template.VolumeDriver = "cinder" }, []string{"volume_driver"}},
		{"alias conflict and bad value", func(in *mesos.Input) {
			in.Cluster.Labels = labels.Labels{"rexray-preempt": "true", "rexray_preempt": "no", "mesos_slave_isolation": "x"}
		}, []string{"labels/rexray-preempt", "labels/mesos_slave_isolation", "labels/rexray_preempt"}},
		{"template labels when the cluster has none", func(in *mesos.Input) {
			in.Cluster.Labels = nil
			in.Template.Labels = labels.Labels{"mesos-slave-work-dir": "../x"}
		}, []string{"labels/mesos_slave_work_dir"}},
		{"bad node to remove", func(in *mesos.Input) { in.SlavesToRemove = []string{"a,b"} }, []string{"nodes_to_remove"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t, variant{FloatingIP: true, Rexray: true, Workers: 2})
			tt.edit(&in)
			err := mesos.CheckCluster(in)
			if tt.fields == nil {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, errdefs.ErrInvalid)
			var fields []string
			for _, p := range errdefs.Problems(err) {
				fields = append(fields, p.Field)
			}
			assert.ElementsMatch(t, tt.fields, fields)
		})
	}
}

func TestRexrayNeedsAccess(t *testing.T) {
	in := input(t, variant{Rexray: true, Workers: 1})
	in.Access = mesos.Access{AuthURL: "ftp://x", Trustee: mesos.Trustee{Password: "secret-value\x01"}}
	_, _, err := mesos.New().RenderCluster(in)
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.NotContains(t, err.Error(), "secret-value", "errors never quote the password")
	var fields []string
	for _, p := range errdefs.Problems(err) {
		fields = append(fields, p.Field)
	}
	assert.ElementsMatch(t, []string{"access.auth_url", "access.trustee", "access.trustee.password"}, fields)

	// Without rexray nothing of it is needed.
	in = input(t, variant{Workers: 1})
	in.Access = mesos.Access{}
	_, _, err = mesos.New().RenderCluster(in)
	assert.NoError(t, err)
}

func TestScaleUpdate(t *testing.T) {
	d := mesos.New()
	in := input(t, variant{MasterLB: true, Masters: 3, Workers: 4})
	upd, err := d.ScaleUpdate(in, false)
	require.NoError(t, err)
	assert.True(t, upd.Existing)
	assert.True(t, upd.DisableRollback)
	assert.Empty(t, upd.Template)
	assert.Equal(t, map[string]any{"number_of_masters": 3, "number_of_slaves": 4}, upd.Parameters)
	assert.Equal(t, []string{"slaves_to_remove"}, upd.ClearParameters, "earlier victims are forgotten")

	in.NodeGroups[1].NodeCount = 2
	in.SlavesToRemove = []string{"server-a", "3"}
	upd, err = d.ScaleUpdate(in, true)
	require.NoError(t, err)
	assert.False(t, upd.DisableRollback)
	assert.Equal(t, map[string]any{"number_of_masters": 3, "number_of_slaves": 2, "slaves_to_remove": []string{"server-a", "3"}}, upd.Parameters)
	assert.Empty(t, upd.ClearParameters)
}

// TestApplyOutputs maps a completed stack's outputs, public or private by
// floating IPs, and the counts from the stack's parameters.
func TestApplyOutputs(t *testing.T) {
	d := mesos.New()
	stack := func() *heat.Stack {
		return &heat.Stack{ID: "s", Status: "CREATE_COMPLETE",
			Parameters: map[string]string{"number_of_masters": "3", "number_of_slaves": "2"},
			Outputs: map[string]any{
				"api_address":          "172.24.4.10",
				"mesos_master":         []any{"172.24.4.11", "172.24.4.12", "172.24.4.13"},
				"mesos_master_private": []any{"10.0.0.11", "10.0.0.12", "10.0.0.13"},
				"mesos_slaves":         []any{"172.24.4.21", nil},
				"mesos_slaves_private": []any{"10.0.0.21", "10.0.0.22"},
			}}
	}
	for _, fip := range []bool{true, false} {
		in := input(t, variant{MasterLB: true, FloatingIP: fip, Masters: 1, Workers: 1})
		f, err := d.Features(in)
		require.NoError(t, err)
		require.NoError(t, d.ApplyOutputs(stack(), f, in.Cluster, in.NodeGroups))
		c := in.Cluster
		assert.Equal(t, "http://172.24.4.10:8080", c.APIAddress)
		assert.Equal(t, 3, c.MasterCount)
		assert.Equal(t, 2, c.NodeCount)
		assert.Equal(t, 3, in.NodeGroups[0].NodeCount)
		assert.Equal(t, 2, in.NodeGroups[1].NodeCount)
		if fip {
			assert.Equal(t, []string{"172.24.4.11", "172.24.4.12", "172.24.4.13"}, c.MasterAddresses)
			assert.Equal(t, []string{"172.24.4.21"}, c.NodeAddresses, "members without an address yet are left out")
		} else {
			assert.Equal(t, []string{"10.0.0.11", "10.0.0.12", "10.0.0.13"}, c.MasterAddresses)
			assert.Equal(t, []string{"10.0.0.21", "10.0.0.22"}, c.NodeAddresses)
		}
		assert.Equal(t, c.MasterAddresses, in.NodeGroups[0].NodeAddresses)
		assert.Equal(t, c.NodeAddresses, in.NodeGroups[1].NodeAddresses)
	}

	// Bad outputs are errors; the good ones still apply.
	in := input(t, variant{FloatingIP: true, Workers: 1})
	f, err := d.Features(in)
	require.NoError(t, err)
	s := stack()
	s.Outputs["mesos_master"] = map[string]any{"x": 1}
	err = d.ApplyOutputs(s, f, in.Cluster, in.NodeGroups)
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Equal(t, "http://172.24.4.10:8080", in.Cluster.APIAddress)
	assert.Error(t, d.ApplyOutputs(nil, f, in.Cluster, in.NodeGroups))
}
