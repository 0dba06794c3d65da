package api_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/containerinfra/v1/quotas"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQuotaAPI walks Magnum's quota API: admin-only writes and lists,
// owner reads, the default for a project without a quota, Magnum's codes.
func TestQuotaAPI(t *testing.T) {
	e := newEnv(t, false)
	const v = "1.6"

	r := e.do(t, "POST", "/v1/quotas", "admin-token", v, `{"project_id":"demo","resource":"Cluster","hard_limit":3}`)
	require.Equal(t, 201, r.status, r.raw)
	assert.Equal(t, "demo", r.body["project_id"])
	assert.Equal(t, "Cluster", r.body["resource"])
	assert.EqualValues(t, 3, r.body["hard_limit"])
	assert.NotNil(t, r.body["id"])
	assert.NotNil(t, r.body["created_at"])
	assert.Nil(t, r.body["updated_at"])
	demoID := r.body["id"]

	for _, tc := range []struct {
		name, token, body string
		status            int
	}{
		{"duplicate", "admin-token", `{"project_id":"demo","resource":"Cluster","hard_limit":9}`, 409},
		{"member", "alice-token", `{"project_id":"demo","resource":"Node","hard_limit":9}`, 403},
		{"unknown resource", "admin-token", `{"project_id":"demo","resource":"Cores","hard_limit":9}`, 400},
		{"no resource", "admin-token", `{"project_id":"demo","hard_limit":9}`, 400},
		{"no project", "admin-token", `{"resource":"Node","hard_limit":9}`, 400},
		{"negative limit", "admin-token", `{"project_id":"demo","resource":"Node","hard_limit":-1}`, 400},
		{"string limit", "admin-token", `{"project_id":"demo","resource":"Node","hard_limit":"9"}`, 400},
		{"unknown field", "admin-token", `{"project_id":"demo","resource":"Node","hard_limit":9,"cores":1}`, 400},
		{"not JSON", "admin-token", `{"project_id":`, 400},
		{"no token", "", `{"project_id":"demo","resource":"Node","hard_limit":9}`, 401},
	} {
		t.Run("create/"+tc.name, func(t *testing.T) {
			r := e.do(t, "POST", "/v1/quotas", tc.token, v, tc.body)
			require.Equal(t, tc.status, r.status, r.raw)
			errorOf(t, r)
		})
	}
	// Without hard_limit, Magnum's default of 1.
	r = e.do(t, "POST", "/v1/quotas", "admin-token", v, `{"project_id":"other","resource":"Node"}`)
	require.Equal(t, 201, r.status, r.raw)
	assert.EqualValues(t, 1, r.body["hard_limit"])
	r = e.do(t, "POST", "/v1/quotas", "admin-token", v, `{"project_id":"admin","resource":"Node","hard_limit":50}`)
	require.Equal(t, 201, r.status, r.raw)

	// Reads: the owner and admins; a project without a row shows the
	// default (this Manager has none: -1).
	r = e.do(t, "GET", "/v1/quotas/demo/Cluster", "alice-token", v, "")
	require.Equal(t, 200, r.status, r.raw)
	assert.EqualValues(t, 3, r.body["hard_limit"])
	assert.Equal(t, demoID, r.body["id"])
	r = e.do(t, "GET", "/v1/quotas/demo/Node", "alice-token", v, "")
	require.Equal(t, 200, r.status, r.raw)
	assert.Equal(t, map[string]any{"id": nil, "project_id": "demo", "resource": "Node", "hard_limit": float64(-1),
		"created_at": nil, "updated_at": nil}, r.body)
	assert.Equal(t, 403, e.do(t, "GET", "/v1/quotas/other/Node", "alice-token", v, "").status)
	r = e.do(t, "GET", "/v1/quotas/other/Node", "admin-token", v, "")
	require.Equal(t, 200, r.status, r.raw)
	assert.EqualValues(t, 1, r.body["hard_limit"])
	assert.Equal(t, 400, e.do(t, "GET", "/v1/quotas/demo/Cores", "alice-token", v, "").status)
	assert.Equal(t, 406, e.do(t, "GET", "/v1/quotas/demo/Cluster", "alice-token", "1.5", "").status)

	// Lists: admins only; their own project unless all_tenants.
	ids := func(r response) []string {
		var out []string
		for _, q := range r.body["quotas"].([]any) {
			m := q.(map[string]any)
			out = append(out, m["project_id"].(string)+"/"+m["resource"].(string))
		}
		return out
	}
	r = e.do(t, "GET", "/v1/quotas", "admin-token", v, "")
	require.Equal(t, 200, r.status, r.raw)
	assert.Equal(t, []string{"admin/Node"}, ids(r))
	r = e.do(t, "GET", "/v1/quotas?all_tenants=true", "admin-token", v, "")
	require.Equal(t, 200, r.status, r.raw)
	assert.Equal(t, []string{"demo/Cluster", "other/Node", "admin/Node"}, ids(r))
	assert.Nil(t, r.body["next"])
	assert.Equal(t, 403, e.do(t, "GET", "/v1/quotas", "alice-token", v, "").status)
	assert.Equal(t, 403, e.do(t, "GET", "/v1/quotas?all_tenants=true", "alice-token", v, "").status)
	assert.Equal(t, 400, e.do(t, "GET", "/v1/quotas?all_tenants=maybe", "admin-token", v, "").status)
	assert.Equal(t, 400, e.do(t, "GET", "/v1/quotas?all_tenants=1&marker=abc", "admin-token", v, "").status)
	assert.Equal(t, 400, e.do(t, "GET", "/v1/quotas?all_tenants=1&sort_key=uuid", "admin-token", v, "").status)
	assert.Equal(t, 406, e.do(t, "GET", "/v1/quotas", "admin-token", "1.5", "").status)

	// Paging follows next links, which keep all_tenants.
	var pages [][]string
	path := "/v1/quotas?all_tenants=true&limit=2"
	for path != "" && len(pages) < 5 {
		r := e.do(t, "GET", path, "admin-token", v, "")
		require.Equal(t, 200, r.status, r.raw)
		pages = append(pages, ids(r))
		path = ""
		if next, ok := r.body["next"].(string); ok {
			u, err := url.Parse(next)
			require.NoError(t, err)
			assert.Equal(t, "true", u.Query().Get("all_tenants"))
			path = u.RequestURI()
		}
	}
	assert.Equal(t, [][]string{{"demo/Cluster", "other/Node"}, {"admin/Node"}}, pages)

	// PATCH takes a quota document: 202 and the quota.
	r = e.do(t, "PATCH", "/v1/quotas/demo/Cluster", "admin-token", v, `{"project_id":"demo","resource":"Cluster","hard_limit":7}`)
	require.Equal(t, 202, r.status, r.raw)
	assert.EqualValues(t, 7, r.body["hard_limit"])
	assert.NotNil(t, r.body["updated_at"])
	assert.Equal(t, demoID, r.body["id"])
	r = e.do(t, "PATCH", "/v1/quotas/demo/Cluster", "admin-token", v, `{"hard_limit":8}`)
	require.Equal(t, 202, r.status, r.raw)
	for _, tc := range []struct {
		name, path, token, body string
		status                  int
	}{
		{"member", "/v1/quotas/demo/Cluster", "alice-token", `{"hard_limit":100}`, 403},
		{"JSON patch", "/v1/quotas/demo/Cluster", "admin-token", `[{"op":"replace","path":"/hard_limit","value":9}]`, 400},
		{"other project in body", "/v1/quotas/demo/Cluster", "admin-token", `{"project_id":"other","hard_limit":9}`, 400},
		{"other resource in body", "/v1/quotas/demo/Cluster", "admin-token", `{"resource":"Node","hard_limit":9}`, 400},
		{"no limit", "/v1/quotas/demo/Cluster", "admin-token", `{"project_id":"demo"}`, 400},
		{"negative limit", "/v1/quotas/demo/Cluster", "admin-token", `{"hard_limit":-3}`, 400},
		{"missing quota", "/v1/quotas/demo/Node", "admin-token", `{"hard_limit":9}`, 404},
	} {
		t.Run("update/"+tc.name, func(t *testing.T) {
			r := e.do(t, "PATCH", tc.path, tc.token, v, tc.body)
			require.Equal(t, tc.status, r.status, r.raw)
			errorOf(t, r)
		})
	}
	r = e.do(t, "GET", "/v1/quotas/demo/Cluster", "alice-token", v, "")
	assert.EqualValues(t, 8, r.body["hard_limit"], "no refused patch changed it")

	// DELETE: 204, then the default shows again.
	assert.Equal(t, 403, e.do(t, "DELETE", "/v1/quotas/demo/Cluster", "alice-token", v, "").status)
	r = e.do(t, "DELETE", "/v1/quotas/demo/Cluster", "admin-token", v, "")
	require.Equal(t, 204, r.status, r.raw)
	assert.Empty(t, r.raw)
	assert.Equal(t, 404, e.do(t, "DELETE", "/v1/quotas/demo/Cluster", "admin-token", v, "").status)
	r = e.do(t, "GET", "/v1/quotas/demo/Cluster", "alice-token", v, "")
	require.Equal(t, 200, r.status)
	assert.Nil(t, r.body["id"])

	r = e.do(t, "PUT", "/v1/quotas/demo/Cluster", "admin-token", v, `{"hard_limit":1}`)
	assert.Equal(t, 405, r.status)
	assert.ElementsMatch(t, []string{"GET", "PATCH", "DELETE"}, r.header.Values("Allow"))
}

