package patch

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// outcome is what a patch is expected to do: either change these
// attributes, or fail with a problem on field whose reason contains reason.
type outcome struct {
	changed []string
	field   string
	reason  string
}

func checkOutcome[T any](t *testing.T, start *T, body string, rules Rules, want outcome, check func(t *testing.T, got *T)) {
	t.Helper()
	o, err := Parse([]byte(body))
	require.NoError(t, err)
	before := reflect.ValueOf(start).Elem().Interface()
	changed, err := Apply(start, o, rules)
	if want.reason != "" {
		require.Error(t, err)
		assert.ErrorIs(t, err, errdefs.ErrInvalid)
		probs := errdefs.Problems(err)
		require.NotEmpty(t, probs)
		assert.Equal(t, want.field, probs[0].Field)
		assert.Contains(t, probs[0].Error(), want.reason)
		assert.Equal(t, before, *start, "a failed patch changes nothing")
		return
	}
	require.NoError(t, err)
	assert.Equal(t, want.changed, changed)
	if check != nil {
		check(t, start)
	}
}

func sampleTemplate() *template.ClusterTemplate {
	return &template.ClusterTemplate{
		UUID: "6b2f6b8e-8c43-4d5e-9a43-3f0a58d9a3a1", Name: "k8s", ProjectID: "p1", UserID: "u1",
		COE: "kubernetes", ImageID: "fedora-coreos-40", ClusterDistro: "fedora-coreos", ServerType: "vm",
		ExternalNetworkID: "public", NetworkDriver: "flannel", DockerVolumeSize: 10,
		Labels:    labels.Labels{"kube_tag": "v1.29.0"},
		CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Revision: 3,
	}
}

