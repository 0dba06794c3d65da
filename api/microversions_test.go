package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBaysAreNotServed: microversion 1.11 removed Magnum's bay and
// baymodel aliases, which gomagnum never had; they are 404 at every
// version, before and after.
func TestBaysAreNotServed(t *testing.T) {
	e := newEnv(t, false)
	for _, v := range []string{"", "1.1", "1.10", "1.11", "latest"} {
		for _, req := range []struct{ method, path, body string }{
			{"GET", "/v1/bays", ""},
			{"GET", "/v1/bays/detail", ""},
			{"POST", "/v1/bays", `{"name":"b","baymodel_id":"k8s"}`},
			{"GET", "/v1/baymodels", ""},
			{"DELETE", "/v1/baymodels/k8s", ""},
		} {
			r := e.do(t, req.method, req.path, "alice-token", v, req.body)
			assert.Equal(t, http.StatusNotFound, r.status, "%s %s at %q: %s", req.method, req.path, v, r.raw)
		}
	}
}

// TestClusterIDFrom113: from 1.13 a cluster shows its stack_id as
// cluster_id, in show and in both lists; below, stack_id as before.
func TestClusterIDFrom113(t *testing.T) {
	e := newEnv(t, true)
	id := e.builtCluster(t)
	old := e.do(t, "GET", "/v1/clusters/"+id, "alice-token", "1.12", "")
	require.Equal(t, http.StatusOK, old.status, old.raw)
	stack, _ := old.body["stack_id"].(string)
	require.NotEmpty(t, stack, "a built cluster has a stack")
	assert.NotContains(t, old.body, "cluster_id")

	for _, v := range []string{"1.13", "1.14", "latest"} {
		show := e.do(t, "GET", "/v1/clusters/"+id, "alice-token", v, "")
		require.Equal(t, http.StatusOK, show.status, show.raw)
		assert.Equal(t, stack, show.body["cluster_id"], v)
		assert.NotContains(t, show.body, "stack_id", v)
	}
	for _, path := range []string{"/v1/clusters", "/v1/clusters/detail"} {
		for v, field := range map[string]string{"1.1": "stack_id", "1.12": "stack_id", "1.13": "cluster_id"} {
			l := e.do(t, "GET", path, "alice-token", v, "")
			require.Equal(t, http.StatusOK, l.status, l.raw)
			cs := l.body["clusters"].([]any)
			require.Len(t, cs, 1)
			c := cs[0].(map[string]any)
			assert.Equal(t, stack, c[field], "%s at %s", path, v)
			other := map[string]string{"stack_id": "cluster_id", "cluster_id": "stack_id"}[field]
			assert.NotContains(t, c, other, "%s at %s", path, v)
		}
	}

	// A cluster without a stack yet shows the field, empty.
	cr := e.do(t, "POST", "/v1/clusters", "alice-token", "latest", `{"name":"fresh","cluster_template_id":"k8s","node_count":1}`)
	require.Equal(t, http.StatusAccepted, cr.status, cr.raw)
	fresh := e.do(t, "GET", "/v1/clusters/fresh", "alice-token", "1.13", "")
	require.Equal(t, http.StatusOK, fresh.status, fresh.raw)
	assert.Contains(t, fresh.body, "cluster_id")
	e.waitCluster(t, cr.body["uuid"].(string), "CREATE_COMPLETE")
}

