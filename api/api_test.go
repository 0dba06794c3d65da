package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/api"
)

func TestNewChecksConfig(t *testing.T) {
	_, err := api.New(api.Config{})
	require.Error(t, err)
	e := newEnv(t, false)
	_, err = api.New(api.Config{Manager: e.mgr})
	require.Error(t, err, "no authenticator")
	_, err = api.New(api.Config{Manager: e.mgr, Authenticator: tokens, MaxBodyBytes: -1})
	require.Error(t, err)
}

func TestVersionDocuments(t *testing.T) {
	e := newEnv(t, false)
	root := e.do(t, "GET", "/", "", "", "")
	require.Equal(t, http.StatusOK, root.status, root.raw)
	versions := root.body["versions"].([]any)
	require.Len(t, versions, 1)
	v := versions[0].(map[string]any)
	assert.Equal(t, "v1", v["id"])
	assert.Equal(t, "1.1", v["min_version"])
	assert.Equal(t, api.MaxVersion.String(), v["max_version"])
	assert.Equal(t, e.srv.URL+"/v1/", v["links"].([]any)[0].(map[string]any)["href"])
	assert.NotEmpty(t, root.header.Get("X-Openstack-Request-Id"))

	v1 := e.do(t, "GET", "/v1", "", "latest", "")
	require.Equal(t, http.StatusOK, v1.status, v1.raw)
	assert.Equal(t, "v1", v1.body["id"])
	assert.Contains(t, v1.body, "clusters")
	assert.Equal(t, "container-infra "+api.MaxVersion.String(), v1.header.Get("OpenStack-API-Version"))
}