func TestTemplateRules(t *testing.T) {
	rules := TemplateRules()
	tests := []struct {
		name  string
		body  string
		want  outcome
		check func(*testing.T, *template.ClusterTemplate)
	}{
		{"rename", `[{"op":"replace","path":"/name","value":"k8s-new"}]`, outcome{changed: []string{"name"}},
			func(t *testing.T, c *template.ClusterTemplate) { assert.Equal(t, "k8s-new", c.Name) }},
		{"add an unset attribute", `[{"op":"add","path":"/keypair_id","value":"mykey"}]`, outcome{changed: []string{"keypair_id"}},
			func(t *testing.T, c *template.ClusterTemplate) { assert.Equal(t, "mykey", c.KeyPairID) }},
		{"add onto a set attribute", `[{"op":"add","path":"/name","value":"x"}]`, outcome{field: "/name", reason: "use replace"}, nil},
		{"publish with a string", `[{"op":"replace","path":"/public","value":"True"}]`, outcome{changed: []string{"public"}},
			func(t *testing.T, c *template.ClusterTemplate) { assert.True(t, c.Public) }},
		{"integer from a string", `[{"op":"replace","path":"/docker_volume_size","value":"20"}]`, outcome{changed: []string{"docker_volume_size"}},
			func(t *testing.T, c *template.ClusterTemplate) { assert.Equal(t, 20, c.DockerVolumeSize) }},
		{"floating IPs off, then default again", `[{"op":"replace","path":"/floating_ip_enabled","value":"false"}]`, outcome{changed: []string{"floating_ip_enabled"}},
			func(t *testing.T, c *template.ClusterTemplate) {
				require.NotNil(t, c.FloatingIPEnabled)
				assert.False(t, c.FloatingIP())
				_, err := Apply(c, []Op{{Op: OpRemove, Path: "/floating_ip_enabled"}}, TemplateRules())
				require.NoError(t, err)
				assert.Nil(t, c.FloatingIPEnabled)
				assert.True(t, c.FloatingIP())
			}},
		{"labels from a Python dict string", `[{"op":"replace","path":"/labels","value":"{'kube_tag': 'v1.30.1', 'auto_healing_enabled': True}"}]`, outcome{changed: []string{"labels"}},
			func(t *testing.T, c *template.ClusterTemplate) {
				assert.Equal(t, labels.Labels{"kube_tag": "v1.30.1", "auto_healing_enabled": "true"}, c.Labels)
			}},
		{"one label", `[{"op":"add","path":"/labels/flannel_backend","value":"vxlan"},{"op":"remove","path":"/labels/kube_tag"}]`, outcome{changed: []string{"labels"}},
			func(t *testing.T, c *template.ClusterTemplate) {
				assert.Equal(t, labels.Labels{"flannel_backend": "vxlan"}, c.Labels)
			}},
		{"remove a removable attribute", `[{"op":"remove","path":"/docker_volume_size"},{"op":"remove","path":"/labels"}]`, outcome{changed: []string{"docker_volume_size", "labels"}},
			func(t *testing.T, c *template.ClusterTemplate) {
				assert.Zero(t, c.DockerVolumeSize)
				assert.Nil(t, c.Labels)
			}},
		{"replace a mandatory attribute", `[{"op":"replace","path":"/image_id","value":"other"}]`, outcome{changed: []string{"image_id"}}, nil},
		{"null for a mandatory attribute", `[{"op":"replace","path":"/coe","value":null}]`, outcome{field: "/coe", reason: "cannot be set to null"}, nil},
		{"unknown attribute", `[{"op":"replace","path":"/bogus","value":1}]`, outcome{field: "/bogus", reason: "unknown attribute"}, nil},
		{"bad boolean", `[{"op":"replace","path":"/tls_disabled","value":"sometimes"}]`, outcome{field: "/tls_disabled", reason: "must be a boolean"}, nil},
		{"labels that are not a dict", `[{"op":"replace","path":"/labels","value":"['a']"}]`, outcome{field: "/labels", reason: "labels must be an object"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkOutcome(t, sampleTemplate(), tt.body, rules, tt.want, tt.check)
		})
	}
	for _, p := range []string{"/coe", "/image_id", "/network_driver", "/external_network_id", "/tls_disabled",
		"/public", "/server_type", "/registry_enabled", "/cluster_distro", "/hidden"} {
		t.Run("remove "+p, func(t *testing.T) {
			checkOutcome(t, sampleTemplate(), `[{"op":"remove","path":"`+p+`"}]`, rules, outcome{field: p, reason: "cannot be removed"}, nil)
		})
	}
	for _, p := range []string{"/uuid", "/id", "/links", "/project_id", "/user_id", "/created_at", "/updated_at", "/revision"} {
		t.Run("internal "+p, func(t *testing.T) {
			checkOutcome(t, sampleTemplate(), `[{"op":"replace","path":"`+p+`","value":"x"}]`, rules, outcome{field: p, reason: "internal attribute"}, nil)
		})
	}
}

func sampleCluster() *cluster.Cluster {
	return &cluster.Cluster{
		UUID: "0f5d1f7c-1a0e-4b7f-8f5e-5b8e9c0d1e2f", Name: "prod", ProjectID: "p1", UserID: "u1",
		ClusterTemplateID: "6b2f6b8e-8c43-4d5e-9a43-3f0a58d9a3a1", NodeCount: 3, MasterCount: 1,
		Labels: labels.Labels{"kube_tag": "v1.29.0"}, Status: cluster.CreateComplete,
		APIAddress: "https://10.0.0.5:6443", StackID: "stack-1",
		CACertRef: "ca-ref", TrustID: "trust-1", TrusteeUsername: "trustee",
	}
}

