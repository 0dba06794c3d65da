package k8s_test

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/labels"
)

// request turns a variant's input into a lifecycle request.
func request(t testing.TB, v variant) *driver.Request {
	t.Helper()
	in := input(t, v)
	b := in.Bootstrap
	return &driver.Request{
		Template: in.Template, Cluster: in.Cluster, NodeGroups: in.NodeGroups, Name: "prod-cluster-stack",
		Nodes: driver.NodeAccess{
			SignURL: b.SignURL, AuthURL: b.AuthURL, RegionName: b.RegionName,
			CACerts: map[string][]byte{string(certs.CAKubernetes): b.CACert, string(certs.CAEtcd): b.EtcdCACert, string(certs.CAFrontProxy): b.FrontProxyCACert},
			Trustee: driver.Trustee{UserID: b.Trustee.UserID, Password: b.Trustee.Password, TrustID: b.Trustee.TrustID},
		},
	}
}

func intPtr(n int) *int { return &n }

// gpuGroup is a worker group with labels and taints.
func gpuGroup() *cluster.NodeGroup {
	return &cluster.NodeGroup{
		UUID: "9f1e2d3c-aaaa-4bbb-8ccc-0d1e2f3a4b5c", Name: "gpu", Role: "worker",
		NodeCount: 2, MinNodeCount: 1, MaxNodeCount: intPtr(5), FlavorID: "g1.large",
		NodeLabels: labels.Labels{"gpu": "true", "node.kubernetes.io/pool": "gpu", "topology.kubernetes.io/zone": "az1"},
		NodeTaints: []cluster.Taint{{Key: "gpu", Value: "true", Effect: "NoSchedule"}, {Key: "example.com/dedicated", Effect: "NoExecute"}},
	}
}

func groupRequest(t testing.TB, v variant, g *cluster.NodeGroup) *driver.Request {
	req := request(t, v)
	req.Group = g
	req.Name = "prod-cluster-gpu"
	return req
}

// clusterStack is a completed cluster stack with the outputs a group joins.
func clusterStack() *heat.Stack {
	return &heat.Stack{ID: "cs", Name: "prod-cluster-stack", Status: "CREATE_COMPLETE", Outputs: map[string]any{
		"fixed_network_id": "net-1", "fixed_subnet_id": "subnet-1", "minion_security_group_id": "sg-1",
		"api_private_address": "10.0.0.5", "api_address": "172.24.4.5",
	}}
}

