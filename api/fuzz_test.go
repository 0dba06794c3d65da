package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzHandler sends arbitrary method, path, version header and body to the
// handler (authenticated, over a Manager with a template and no cloud) and
// checks that every answer is well-formed: never a 500 (a panic or an
// unmapped failure), a request id always, Magnum's error body on errors.
func FuzzHandler(f *testing.F) {
	seeds := []struct{ method, path, version, body string }{
		{"GET", "/", "", ""},
		{"GET", "/v1", "latest", ""},
		{"GET", "/v1/clustertemplates?limit=1&sort_key=name&sort_dir=desc", "1.1", ""},
		{"GET", "/v1/clustertemplates?marker=zzz", "1.1", ""},
		{"GET", "/v1/clustertemplates/k8s", "1.10", ""},
		{"POST", "/v1/clustertemplates", "1.1", k8sTemplate},
		{"PATCH", "/v1/clustertemplates/k8s", "1.1", `[{"op":"replace","path":"/labels","value":"{'a': 'b'}"}]`},
		{"PATCH", "/v1/clustertemplates/k8s", "1.1", `[{"op":"add","path":"/x/y","value":{"a":[1,2]}}]`},
		{"DELETE", "/v1/clustertemplates/k8s", "1.1", ""},
		{"POST", "/v1/clusters", "1.10", `{"cluster_template_id":"k8s","node_count":0,"labels":{"a":1,"b":true}}`},
		{"PATCH", "/v1/clusters/c?rollback=yes", "1.3", `[{"op":"replace","path":"/node_count","value":"0"}]`},
		{"POST", "/v1/clusters/c/actions/resize", "1.7", `{"node_count":-1,"nodes_to_remove":["a"]}`},
		{"GET", "/v1/clusters/c/nodegroups/x", "1.9", ""},
		{"GET", "/v1/clusters/c/nodegroups?role=worker", "1.9", ""},
		{"POST", "/v1/clusters/c/nodegroups", "1.9", `{"name":"ng","node_count":0,"min_node_count":2,"max_node_count":1}`},
		{"POST", "/v1/clusters/c/nodegroups", "1.10", `{"name":"ng","labels":{"a":"b"},"merge_labels":true,"role":"master","docker_volume_size":-3}`},
		{"POST", "/v1/clusters/c/nodegroups", "1.10", `{"name":"ng","node_labels":{"x":"y"},"node_taints":[{"key":"k","effect":"NoSchedule","bogus":1}]}`},
		{"PATCH", "/v1/clusters/c/nodegroups/default-worker", "1.9", `[{"op":"replace","path":"/max_node_count","value":"0"}]`},
		{"PATCH", "/v1/clusters/c/nodegroups/x", "1.10", `[{"op":"add","path":"/node_taints/0","value":"[{'key': 'k'}]"}]`},
		{"DELETE", "/v1/clusters/c/nodegroups/default-master", "1.9", ""},
		{"POST", "/v1/clusters/c/actions/resize", "1.9", `{"node_count":2,"nodegroup":"ng"}`},
		{"POST", "/v1/clusters/c/actions/upgrade", "1.8", `{"cluster_template":"k8s","max_batch_size":0,"nodegroup":"default-worker"}`},
		{"POST", "/v1/clusters/c/actions/upgrade", "1.10", `{"rollback":true}`},
		{"PATCH", "/v1/certificates/c", "1.5", ""},
		{"PATCH", "/v1/certificates/c", "latest", `{"cluster_uuid":"c"}`},
		{"GET", "/v1/certificates/c?ca_cert_type=front_proxy", "1.1", ""},
		{"POST", "/v1/certificates", "1.1", `{"cluster_uuid":"c","csr":"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"}`},
		{"GET", "/v1/stats?project_id=*&type=CLUSTER", "1.4", ""},
		{"GET", "/v1/mservices", "1.1", ""},
		{"PUT", "/v1/quotas/a/b", "1.6", "{}"},
		{"GET", "/v1/clusters/%2e%2e/detail", "1.1", ""},
		{"PATCH", "/v1/credentials/c", "1.12", ""},
		{"PATCH", "/v1/credentials/c", "1.11", `{"x":1}`},
		{"GET", "/v1/clusters/detail?limit=1", "1.13", ""},
		{"GET", "/v1/bays", "1.11", ""},
		{"POST", "/v1/clusters/c/nodegroups", "1.14", `{"name":"ng","node_labels":{"x":"y"},"node_taints":[{"key":"k","value":"v","effect":"NoExecute"}]}`},
		{"PATCH", "/v1/clusters/c/nodegroups/x", "1.14", `[{"op":"replace","path":"/node_taints","value":[{"key":"k","effect":"Maybe"}]},{"op":"add","path":"/node_labels/a","value":"b"}]`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.version, s.body)
	}
	e := newEnv(f, false)
	tmpl := e.do(f, "POST", "/v1/clustertemplates", "alice-token", "", offlineTemplate)
	require.Equal(f, http.StatusCreated, tmpl.status, tmpl.raw)

	f.Fuzz(func(t *testing.T, method, path, version, body string) {
		req, err := http.NewRequest(method, "http://api.test"+path, strings.NewReader(body))
		if err != nil || !strings.HasPrefix(req.URL.Path, "/") {
			return
		}
		req.Header.Set("X-Auth-Token", "alice-token")
		if version != "" {
			req.Header.Set("OpenStack-API-Version", "container-infra "+version)
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		require.NotEqual(t, http.StatusInternalServerError, rec.Code, "%s %s: %s", method, path, rec.Body)
		id := rec.Header().Get("X-Openstack-Request-Id")
		require.NotEmpty(t, id)
		if rec.Code >= 300 && rec.Code < 400 { // the mux cleaning a path ("/v1/./x")
			require.NotEmpty(t, rec.Header().Get("Location"))
			return
		}
		if rec.Code == http.StatusNoContent {
			require.Zero(t, rec.Body.Len())
			return
		}
		require.True(t, json.Valid(rec.Body.Bytes()), "%s %s: body %q", method, path, rec.Body)
		if rec.Code >= 400 {
			var eb struct {
				Errors []struct {
					RequestID string `json:"request_id"`
					Status    int    `json:"status"`
					Title     string `json:"title"`
				} `json:"errors"`
			}
			require.NoError(t, json.NewDecoder(bytes.NewReader(rec.Body.Bytes())).Decode(&eb))
			require.Len(t, eb.Errors, 1)
			require.Equal(t, rec.Code, eb.Errors[0].Status)
			require.Equal(t, id, eb.Errors[0].RequestID)
			require.NotEmpty(t, eb.Errors[0].Title)
		}
	})
}
