package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitCluster polls GET /v1/clusters/{id} until the cluster reaches want,
// failing if it settles in another status.
func (e *env) waitCluster(t *testing.T, id, want string) response {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := e.do(t, "GET", "/v1/clusters/"+id, "alice-token", "latest", "")
		require.Equal(t, http.StatusOK, r.status, r.raw)
		st, _ := r.body["status"].(string)
		if st == want {
			return r
		}
		require.Contains(t, st, "IN_PROGRESS", "cluster settled in %s: %v", st, r.body["status_reason"])
		require.True(t, time.Now().Before(deadline), "cluster %s not %s in time (%s)", id, want, st)
		time.Sleep(5 * time.Millisecond)
	}
}

// builtCluster creates a template "k8s" (k8sTemplate, or the body given)
// and a cluster "prod" with one node, and waits for it.
func (e *env) builtCluster(t *testing.T, template ...string) string {
	t.Helper()
	body := k8sTemplate
	if len(template) > 0 {
		body = template[0]
	}
	tr := e.do(t, "POST", "/v1/clustertemplates", "alice-token", "", body)
	require.Equal(t, http.StatusCreated, tr.status, tr.raw)
	cr := e.do(t, "POST", "/v1/clusters", "alice-token", "latest", `{"name":"prod","cluster_template_id":"k8s","node_count":1}`)
	require.Equal(t, http.StatusAccepted, cr.status, cr.raw)
	id := cr.body["uuid"].(string)
	e.waitCluster(t, id, "CREATE_COMPLETE")
	return id
}