func TestMicroversionNegotiation(t *testing.T) {
	e := newEnv(t, false)
	tests := []struct {
		header string
		status int
		want   string
	}{
		{"", 200, "1.1"},
		{"container-infra 1.1", 200, "1.1"},
		{"container-infra 1.5", 200, "1.5"},
		{"container-infrastructure-management 1.9", 200, "1.9"},
		{"container-infra latest", 200, api.MaxVersion.String()},
		{"container-infra " + api.MaxVersion.String(), 200, api.MaxVersion.String()},
		{"compute 2.1", 200, "1.1"}, // another service's version is ignored
		{"container-infra 1.0", 406, ""},
		{"container-infra 1.99", 406, ""},
		{"container-infra 2.1", 406, ""},
		{"container-infra one.two", 400, ""},
		{"container-infra 1", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			req, err := http.NewRequest("GET", e.srv.URL+"/v1/clusters", nil)
			require.NoError(t, err)
			req.Header.Set("X-Auth-Token", "alice-token")
			if tt.header != "" {
				req.Header.Set("OpenStack-API-Version", tt.header)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "container-infra 1.1", resp.Header.Get("OpenStack-API-Minimum-Version"))
			assert.Equal(t, "container-infra "+api.MaxVersion.String(), resp.Header.Get("OpenStack-API-Maximum-Version"))
			assert.Contains(t, resp.Header.Values("Vary"), "OpenStack-API-Version")
			if tt.want != "" {
				assert.Equal(t, "container-infra "+tt.want, resp.Header.Get("OpenStack-API-Version"))
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, false)
	for _, tok := range []string{"", "wrong"} {
		r := e.do(t, "GET", "/v1/clustertemplates", tok, "", "")
		require.Equal(t, http.StatusUnauthorized, r.status, r.raw)
		item := errorOf(t, r)
		assert.EqualValues(t, 401, item["status"])
		assert.Equal(t, "client", item["code"])
		assert.Equal(t, r.header.Get("X-Openstack-Request-Id"), item["request_id"])
		assert.NotEmpty(t, r.header.Get("WWW-Authenticate"))
	}
	// Admin-only service list.
	assert.Equal(t, http.StatusForbidden, e.do(t, "GET", "/v1/mservices", "alice-token", "", "").status)
	ms := e.do(t, "GET", "/v1/mservices", "admin-token", "", "")
	require.Equal(t, http.StatusOK, ms.status, ms.raw)
	assert.Contains(t, ms.body, "mservices")
}

func TestTemplateCRUD(t *testing.T) {
	e := newEnv(t, true)
	c := e.do(t, "POST", "/v1/clustertemplates", "alice-token", "", k8sTemplate)
	require.Equal(t, http.StatusCreated, c.status, c.raw)
	id := c.body["uuid"].(string)
	assert.Equal(t, e.srv.URL+"/v1/clustertemplates/"+id, c.header.Get("Location"))
	assert.Equal(t, "fedora-atomic", c.body["cluster_distro"], "from the image's os_distro")
	assert.NotContains(t, c.body, "revision")
	assert.Equal(t, "demo", c.body["project_id"])

	// Another project cannot see it.
	assert.Equal(t, http.StatusNotFound, e.do(t, "GET", "/v1/clustertemplates/"+id, "bob-token", "", "").status)

	list := e.do(t, "GET", "/v1/clustertemplates", "alice-token", "", "")
	require.Equal(t, 200, list.status)
	items := list.body["clustertemplates"].([]any)
	require.Len(t, items, 1)
	assert.Len(t, items[0].(map[string]any), 3, "uuid, name and links only")
	detail := e.do(t, "GET", "/v1/clustertemplates/detail", "alice-token", "", "")
	assert.Equal(t, "kubernetes", detail.body["clustertemplates"].([]any)[0].(map[string]any)["coe"])

	up := e.do(t, "PATCH", "/v1/clustertemplates/k8s", "alice-token", "", `[{"op":"replace","path":"/name","value":"k8s2"}]`)
	require.Equal(t, http.StatusOK, up.status, up.raw)
	assert.Equal(t, "k8s2", up.body["name"])
	bad := e.do(t, "PATCH", "/v1/clustertemplates/k8s2", "alice-token", "", `[{"op":"replace","path":"/uuid","value":"x"}]`)
	assert.Equal(t, http.StatusBadRequest, bad.status, bad.raw)

	pub := e.do(t, "PATCH", "/v1/clustertemplates/k8s2", "alice-token", "", `[{"op":"replace","path":"/public","value":true}]`)
	assert.Equal(t, http.StatusForbidden, pub.status, "publishing needs admin: %s", pub.raw)

	assert.Equal(t, http.StatusNoContent, e.do(t, "DELETE", "/v1/clustertemplates/"+id, "alice-token", "", "").status)
	assert.Equal(t, http.StatusNotFound, e.do(t, "GET", "/v1/clustertemplates/"+id, "alice-token", "", "").status)
}

func TestStrictBodies(t *testing.T) {
	e := newEnv(t, true)
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"unknown template field", "POST", "/v1/clustertemplates", `{"coe":"kubernetes","image_id":"x","bogus":1}`, 400},
		{"template revision", "POST", "/v1/clustertemplates", `{"coe":"kubernetes","image_id":"x","revision":3}`, 400},
		{"trailing data", "POST", "/v1/clustertemplates", k8sTemplate + `{}`, 400},
		{"not json", "POST", "/v1/clustertemplates", `{"coe":`, 400},
		{"wrong type", "POST", "/v1/clusters", `{"cluster_template_id":"k8s","node_count":"many"}`, 400},
		{"unknown cluster field", "POST", "/v1/clusters", `{"cluster_template_id":"k8s","flavour":"m1.small"}`, 400},
		{"no template", "POST", "/v1/clusters", `{"name":"c"}`, 400},
		{"unknown template", "POST", "/v1/clusters", `{"cluster_template_id":"nope"}`, 400},
		{"empty body", "POST", "/v1/clusters", ``, 400},
		{"array body", "POST", "/v1/clusters", `[]`, 400},
		{"bad patch", "PATCH", "/v1/clusters/x", `{"op":"replace"}`, 400},
		{"csr unknown cluster", "POST", "/v1/certificates", `{"cluster_uuid":"nope","csr":"x"}`, 400},
		{"csr missing", "POST", "/v1/certificates", `{"cluster_uuid":"nope"}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, tt.method, tt.path, "alice-token", "latest", tt.body)
			require.Equal(t, tt.status, r.status, r.raw)
			item := errorOf(t, r)
			assert.NotEmpty(t, item["detail"])
		})
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, false)
	big := `{"name":"` + strings.Repeat("a", api.DefaultMaxBodyBytes) + `"}`
	r := e.do(t, "POST", "/v1/clustertemplates", "alice-token", "", big)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status, r.raw[:min(len(r.raw), 200)])
	assert.EqualValues(t, 413, errorOf(t, r)["status"])
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t, false)
	r := e.do(t, "GET", "/v1/nothing", "alice-token", "", "")
	assert.Equal(t, http.StatusNotFound, r.status)
	errorOf(t, r)
	r = e.do(t, "PUT", "/v1/clusters", "alice-token", "", "")
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.ElementsMatch(t, []string{"GET", "POST"}, r.header.Values("Allow"))
	errorOf(t, r)
}

func TestVersionGatedAndUnimplemented(t *testing.T) {
	e := newEnv(t, false)
	tests := []struct {
		method, path, version string
		status                int
	}{
		{"GET", "/v1/stats", "1.3", 406},
		{"GET", "/v1/stats", "1.4", 200},
		{"GET", "/v1/stats/", "1.4", 200},
		{"GET", "/v1/stats?type=bay", "1.4", 400},
		{"GET", "/v1/stats?project_id=other", "1.4", 403},
		{"POST", "/v1/clusters/c/actions/resize", "1.6", 406},
		{"POST", "/v1/clusters/c/actions/upgrade", "1.7", 400},
		{"POST", "/v1/clusters/c/actions/upgrade", "1.8", 400}, // no body
		{"GET", "/v1/quotas", "1.5", 406},
		{"GET", "/v1/quotas", "1.6", 403},
		{"GET", "/v1/quotas/demo/Cluster", "1.6", 200},
		{"PATCH", "/v1/certificates/c", "1.4", 406},
		{"PATCH", "/v1/certificates/c", "1.5", 404},
		{"GET", "/v1/clusters/c/nodegroups", "1.8", 406},
		{"GET", "/v1/clusters/c/nodegroups", "1.9", 404},
		{"POST", "/v1/clusters/c/nodegroups", "1.9", 400}, // no body
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.method, tt.path, tt.version), func(t *testing.T) {
			r := e.do(t, tt.method, tt.path, "alice-token", tt.version, "")
			require.Equal(t, tt.status, r.status, r.raw)
			if tt.status != 200 {
				errorOf(t, r)
			}
		})
	}
	s := e.do(t, "GET", "/v1/stats", "alice-token", "1.4", "")
	assert.EqualValues(t, 0, s.body["clusters"])
}
