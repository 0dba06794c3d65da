package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/api"
	"github.com/gomagnum/magnum/policy"
)

// Example mounts the API over a Manager and creates a cluster template
// through it with a static token.
func Example() {
	mgr, err := magnum.New(magnum.Config{})
	if err != nil {
		panic(err)
	}
	defer mgr.Close()
	h, err := api.New(api.Config{
		Manager:       mgr,
		Authenticator: api.Static{"s3cret": policy.Caller{UserID: "alice", ProjectID: "demo"}},
	})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/v1/clustertemplates", strings.NewReader(
		`{"name":"k8s","coe":"kubernetes","image_id":"fedora-atomic-latest","cluster_distro":"fedora-atomic","external_network_id":"public"}`))
	req.Header.Set("X-Auth-Token", "s3cret")
	req.Header.Set("OpenStack-API-Version", "container-infra latest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("OpenStack-API-Version"))
	// Output: 201 container-infra 1.14
}
