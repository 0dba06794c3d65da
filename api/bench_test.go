package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/policy"
)

// benchEnv is an env with n settled clusters of alice's.
func benchEnv(b *testing.B, n int) (*env, []string) {
	b.Helper()
	e := newEnvSync(b, true, 50*time.Millisecond) // a quiet sync loop, as in production
	r := e.do(b, "POST", "/v1/clustertemplates", "alice-token", "", k8sTemplate)
	require.Equal(b, http.StatusCreated, r.status, r.raw)
	ctx, cancel := context.WithTimeout(policy.WithCaller(context.Background(), alice), 2*time.Minute)
	defer cancel()
	ids := make([]string, n)
	for i := range n {
		c, err := e.mgr.CreateCluster(ctx, &magnum.ClusterRequest{Name: fmt.Sprintf("c%03d", i), ClusterTemplate: "k8s"})
		require.NoError(b, err)
		ids[i] = c.UUID
	}
	for _, id := range ids {
		_, err := e.mgr.Wait(ctx, id)
		require.NoError(b, err)
	}
	return e, ids
}

// runLoad sends GETs of path from parallel keep-alive clients over loopback
// and reports requests per second.
func runLoad(b *testing.B, e *env, path string) {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
			req.Header.Set("X-Auth-Token", "alice-token")
			req.Header.Set("OpenStack-API-Version", "container-infra latest")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("GET %s: %d", path, resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkClusterList: GET /v1/clusters (and /detail) with 100 clusters.
func BenchmarkClusterList(b *testing.B) {
	e, _ := benchEnv(b, 100)
	b.Run("list", func(b *testing.B) { runLoad(b, e, "/v1/clusters") })
	b.Run("detail", func(b *testing.B) { runLoad(b, e, "/v1/clusters/detail") })
}

// BenchmarkClusterShow: GET /v1/clusters/{uuid} among 100 clusters.
func BenchmarkClusterShow(b *testing.B) {
	e, ids := benchEnv(b, 100)
	b.Run("by-uuid", func(b *testing.B) { runLoad(b, e, "/v1/clusters/"+ids[50]) })
	b.Run("by-name", func(b *testing.B) { runLoad(b, e, "/v1/clusters/c050") })
}
