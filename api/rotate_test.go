package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRotateCAOverHTTP rotates a cluster's CA through PATCH
// /v1/certificates/{cluster}: 202 with the cluster's UUID, and once the
// update completes GET returns a new CA. TLS-disabled clusters are 400, a
// busy cluster 409, other projects' clusters 404, before 1.5 406.
func TestRotateCAOverHTTP(t *testing.T) {
	e := newEnv(t, true)
	// The etcd volume keeps etcd's data while the masters are replaced.
	id := e.builtCluster(t, versionedTemplate("k8s", "v1.30.4"))
	old := e.do(t, "GET", "/v1/certificates/prod", "alice-token", "", "")
	require.Equal(t, http.StatusOK, old.status, old.raw)

	assert.Equal(t, http.StatusNotAcceptable, e.do(t, "PATCH", "/v1/certificates/prod", "alice-token", "1.4", "").status)
	assert.Equal(t, http.StatusNotFound, e.do(t, "PATCH", "/v1/certificates/prod", "bob-token", "1.5", "").status)
	assert.Equal(t, http.StatusNotFound, e.do(t, "PATCH", "/v1/certificates/nope", "alice-token", "1.5", "").status)

	r := e.do(t, "PATCH", "/v1/certificates/prod", "alice-token", "1.5", "")
	require.Equal(t, http.StatusAccepted, r.status, r.raw)
	assert.Equal(t, map[string]any{"uuid": id}, r.body)
	busy := e.do(t, "PATCH", "/v1/certificates/"+id, "alice-token", "latest", `{"cluster_uuid":"`+id+`"}`)
	assert.Equal(t, http.StatusConflict, busy.status, "one rotation at a time: %s", busy.raw)
	e.waitCluster(t, id, "UPDATE_COMPLETE")
	rotated := e.do(t, "GET", "/v1/certificates/prod", "alice-token", "", "")
	require.Equal(t, http.StatusOK, rotated.status, rotated.raw)
	assert.NotEqual(t, old.body["pem"], rotated.body["pem"], "a new CA is in force")

	// A cluster without TLS has nothing to rotate.
	plain := `{"name":"plain","coe":"kubernetes","image_id":"fedora-atomic-latest","keypair_id":"testkey",
"external_network_id":"public","flavor_id":"m1.small","master_flavor_id":"m1.medium","tls_disabled":true}`
	tr := e.do(t, "POST", "/v1/clustertemplates", "alice-token", "", plain)
	require.Equal(t, http.StatusCreated, tr.status, tr.raw)
	cr := e.do(t, "POST", "/v1/clusters", "alice-token", "latest", `{"name":"plain","cluster_template_id":"plain"}`)
	require.Equal(t, http.StatusAccepted, cr.status, cr.raw)
	e.waitCluster(t, cr.body["uuid"].(string), "CREATE_COMPLETE")
	tls := e.do(t, "PATCH", "/v1/certificates/plain", "alice-token", "1.5", "")
	assert.Equal(t, http.StatusBadRequest, tls.status, tls.raw)
	assert.Contains(t, errorOf(t, tls)["detail"], "without TLS")
}