func TestClusterRules(t *testing.T) {
	rules := ClusterRules()
	tests := []struct {
		name  string
		body  string
		want  outcome
		check func(*testing.T, *cluster.Cluster)
	}{
		{"scale", `[{"op":"replace","path":"/node_count","value":5}]`, outcome{changed: []string{"node_count"}},
			func(t *testing.T, c *cluster.Cluster) {
				assert.Equal(t, 5, c.NodeCount)
				assert.Equal(t, "trust-1", c.TrustID, "hidden fields survive")
				assert.Equal(t, "ca-ref", c.CACertRef)
			}},
		{"scale with a string", `[{"op":"replace","path":"/node_count","value":"2"}]`, outcome{changed: []string{"node_count"}},
			func(t *testing.T, c *cluster.Cluster) { assert.Equal(t, 2, c.NodeCount) }},
		{"remove node_count resets to 1", `[{"op":"remove","path":"/node_count"}]`, outcome{changed: []string{"node_count"}},
			func(t *testing.T, c *cluster.Cluster) { assert.Equal(t, 1, c.NodeCount) }},
		{"health", `[{"op":"replace","path":"/health_status","value":"HEALTHY"},{"op":"replace","path":"/health_status_reason","value":"{'api': 'ok', 'node-0.Ready': True}"}]`,
			outcome{changed: []string{"health_status", "health_status_reason"}},
			func(t *testing.T, c *cluster.Cluster) {
				assert.Equal(t, cluster.Healthy, c.HealthStatus)
				assert.Equal(t, map[string]string{"api": "ok", "node-0.Ready": "true"}, c.HealthStatusReason)
			}},
		{"health reason as an object", `[{"op":"add","path":"/health_status_reason","value":{"api":"ok"}}]`, outcome{changed: []string{"health_status_reason"}}, nil},
		{"unchanged name is not a change", `[{"op":"replace","path":"/name","value":"prod"}]`, outcome{}, nil},
		{"rename", `[{"op":"replace","path":"/name","value":"other"}]`, outcome{field: "/name", reason: "cannot change cluster property name"}, nil},
		{"labels", `[{"op":"replace","path":"/labels","value":"{'a': 'b'}"}]`, outcome{field: "/labels", reason: "cannot change cluster property labels"}, nil},
		{"status", `[{"op":"replace","path":"/status","value":"CREATE_FAILED"}]`, outcome{field: "/status", reason: "cannot change cluster property status"}, nil},
		{"mixed with a forbidden change", `[{"op":"replace","path":"/node_count","value":4},{"op":"replace","path":"/keypair","value":"k"}]`, outcome{field: "/keypair", reason: "cannot change cluster property keypair (only node_count, health_status, health_status_reason may change)"}, nil},
		{"template id cannot be removed", `[{"op":"remove","path":"/cluster_template_id"}]`, outcome{field: "/cluster_template_id", reason: "cannot be removed"}, nil},
		{"bad count", `[{"op":"replace","path":"/node_count","value":"lots"}]`, outcome{field: "/node_count", reason: "must be an integer"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkOutcome(t, sampleCluster(), tt.body, rules, tt.want, tt.check)
		})
	}
	for _, p := range []string{"/uuid", "/id", "/links", "/project_id", "/user_id", "/created_at", "/updated_at", "/revision",
		"/api_address", "/node_addresses", "/master_addresses", "/stack_id", "/cluster_id",
		"/ca_cert_ref", "/magnum_cert_ref", "/etcd_ca_cert_ref", "/front_proxy_ca_cert_ref",
		"/trust_id", "/trustee_username", "/trustee_password", "/trustee_user_id"} {
		t.Run("internal "+p, func(t *testing.T) {
			checkOutcome(t, sampleCluster(), `[{"op":"remove","path":"`+p+`"}]`, rules, outcome{field: p, reason: "internal attribute"}, nil)
		})
	}
}

func sampleNodeGroup() *cluster.NodeGroup {
	return &cluster.NodeGroup{
		UUID: "a7c1f0e2-3b4d-4e5f-8a9b-0c1d2e3f4a5b", Name: "gpu", ClusterID: "0f5d1f7c-1a0e-4b7f-8f5e-5b8e9c0d1e2f",
		ProjectID: "p1", Role: cluster.RoleWorker, NodeCount: 2, MinNodeCount: 1, FlavorID: "g1.large",
		Status: cluster.CreateComplete, StackID: "stack-2",
	}
}