// TestQuotaGophercloud creates a quota with gophercloud's containerinfra
// client and reads it back.
func TestQuotaGophercloud(t *testing.T) {
	e := newEnv(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q, err := quotas.Create(ctx, e.containerInfra(t, "admin-token", "1.6"), quotas.CreateOpts{
		ProjectID: "demo", Resource: "Cluster", HardLimit: 4}).Extract()
	require.NoError(t, err)
	assert.Equal(t, "demo", q.ProjectID)
	assert.Equal(t, "Cluster", q.Resource)
	assert.Equal(t, 4, q.HardLimit)
	assert.NotEmpty(t, q.ID)
	assert.False(t, q.CreatedAt.IsZero())

	_, err = quotas.Create(ctx, e.containerInfra(t, "alice-token", "1.6"), quotas.CreateOpts{
		ProjectID: "demo", Resource: "Node", HardLimit: 4}).Extract()
	require.Error(t, err, "members may not create quotas")
	_, err = quotas.Create(ctx, e.containerInfra(t, "admin-token", "1.6"), quotas.CreateOpts{
		ProjectID: "demo", Resource: "Cluster", HardLimit: 5}).Extract()
	require.Error(t, err, "a second quota of one project and resource")

	r := e.do(t, "GET", "/v1/quotas/demo/Cluster", "alice-token", "1.6", "")
	require.Equal(t, 200, r.status)
	assert.EqualValues(t, 4, r.body["hard_limit"])
}

// TestQuotaZeroAPI: Magnum takes hard_limit 0 on create and update, and a
// project whose cluster limit is 0 is refused cluster creates with 403.
func TestQuotaZeroAPI(t *testing.T) {
	e := newEnv(t, true)
	r := e.do(t, "POST", "/v1/clustertemplates", "alice-token", "1.10", k8sTemplate)
	require.Equal(t, 201, r.status, r.raw)

	r = e.do(t, "POST", "/v1/quotas", "admin-token", "1.6", `{"project_id":"demo","resource":"Cluster","hard_limit":0}`)
	require.Equal(t, 201, r.status, r.raw)
	assert.EqualValues(t, 0, r.body["hard_limit"])
	r = e.do(t, "GET", "/v1/quotas/demo/Cluster", "alice-token", "1.6", "")
	require.Equal(t, 200, r.status, r.raw)
	assert.EqualValues(t, 0, r.body["hard_limit"], "0 is shown as 0, not as unlimited")

	r = e.do(t, "POST", "/v1/clusters", "alice-token", "1.10", `{"name":"c1","cluster_template_id":"k8s"}`)
	require.Equal(t, 403, r.status, r.raw)
	assert.Contains(t, errorOf(t, r)["detail"], "at most 0 cluster")
	r = e.do(t, "GET", "/v1/clusters", "alice-token", "1.10", "")
	require.Equal(t, 200, r.status, r.raw)
	assert.Empty(t, r.body["clusters"], "nothing was created")

	// Other projects are not limited by demo's quota.
	r = e.do(t, "POST", "/v1/quotas", "admin-token", "1.6", `{"project_id":"other","resource":"Node","hard_limit":0}`)
	require.Equal(t, 201, r.status, r.raw)
	r = e.do(t, "PATCH", "/v1/quotas/other/Node", "admin-token", "1.6", `{"hard_limit":0}`)
	require.Equal(t, 202, r.status, r.raw, "0 on update too")
	r = e.do(t, "PATCH", "/v1/quotas/other/Node", "admin-token", "1.6", `{"hard_limit":-1}`)
	require.Equal(t, 400, r.status, r.raw)

	// Raising it lets the create through.
	r = e.do(t, "PATCH", "/v1/quotas/demo/Cluster", "admin-token", "1.6", `{"hard_limit":1}`)
	require.Equal(t, 202, r.status, r.raw)
	r = e.do(t, "POST", "/v1/clusters", "alice-token", "1.10", `{"name":"c1","cluster_template_id":"k8s"}`)
	assert.Equal(t, 202, r.status, r.raw)
}
