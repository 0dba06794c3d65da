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
		{"GET", "/v1/certificates/c?ca_cert_type=front_proxy", "1.1", ""},
		{"POST", "/v1/certificates", "1.1", `{"cluster_uuid":"c","csr":"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"}`},
		{"GET", "/v1/stats?project_id=*&type=CLUSTER", "1.4", ""},
		{"GET", "/v1/mservices", "1.1", ""},
		{"PUT", "/v1/quotas/a/b", "1.6", "{}"},
		{"GET", "/v1/clusters/%2e%2e/detail", "1.1", ""},
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