// fields lists the fields of the errdefs errors in err (joined or not).
func fields(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		if de, ok := e.(*errdefs.Error); ok {
			out = append(out, de.Field)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var de *errdefs.Error
		if errors.As(e, &de) {
			out = append(out, de.Field)
		}
	}
	if err != nil {
		walk(err)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestValidateNodeGroup(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(r *driver.Request)
		field string // "" = valid
	}{
		{"valid", func(*driver.Request) {}, ""},
		{"no limits", func(r *driver.Request) { r.Group.MaxNodeCount = nil; r.Group.MinNodeCount = 0; r.Group.NodeCount = 0 }, ""},
		{"kubelet topology label", func(r *driver.Request) { r.Group.NodeLabels = labels.Labels{"kubernetes.io/arch": "amd64"} }, ""},
		{"empty label value", func(r *driver.Request) { r.Group.NodeLabels = labels.Labels{"example.com/x": ""} }, ""},
		{"master role", func(r *driver.Request) { r.Group.Role = cluster.RoleMaster }, "role"},
		{"below min", func(r *driver.Request) { r.Group.NodeCount = 0 }, "node_count"},
		{"above max", func(r *driver.Request) { r.Group.NodeCount = 6 }, "node_count"},
		{"max below min", func(r *driver.Request) {
			r.Group.MaxNodeCount = intPtr(0)
			r.Group.NodeCount = 0
			r.Group.MinNodeCount = 1
		}, "max_node_count"},
		{"negative min", func(r *driver.Request) { r.Group.MinNodeCount = -1 }, "min_node_count"},
		{"negative volume", func(r *driver.Request) { r.Group.DockerVolumeSize = -1 }, "docker_volume_size"},
		{"no image", func(r *driver.Request) { r.Template.ImageID = "" }, "image_id"},
		{"kubernetes.io label", func(r *driver.Request) { r.Group.NodeLabels = labels.Labels{"kubernetes.io/role": "x"} }, "node_labels"},
		{"node-role label", func(r *driver.Request) { r.Group.NodeLabels = labels.Labels{"node-role.kubernetes.io/worker": ""} }, "node_labels"},
		{"k8s.io label", func(r *driver.Request) { r.Group.NodeLabels = labels.Labels{"x.k8s.io/a": "b"} }, "node_labels"},
		{"reserved label", func(r *driver.Request) { r.Group.NodeLabels = labels.Labels{"magnum.openstack.org/role": "x"} }, "node_labels"},
		{"label injection", func(r *driver.Request) { r.Group.NodeLabels = labels.Labels{"a": "b,c=$(id)"} }, "node_labels"},
		{"label key spaces", func(r *driver.Request) { r.Group.NodeLabels = labels.Labels{"a b": "c"} }, "node_labels"},
		{"label value too long", func(r *driver.Request) { r.Group.NodeLabels = labels.Labels{"a": strings.Repeat("x", 64)} }, "node_labels"},
		{"taint effect", func(r *driver.Request) { r.Group.NodeTaints = []cluster.Taint{{Key: "a", Effect: "NoRun"}} }, "node_taints"},
		{"taint no key", func(r *driver.Request) { r.Group.NodeTaints = []cluster.Taint{{Effect: "NoSchedule"}} }, "node_taints"},
		{"taint twice", func(r *driver.Request) {
			r.Group.NodeTaints = []cluster.Taint{{Key: "a", Effect: "NoSchedule"}, {Key: "a", Value: "b", Effect: "NoSchedule"}}
		}, "node_taints"},
		{"taint injection", func(r *driver.Request) {
			r.Group.NodeTaints = []cluster.Taint{{Key: "a", Value: "b:NoSchedule --x", Effect: "NoSchedule"}}
		}, "node_taints"},
		{"group labels", func(r *driver.Request) { r.Group.Labels = labels.Labels{"kube_tag": "latest!"} }, "labels/kube_tag"},
		{"nodes to remove", func(r *driver.Request) { r.NodesToRemove = []string{"a,b"} }, "nodes_to_remove"},
	}
	for _, d := range drivers() {
		for _, c := range cases {
			t.Run(d.Info().Name+"/"+c.name, func(t *testing.T) {
				req := groupRequest(t, variant{}, gpuGroup())
				c.edit(req)
				err := d.ValidateNodeGroup(req)
				if c.field == "" {
					require.NoError(t, err)
					return
				}
				require.ErrorIs(t, err, errdefs.ErrInvalid)
				assert.Contains(t, fields(err), c.field)
			})
		}
	}
	err := k8s.NewFedoraAtomic().ValidateNodeGroup(request(t, variant{}))
	assert.ErrorIs(t, err, errdefs.ErrInvalid, "no group")
}

func TestRenderNodeGroupStack(t *testing.T) {
	for _, d := range drivers() {
		for _, v := range []variant{{}, {FloatingIP: true, DockerVolume: true}} {
			t.Run(d.Info().Name+"/"+stackSuffix(v), func(t *testing.T) {
				req := groupRequest(t, v, gpuGroup())
				sr, err := d.RenderNodeGroupStack(req, clusterStack())
				require.NoError(t, err)
				require.NoError(t, heat.CheckNamed("nodegroup.yaml", sr, []string{"node_addresses", "kube_minion_ids", "kube_minion_members", "kube_minion_names"}))
				p := sr.Parameters
				assert.Equal(t, "net-1", p["fixed_network"])
				assert.Equal(t, "subnet-1", p["fixed_subnet"])
				assert.Equal(t, "sg-1", p["minion_security_group"])
				assert.Equal(t, "10.0.0.5", p["api_private_address"])
				assert.Equal(t, "fedora-atomic-29", p["minion_image"], "the template's image")
				assert.Equal(t, "g1.large", p["minion_flavor"])
				assert.EqualValues(t, 2, p["number_of_minions"])
				assert.Equal(t, "gpu=true,node.kubernetes.io/pool=gpu,topology.kubernetes.io/zone=az1", p["node_labels"])
				assert.Equal(t, "gpu=true:NoSchedule,example.com/dedicated:NoExecute", p["node_taints"])
				assert.Equal(t, "prod-cluster-3c8b1d2e-ng9f1e2d", p["name_prefix"])
				assert.Equal(t, "public", p["external_network"])
				assert.Equal(t, "nova", p["availability_zone"])
				assert.NotContains(t, p, "master_env", "minions get no service account key")
				assert.Equal(t, string(req.Nodes.CACerts["kubernetes"]), p["ca_cert"])
				env, err := k8s.ParseEnvFile([]byte(p["node_env"].(string)))
				require.NoError(t, err)
				tag, _ := env.Get("KUBE_TAG")
				assert.Equal(t, "v1.30.4", tag)
				_, hasKey := env.Get("SERVICE_ACCOUNT_KEY")
				assert.False(t, hasKey)
				if v.DockerVolume {
					assert.EqualValues(t, 20, p["docker_volume_size"])
				}
				assert.Equal(t, []string{req.Cluster.UUID, req.Group.UUID}, sr.Tags)
				assert.True(t, sr.DisableRollback)
				assert.Contains(t, sr.Files, "templates/minion.yaml")
				assert.NotContains(t, sr.Files, "templates/master.yaml")
				assert.Contains(t, string(sr.Template), "rolling_update: {max_batch_size: {get_param: update_max_batch_size}, pause_time: 30}")
				if v.FloatingIP {
					assert.Contains(t, string(sr.Template), "value: {get_attr: [kube_minions, public_ip]}")
				}
			})
		}
	}
}

// TestNodeGroupValuesStayParameters: node labels, taints, names and ids
// reach Heat only as parameters, never in template or script text.
func TestNodeGroupValuesStayParameters(t *testing.T) {
	g := gpuGroup()
	g.NodeLabels = labels.Labels{"example.com/zzmarkerkey": "zzmarkervalue"}
	g.NodeTaints = []cluster.Taint{{Key: "zzmarkertaint", Value: "zzmarkertv", Effect: "NoSchedule"}}
	g.FlavorID = "zzmarkerflavor"
	cs := clusterStack()
	cs.Outputs["fixed_network_id"] = "zzmarkernet"
	for _, d := range drivers() {
		sr, err := d.RenderNodeGroupStack(groupRequest(t, variant{}, g), cs)
		require.NoError(t, err)
		text := string(sr.Template) + string(sr.Environment)
		for _, f := range sr.Files {
			text += f
		}
		assert.NotContains(t, text, "zzmarker")
		params, err := json.Marshal(sr.Parameters)
		require.NoError(t, err)
		for _, m := range []string{"zzmarkerkey", "zzmarkervalue", "zzmarkertaint", "zzmarkertv", "zzmarkerflavor", "zzmarkernet"} {
			assert.Contains(t, string(params), m)
		}
	}
	// Values a shell or kubelet would read as more than data are refused.
	for _, bad := range []labels.Labels{{"a": "b c"}, {"a": "$(id)"}, {"a": "x'y"}, {"a=b": "c"}, {"a": "b\nc"}, {"a,b": "c"}} {
		g := gpuGroup()
		g.NodeLabels = bad
		_, err := k8s.NewFedoraAtomic().RenderNodeGroupStack(groupRequest(t, variant{}, g), clusterStack())
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%q", bad)
	}
}

func TestRenderNodeGroupStackNeedsClusterOutputs(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	for name, edit := range map[string]func(map[string]any){
		"missing network": func(o map[string]any) { delete(o, "fixed_network_id") },
		"null subnet":     func(o map[string]any) { o["fixed_subnet_id"] = nil },
		"list sg":         func(o map[string]any) { o["minion_security_group_id"] = []any{"a"} },
		"api not an ip":   func(o map[string]any) { o["api_private_address"] = "10.0.0.5; reboot" },
		"control char":    func(o map[string]any) { o["fixed_network_id"] = "net\n1" },
	} {
		t.Run(name, func(t *testing.T) {
			cs := clusterStack()
			edit(cs.Outputs)
			_, err := d.RenderNodeGroupStack(groupRequest(t, variant{}, gpuGroup()), cs)
			require.ErrorIs(t, err, errdefs.ErrInvalid)
		})
	}
	_, err := d.RenderNodeGroupStack(groupRequest(t, variant{}, gpuGroup()), nil)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

// TestClusterStackOutputsForGroups: the cluster stack has the outputs a
// group joins, and the minions wait for the masters.
func TestClusterStackOutputsForGroups(t *testing.T) {
	for _, d := range drivers() {
		for _, v := range []variant{{}, {ExistingNetwork: true, MasterLB: true, Masters: 3}} {
			sr, _, err := d.RenderCluster(input(t, v))
			require.NoError(t, err)
			require.NoError(t, heat.Check(sr, []string{"fixed_network_id", "fixed_subnet_id", "minion_security_group_id", "api_private_address"}))
			tmpl, err := heat.ParseTemplate("cluster.yaml", sr.Template)
			require.NoError(t, err)
			assert.Contains(t, tmpl.Resources["kube_minions"].DependsOn, "kube_masters")
		}
	}
}

func TestScaleNodeGroupStack(t *testing.T) {
	d := k8s.NewFedoraAtomic()
	req := groupRequest(t, variant{}, gpuGroup())
	req.Group.NodeCount = 4
	upd, err := d.ScaleNodeGroupStack(req)
	require.NoError(t, err)
	assert.True(t, upd.Existing)
	assert.Equal(t, map[string]any{"number_of_minions": 4}, upd.Parameters)
	assert.Equal(t, []string{"minions_to_remove"}, upd.ClearParameters)
	assert.True(t, upd.DisableRollback)

	req.Group.NodeCount = 1
	req.NodesToRemove = []string{"srv-1"}
	req.Rollback = true
	upd, err = d.ScaleNodeGroupStack(req)
	require.NoError(t, err)
	assert.Equal(t, []string{"srv-1"}, upd.Parameters["minions_to_remove"])
	assert.EqualValues(t, 1, upd.Parameters["number_of_minions"])
	assert.Empty(t, upd.ClearParameters)
	assert.False(t, upd.DisableRollback)

	req.Group.NodeCount = 9 // above max_node_count
	_, err = d.ScaleNodeGroupStack(req)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

func TestApplyNodeGroupOutputs(t *testing.T) {
	d := k8s.NewCoreOS()
	g := gpuGroup()
	s := &heat.Stack{
		Outputs:    map[string]any{"node_addresses": []any{"10.0.0.31", "10.0.0.32", "10.0.0.33"}},
		Parameters: map[string]string{"number_of_minions": "3"},
	}
	require.NoError(t, d.ApplyNodeGroupOutputs(s, g))
	assert.Equal(t, []string{"10.0.0.31", "10.0.0.32", "10.0.0.33"}, g.NodeAddresses)
	assert.Equal(t, 3, g.NodeCount)

	// Missing outputs leave the group alone; malformed ones are errors
	// and the rest still applies.
	g = gpuGroup()
	require.NoError(t, d.ApplyNodeGroupOutputs(&heat.Stack{}, g))
	assert.Equal(t, 2, g.NodeCount)
	s = &heat.Stack{Outputs: map[string]any{"node_addresses": map[string]any{"a": "10.0.0.1"}}, Parameters: map[string]string{"number_of_minions": "4"}}
	err := d.ApplyNodeGroupOutputs(s, g)
	require.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Equal(t, 4, g.NodeCount)
	assert.Error(t, d.ApplyNodeGroupOutputs(nil, g))
}

func FuzzApplyNodeGroupOutputs(f *testing.F) {
	f.Add(`{"node_addresses": ["10.0.0.1", null]}`, "3")
	f.Add(`{"node_addresses": "x"}`, "-1")
	f.Add(`{"node_addresses": [["a"]], "kube_minion_ids": 5}`, "1e9")
	d := k8s.NewFedoraAtomic()
	f.Fuzz(func(t *testing.T, outputs, count string) {
		var o map[string]any
		if json.Unmarshal([]byte(outputs), &o) != nil {
			return
		}
		g := gpuGroup()
		err := d.ApplyNodeGroupOutputs(&heat.Stack{Outputs: o, Parameters: map[string]string{"number_of_minions": count}}, g)
		if err != nil {
			require.ErrorIs(t, err, errdefs.ErrInvalid)
		}
		assert.GreaterOrEqual(t, g.NodeCount, 0)
	})
}

func FuzzParseClusterJoin(f *testing.F) {
	f.Add(`{"fixed_network_id": "n", "fixed_subnet_id": "s", "minion_security_group_id": "g", "api_private_address": "10.0.0.1"}`)
	f.Add(`{"fixed_network_id": 1, "api_private_address": "::1"}`)
	f.Fuzz(func(t *testing.T, outputs string) {
		var o map[string]any
		if json.Unmarshal([]byte(outputs), &o) != nil {
			return
		}
		j, err := k8s.ParseClusterJoin(&heat.Stack{Outputs: maps.Clone(o)})
		if err != nil {
			require.ErrorIs(t, err, errdefs.ErrInvalid)
			assert.Equal(t, k8s.ClusterJoin{}, j)
			return
		}
		for _, v := range []string{j.FixedNetwork, j.FixedSubnet, j.MinionSecurityGroup, j.APIPrivateAddress} {
			assert.NotEmpty(t, v)
			assert.NotContains(t, v, "\n")
		}
	})
}