// TestNodeLabelsAndTaintsAt114 creates a node group with node labels and
// taints at 1.14, shows and lists them, patches them, and checks that
// 1.13 shows neither.
func TestNodeLabelsAndTaintsAt114(t *testing.T) {
	e := newEnv(t, true)
	id := e.builtCluster(t)
	c := e.do(t, "POST", "/v1/clusters/prod/nodegroups", "alice-token", "1.14",
		`{"name":"gpu","node_labels":{"accelerator":"a100"},"node_taints":[{"key":"gpu","value":"true","effect":"NoSchedule"}]}`)
	require.Equal(t, http.StatusAccepted, c.status, c.raw)
	assert.Equal(t, map[string]any{"accelerator": "a100"}, c.body["node_labels"])
	assert.Equal(t, []any{map[string]any{"key": "gpu", "value": "true", "effect": "NoSchedule"}}, c.body["node_taints"])
	e.waitCluster(t, id, "UPDATE_COMPLETE")

	show := e.do(t, "GET", "/v1/clusters/prod/nodegroups/gpu", "alice-token", "1.14", "")
	require.Equal(t, http.StatusOK, show.status, show.raw)
	assert.Equal(t, map[string]any{"accelerator": "a100"}, show.body["node_labels"])
	assert.Equal(t, []any{map[string]any{"key": "gpu", "value": "true", "effect": "NoSchedule"}}, show.body["node_taints"])

	list := e.do(t, "GET", "/v1/clusters/prod/nodegroups", "alice-token", "1.14", "")
	require.Equal(t, http.StatusOK, list.status, list.raw)
	byName := map[string]map[string]any{}
	for _, g := range list.body["nodegroups"].([]any) {
		m := g.(map[string]any)
		byName[m["name"].(string)] = m
	}
	require.Len(t, byName, 3)
	assert.Equal(t, map[string]any{"accelerator": "a100"}, byName["gpu"]["node_labels"])
	require.Contains(t, byName["default-worker"], "node_labels", "shown at 1.14 even when unset")
	assert.Nil(t, byName["default-worker"]["node_labels"])
	assert.Nil(t, byName["default-worker"]["node_taints"])

	for _, path := range []string{"/v1/clusters/prod/nodegroups/gpu", "/v1/clusters/prod/nodegroups"} {
		old := e.do(t, "GET", path, "alice-token", "1.13", "")
		require.Equal(t, http.StatusOK, old.status, old.raw)
		assert.NotContains(t, old.raw, "node_labels", path)
		assert.NotContains(t, old.raw, "node_taints", path)
	}

	p := e.do(t, "PATCH", "/v1/clusters/prod/nodegroups/gpu", "alice-token", "1.14",
		`[{"op":"replace","path":"/node_labels","value":{"accelerator":"h100","zone":"b"}},
		  {"op":"replace","path":"/node_taints","value":[{"key":"gpu","effect":"NoExecute"}]}]`)
	require.Equal(t, http.StatusAccepted, p.status, p.raw)
	assert.Equal(t, map[string]any{"accelerator": "h100", "zone": "b"}, p.body["node_labels"])
	assert.Equal(t, []any{map[string]any{"key": "gpu", "effect": "NoExecute"}}, p.body["node_taints"])
	e.waitCluster(t, id, "UPDATE_COMPLETE")
	after := e.do(t, "GET", "/v1/clusters/prod/nodegroups/gpu", "alice-token", "1.14", "")
	assert.Equal(t, map[string]any{"accelerator": "h100", "zone": "b"}, after.body["node_labels"])
	assert.Equal(t, []any{map[string]any{"key": "gpu", "effect": "NoExecute"}}, after.body["node_taints"])

	// The same patch at 1.13 is refused as an unknown attribute.
	old := e.do(t, "PATCH", "/v1/clusters/prod/nodegroups/gpu", "alice-token", "1.13",
		`[{"op":"remove","path":"/node_taints"}]`)
	assert.Equal(t, http.StatusBadRequest, old.status, old.raw)
	assert.Contains(t, errorOf(t, old)["detail"], "node_taints")

	// The driver's rules on taints hold over HTTP too.
	bad := e.do(t, "PATCH", "/v1/clusters/prod/nodegroups/gpu", "alice-token", "1.14",
		`[{"op":"replace","path":"/node_taints","value":[{"key":"gpu","effect":"Sometimes"}]}]`)
	assert.Equal(t, http.StatusBadRequest, bad.status, bad.raw)
}
