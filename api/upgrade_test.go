package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat/heattest"
)

// versionedTemplate is a Kubernetes template body at a kube_tag, with the
// etcd volume an upgrade that replaces masters needs.
func versionedTemplate(name, kubeTag string) string {
	return `{"name":"` + name + `","coe":"kubernetes","image_id":"fedora-atomic-latest","keypair_id":"testkey",
"external_network_id":"public","flavor_id":"m1.small","master_flavor_id":"m1.medium",
"labels":{"kube_tag":"` + kubeTag + `","etcd_volume_size":"5"}}`
}

// TestUpgradeOverHTTP upgrades a cluster through actions/upgrade, checks
// every refusal, then fails an upgrade on the fake cloud and rolls it back
// with gomagnum's "rollback": true.
func TestUpgradeOverHTTP(t *testing.T) {
	e := newEnv(t, true)
	ids := map[string]string{}
	for name, tag := range map[string]string{"v130": "v1.30.4", "v131": "v1.31.2", "v132": "v1.32.0"} {
		r := e.do(t, "POST", "/v1/clustertemplates", "alice-token", "", versionedTemplate(name, tag))
		require.Equal(t, http.StatusCreated, r.status, r.raw)
		ids[name] = r.body["uuid"].(string)
	}
	cr := e.do(t, "POST", "/v1/clusters", "alice-token", "latest", `{"name":"prod","cluster_template_id":"v130","node_count":2}`)
	require.Equal(t, http.StatusAccepted, cr.status, cr.raw)
	id := cr.body["uuid"].(string)
	before := e.waitCluster(t, id, "CREATE_COMPLETE")

	for _, tc := range []struct {
		name, version, path, body string
		status                    int
	}{
		{"before 1.7", "1.6", "/v1/clusters/prod/actions/upgrade", `{"cluster_template":"v131"}`, 406},
		{"not supported at 1.7", "1.7", "/v1/clusters/prod/actions/upgrade", `{"cluster_template":"v131"}`, 400},
		{"no template", "1.8", "/v1/clusters/prod/actions/upgrade", `{"max_batch_size":1}`, 400},
		{"zero batch", "1.8", "/v1/clusters/prod/actions/upgrade", `{"cluster_template":"v131","max_batch_size":0}`, 400},
		{"unknown field", "1.8", "/v1/clusters/prod/actions/upgrade", `{"cluster_template":"v131","batch":2}`, 400},
		{"unknown template", "1.8", "/v1/clusters/prod/actions/upgrade", `{"cluster_template":"nope"}`, 400},
		{"same template", "1.8", "/v1/clusters/prod/actions/upgrade", `{"cluster_template":"v130"}`, 400},
		{"skipped minor", "1.8", "/v1/clusters/prod/actions/upgrade", `{"cluster_template":"v132"}`, 400},
		{"rollback of nothing", "1.8", "/v1/clusters/prod/actions/upgrade", `{"rollback":true}`, 409},
		{"unknown cluster", "1.8", "/v1/clusters/nope/actions/upgrade", `{"cluster_template":"v131"}`, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, "POST", tc.path, "alice-token", tc.version, tc.body)
			require.Equal(t, tc.status, r.status, r.raw)
			assert.NotEmpty(t, errorOf(t, r)["detail"])
		})
	}
	same := e.do(t, "GET", "/v1/clusters/prod", "alice-token", "", "")
	assert.Equal(t, before.body["updated_at"], same.body["updated_at"], "refused upgrades change nothing")
	assert.Equal(t, http.StatusNotFound, e.do(t, "POST", "/v1/clusters/"+id+"/actions/upgrade", "bob-token", "1.8", `{"cluster_template":"v131"}`).status)

	up := e.do(t, "POST", "/v1/clusters/prod/actions/upgrade", "alice-token", "1.8", `{"cluster_template":"v131","max_batch_size":2,"nodegroup":"default-worker"}`)
	require.Equal(t, http.StatusAccepted, up.status, up.raw)
	assert.Equal(t, map[string]any{"uuid": id}, up.body)
	c := e.waitCluster(t, id, "UPDATE_COMPLETE")
	assert.Equal(t, ids["v131"], c.body["cluster_template_id"])
	assert.Equal(t, "v1.31.2", c.body["labels"].(map[string]any)["kube_tag"])

	// A failed upgrade leaves the cluster on its template; rollback returns.
	e.fake.Heat().FailResource(heattest.ResourceFault{Type: "OS::Nova::Server", Reason: "No valid host was found."})
	up = e.do(t, "POST", "/v1/clusters/prod/actions/upgrade", "alice-token", "1.8", `{"cluster_template":"v132"}`)
	require.Equal(t, http.StatusAccepted, up.status, up.raw)
	c = e.waitCluster(t, id, "UPDATE_FAILED")
	assert.Equal(t, ids["v131"], c.body["cluster_template_id"])
	e.fake.Heat().ClearFaults()
	wrong := e.do(t, "POST", "/v1/clusters/prod/actions/upgrade", "alice-token", "1.8", `{"cluster_template":"v130","rollback":true}`)
	assert.Equal(t, http.StatusBadRequest, wrong.status, "a rollback goes back to the cluster's own template: %s", wrong.raw)
	rb := e.do(t, "POST", "/v1/clusters/prod/actions/upgrade", "alice-token", "1.8", `{"rollback":true}`)
	require.Equal(t, http.StatusAccepted, rb.status, rb.raw)
	c = e.waitCluster(t, id, "UPDATE_COMPLETE")
	assert.Equal(t, ids["v131"], c.body["cluster_template_id"])
	assert.Equal(t, "v1.31.2", c.body["labels"].(map[string]any)["kube_tag"])
}