// groupsByName lists a cluster's node groups at 1.9.
func (e *env) groupsByName(t *testing.T, cluster string) map[string]map[string]any {
	t.Helper()
	r := e.do(t, "GET", "/v1/clusters/"+cluster+"/nodegroups", "alice-token", "1.9", "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	out := map[string]map[string]any{}
	for _, g := range r.body["nodegroups"].([]any) {
		m := g.(map[string]any)
		out[m["name"].(string)] = m
	}
	return out
}

// TestNodeGroupLifecycleOverHTTP creates a node group, follows it to
// CREATE_COMPLETE, resizes it through actions/resize with "nodegroup",
// patches its bounds and deletes it, on the fake cloud.
func TestNodeGroupLifecycleOverHTTP(t *testing.T) {
	e := newEnv(t, true)
	id := e.builtCluster(t)

	c := e.do(t, "POST", "/v1/clusters/prod/nodegroups", "alice-token", "1.9",
		`{"name":"gpu","node_count":2,"max_node_count":3,"labels":{"gpu":"yes"},"merge_labels":true}`)
	require.Equal(t, http.StatusAccepted, c.status, c.raw)
	gid := c.body["uuid"].(string)
	assert.Equal(t, e.srv.URL+"/v1/clusters/"+id+"/nodegroups/"+gid, c.header.Get("Location"))
	assert.Equal(t, "CREATE_IN_PROGRESS", c.body["status"])
	assert.Equal(t, "worker", c.body["role"])
	assert.EqualValues(t, 2, c.body["node_count"])
	assert.EqualValues(t, 3, c.body["max_node_count"])
	assert.Equal(t, "m1.small", c.body["flavor_id"], "the cluster's flavor")
	assert.Equal(t, "yes", c.body["labels"].(map[string]any)["gpu"])
	assert.Equal(t, "v1.30.1", c.body["labels"].(map[string]any)["kube_tag"], "merged over the cluster's labels")
	assert.NotContains(t, c.body, "revision")
	assert.NotContains(t, c.body, "node_labels", "a field of 1.14")
	assert.NotContains(t, c.body, "node_taints", "a field of 1.14")

	busy := e.do(t, "POST", "/v1/clusters/prod/nodegroups", "alice-token", "1.9", `{"name":"second"}`)
	assert.Equal(t, http.StatusConflict, busy.status, "one operation at a time: %s", busy.raw)

	cl := e.waitCluster(t, id, "UPDATE_COMPLETE")
	assert.EqualValues(t, 3, cl.body["node_count"], "the default worker and the group's two")
	groups := e.groupsByName(t, "prod")
	require.Len(t, groups, 3)
	assert.Equal(t, "CREATE_COMPLETE", groups["gpu"]["status"])
	assert.Len(t, groups["gpu"]["node_addresses"], 2)

	// By name and by UUID; unknown groups are 404.
	for _, ref := range []string{"gpu", gid} {
		s := e.do(t, "GET", "/v1/clusters/"+id+"/nodegroups/"+ref, "alice-token", "1.9", "")
		require.Equal(t, http.StatusOK, s.status, s.raw)
		assert.Equal(t, gid, s.body["uuid"])
		assert.Equal(t, e.srv.URL+"/v1/clusters/"+id+"/nodegroups/"+gid, s.body["links"].([]any)[0].(map[string]any)["href"])
	}
	assert.Equal(t, http.StatusNotFound, e.do(t, "GET", "/v1/clusters/prod/nodegroups/nope", "alice-token", "1.9", "").status)
	masters := e.do(t, "GET", "/v1/clusters/prod/nodegroups?role=master", "alice-token", "1.9", "")
	require.Equal(t, http.StatusOK, masters.status)
	require.Len(t, masters.body["nodegroups"], 1)
	assert.Equal(t, "master", masters.body["nodegroups"].([]any)[0].(map[string]any)["role"])

	// Resize the non-default group through the action; above its maximum is 400.
	over := e.do(t, "POST", "/v1/clusters/prod/actions/resize", "alice-token", "1.9", `{"node_count":4,"nodegroup":"gpu"}`)
	assert.Equal(t, http.StatusBadRequest, over.status, over.raw)
	rs := e.do(t, "POST", "/v1/clusters/prod/actions/resize", "alice-token", "1.9", `{"node_count":3,"nodegroup":"gpu"}`)
	require.Equal(t, http.StatusAccepted, rs.status, rs.raw)
	assert.Equal(t, id, rs.body["uuid"])
	cl = e.waitCluster(t, id, "UPDATE_COMPLETE")
	assert.EqualValues(t, 4, cl.body["node_count"])
	groups = e.groupsByName(t, "prod")
	assert.EqualValues(t, 3, groups["gpu"]["node_count"])
	assert.Len(t, groups["gpu"]["node_addresses"], 3)
	assert.EqualValues(t, 1, groups["default-worker"]["node_count"], "the default group untouched")
	noGroup := e.do(t, "POST", "/v1/clusters/prod/actions/resize", "alice-token", "1.9", `{"node_count":1,"nodegroup":"nope"}`)
	assert.Contains(t, []int{400, 404}, noGroup.status, noGroup.raw)

	// PATCH: bounds only; inconsistent counts are 409, read-only fields 400.
	p := e.do(t, "PATCH", "/v1/clusters/prod/nodegroups/gpu", "alice-token", "1.9",
		`[{"op":"replace","path":"/min_node_count","value":1},{"op":"replace","path":"/max_node_count","value":5}]`)
	require.Equal(t, http.StatusAccepted, p.status, p.raw)
	assert.EqualValues(t, 1, p.body["min_node_count"])
	assert.EqualValues(t, 5, p.body["max_node_count"])
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"max below count", `[{"op":"replace","path":"/max_node_count","value":2}]`, 409},
		{"min above count", `[{"op":"replace","path":"/min_node_count","value":"4"}]`, 409},
		{"node_count by patch", `[{"op":"replace","path":"/node_count","value":1}]`, 400},
		{"internal field", `[{"op":"replace","path":"/uuid","value":"x"}]`, 400},
		{"negative min", `[{"op":"replace","path":"/min_node_count","value":-1}]`, 400},
		{"not a patch", `{"op":"replace"}`, 400},
		{"node labels before 1.14", `[{"op":"add","path":"/node_labels","value":"{'a': 'b'}"}]`, 400},
		{"node taints before 1.14", `[{"op":"add","path":"/node_taints","value":"[]"}]`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, "PATCH", "/v1/clusters/prod/nodegroups/gpu", "alice-token", "1.10", tc.body)
			assert.Equal(t, tc.status, r.status, r.raw)
			errorOf(t, r)
		})
	}
	g := e.do(t, "GET", "/v1/clusters/prod/nodegroups/gpu", "alice-token", "1.9", "")
	assert.EqualValues(t, 1, g.body["min_node_count"], "refused patches changed nothing")
	assert.EqualValues(t, 5, g.body["max_node_count"])

	// Delete: default groups cannot go (400); others are 204 and then gone.
	assert.Equal(t, http.StatusBadRequest, e.do(t, "DELETE", "/v1/clusters/prod/nodegroups/default-worker", "alice-token", "1.9", "").status)
	assert.Equal(t, http.StatusNotFound, e.do(t, "DELETE", "/v1/clusters/prod/nodegroups/gpu", "bob-token", "1.9", "").status, "another project's")
	d := e.do(t, "DELETE", "/v1/clusters/prod/nodegroups/gpu", "alice-token", "1.9", "")
	require.Equal(t, http.StatusNoContent, d.status, d.raw)
	assert.Empty(t, d.raw)
	cl = e.waitCluster(t, id, "UPDATE_COMPLETE")
	assert.EqualValues(t, 1, cl.body["node_count"], "the group's nodes left with it")
	assert.Equal(t, http.StatusNotFound, e.do(t, "GET", "/v1/clusters/prod/nodegroups/gpu", "alice-token", "1.9", "").status)
}