func TestNodeGroupRules(t *testing.T) {
	rules := NodeGroupRules()
	tests := []struct {
		name  string
		body  string
		want  outcome
		check func(*testing.T, *cluster.NodeGroup)
	}{
		{"bounds", `[{"op":"replace","path":"/min_node_count","value":"0"},{"op":"add","path":"/max_node_count","value":"5"}]`,
			outcome{changed: []string{"min_node_count", "max_node_count"}},
			func(t *testing.T, g *cluster.NodeGroup) {
				assert.Zero(t, g.MinNodeCount)
				require.NotNil(t, g.MaxNodeCount)
				assert.Equal(t, 5, *g.MaxNodeCount)
			}},
		{"max zero is a value", `[{"op":"replace","path":"/max_node_count","value":0}]`, outcome{changed: []string{"max_node_count"}},
			func(t *testing.T, g *cluster.NodeGroup) {
				require.NotNil(t, g.MaxNodeCount)
				assert.Zero(t, *g.MaxNodeCount)
			}},
		{"node labels from a string", `[{"op":"replace","path":"/node_labels","value":"{'gpu': 'true'}"},{"op":"add","path":"/node_labels/zone","value":"a"}]`,
			outcome{changed: []string{"node_labels"}},
			func(t *testing.T, g *cluster.NodeGroup) {
				assert.Equal(t, labels.Labels{"gpu": "true", "zone": "a"}, g.NodeLabels)
			}},
		{"node taints from a string", `[{"op":"replace","path":"/node_taints","value":"[{'key': 'gpu', 'value': 'yes', 'effect': 'NoSchedule'}]"},{"op":"add","path":"/node_taints/-","value":{"key":"x","effect":"NoExecute"}}]`,
			outcome{changed: []string{"node_taints"}},
			func(t *testing.T, g *cluster.NodeGroup) {
				assert.Equal(t, []cluster.Taint{{Key: "gpu", Value: "yes", Effect: "NoSchedule"}, {Key: "x", Effect: "NoExecute"}}, g.NodeTaints)
			}},
		{"unknown taint member", `[{"op":"replace","path":"/node_taints","value":[{"key":"a","operator":"Exists"}]}]`, outcome{field: "/node_taints", reason: `unknown member "operator"`}, nil},
		{"resize is an action", `[{"op":"replace","path":"/node_count","value":5}]`, outcome{field: "/node_count", reason: "cannot change nodegroup property node_count"}, nil},
		{"flavor", `[{"op":"replace","path":"/flavor_id","value":"x"}]`, outcome{field: "/flavor_id", reason: "cannot change nodegroup property flavor_id"}, nil},
		{"remove max", `[{"op":"remove","path":"/max_node_count"}]`, outcome{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkOutcome(t, sampleNodeGroup(), tt.body, rules, tt.want, tt.check)
		})
	}
	for _, p := range []string{"/uuid", "/id", "/links", "/cluster_id", "/project_id", "/created_at", "/updated_at", "/revision", "/stack_id", "/node_addresses"} {
		t.Run("internal "+p, func(t *testing.T) {
			checkOutcome(t, sampleNodeGroup(), `[{"op":"replace","path":"`+p+`","value":"x"}]`, rules, outcome{field: p, reason: "internal attribute"}, nil)
		})
	}
}

// The rule sets name real attributes of the models they serve.
func TestRulesNameRealAttributes(t *testing.T) {
	for _, tc := range []struct {
		rules Rules
		model reflect.Type
	}{
		{TemplateRules(), reflect.TypeFor[template.ClusterTemplate]()},
		{ClusterRules(), reflect.TypeFor[cluster.Cluster]()},
		{NodeGroupRules(), reflect.TypeFor[cluster.NodeGroup]()},
	} {
		sch := schemaOf(tc.model)
		paths := append(append(append([]string{}, tc.rules.Allowed...), tc.rules.NonRemovable...), tc.rules.StringDicts...)
		for p := range tc.rules.RemoveDefaults {
			paths = append(paths, p)
		}
		for _, p := range paths {
			_, ok := sch.lookup(strings.TrimPrefix(p, "/"))
			assert.True(t, ok, "%s rules: %s is not an attribute of %s", tc.rules.Resource, p, tc.model)
		}
		for _, p := range tc.rules.Allowed {
			assert.NotContains(t, tc.rules.Internal, p)
		}
	}
}

func TestRulesAreFreshValues(t *testing.T) {
	r := ClusterRules()
	r.Allowed[0] = "/name"
	r.RemoveDefaults["/node_count"] = 7
	assert.Equal(t, "/node_count", ClusterRules().Allowed[0])
	assert.Equal(t, 1, ClusterRules().RemoveDefaults["/node_count"])
}