// TestNodeGroupCreateRefused checks every refusal of a node group create
// and that none of them records anything.
func TestNodeGroupCreateRefused(t *testing.T) {
	e := newEnv(t, true)
	id := e.builtCluster(t)
	tests := []struct {
		name, version, path, body string
		status                    int
	}{
		{"before 1.9", "1.8", "/v1/clusters/prod/nodegroups", `{"name":"a"}`, 406},
		{"node labels before 1.14", "1.13", "/v1/clusters/prod/nodegroups", `{"name":"a","node_labels":{"x":"y"}}`, 400},
		{"node taints before 1.14", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","node_taints":[{"key":"k","effect":"NoSchedule"}]}`, 400},
		{"empty node labels before 1.14", "1.13", "/v1/clusters/prod/nodegroups", `{"name":"a","node_labels":{}}`, 400},
		{"unknown taint field", "1.14", "/v1/clusters/prod/nodegroups", `{"name":"a","node_taints":[{"key":"k","effect":"NoSchedule","bogus":1}]}`, 400},
		{"unknown field", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","flavour":"m1.small"}`, 400},
		{"wrong type", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","node_count":"two"}`, 400},
		{"empty body", "1.10", "/v1/clusters/prod/nodegroups", ``, 400},
		{"no name", "1.10", "/v1/clusters/prod/nodegroups", `{"node_count":1}`, 400},
		{"long name", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"` + strings.Repeat("n", 256) + `"}`, 400},
		{"negative count", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","node_count":-1}`, 400},
		{"negative min", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","min_node_count":-1}`, 400},
		{"zero volume", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","docker_volume_size":0}`, 400},
		{"zero nodes before 1.10", "1.9", "/v1/clusters/prod/nodegroups", `{"name":"a","node_count":0}`, 400},
		{"count below min", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","node_count":1,"min_node_count":2}`, 409},
		{"count above max", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","node_count":3,"max_node_count":2}`, 409},
		{"max below min", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","node_count":2,"min_node_count":2,"max_node_count":1}`, 409},
		{"master role", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","role":"master"}`, 400},
		{"taken name", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"default-worker"}`, 409},
		{"unknown flavor", "1.10", "/v1/clusters/prod/nodegroups", `{"name":"a","flavor_id":"m1.huge"}`, 400},
		{"unknown cluster", "1.10", "/v1/clusters/nope/nodegroups", `{"name":"a"}`, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, "POST", tt.path, "alice-token", tt.version, tt.body)
			require.Equal(t, tt.status, r.status, r.raw)
			assert.NotEmpty(t, errorOf(t, r)["detail"])
		})
	}
	// Another project cannot add to alice's cluster.
	assert.Equal(t, http.StatusNotFound, e.do(t, "POST", "/v1/clusters/"+id+"/nodegroups", "bob-token", "1.9", `{"name":"a"}`).status)
	assert.Len(t, e.groupsByName(t, "prod"), 2, "nothing recorded")
	c := e.do(t, "GET", "/v1/clusters/prod", "alice-token", "", "")
	assert.Equal(t, "CREATE_COMPLETE", c.body["status"], "the cluster untouched")

	// A cluster not built yet (no API address) takes no group: 409.
	cr := e.do(t, "POST", "/v1/clusters", "alice-token", "latest", `{"name":"young","cluster_template_id":"k8s"}`)
	require.Equal(t, http.StatusAccepted, cr.status, cr.raw)
	young := e.do(t, "POST", "/v1/clusters/young/nodegroups", "alice-token", "1.9", `{"name":"a"}`)
	assert.Equal(t, http.StatusConflict, young.status, young.raw)
	e.waitCluster(t, cr.body["uuid"].(string), "CREATE_COMPLETE")
}

// TestNodeGroupRoutesVersionGated: every node group route is 406 before 1.9.
func TestNodeGroupRoutesVersionGated(t *testing.T) {
	e := newEnv(t, false)
	for _, rt := range []struct{ method, path, body string }{
		{"GET", "/v1/clusters/c/nodegroups", ""},
		{"GET", "/v1/clusters/c/nodegroups/g", ""},
		{"POST", "/v1/clusters/c/nodegroups", `{"name":"g"}`},
		{"PATCH", "/v1/clusters/c/nodegroups/g", `[{"op":"replace","path":"/min_node_count","value":1}]`},
		{"DELETE", "/v1/clusters/c/nodegroups/g", ""},
	} {
		r := e.do(t, rt.method, rt.path, "alice-token", "1.8", rt.body)
		assert.Equal(t, http.StatusNotAcceptable, r.status, "%s %s: %s", rt.method, rt.path, r.raw)
		r = e.do(t, rt.method, rt.path, "alice-token", "1.9", rt.body)
		assert.Equal(t, http.StatusNotFound, r.status, "%s %s at 1.9, no such cluster: %s", rt.method, rt.path, r.raw)
	}
}
