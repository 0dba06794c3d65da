package heattest_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/heat/heattest"
)

// statuses lists n stack lists' statuses.
func statuses(c *client, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i], _, _ = c.do("GET", "/stacks", nil)
	}
	return out
}

func TestRandomFaults(t *testing.T) {
	t.Run("rate", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		defer srv.Close()
		c := newClient(t, srv)
		srv.InjectRandomFaults(heattest.RandomFaults{Rate: 0.2, Seed: 7})
		failed := 0
		for _, s := range statuses(c, 1000) {
			switch s {
			case http.StatusOK:
			case http.StatusServiceUnavailable:
				failed++
			default:
				t.Fatalf("unexpected status %d", s)
			}
		}
		// Binomial(1000, 0.2): mean 200, sd ≈ 12.6; ±5 sd.
		assert.InDelta(t, 200, failed, 63)
		assert.Equal(t, heattest.FaultCounts{Errors: failed}, srv.InjectedFaults())
		assert.Equal(t, failed, srv.InjectedFaults().Total())
	})
	t.Run("seed reproduces the sequence", func(t *testing.T) {
		run := func() []int {
			srv := heattest.New(heattest.Options{})
			defer srv.Close()
			c := newClient(t, srv)
			srv.InjectRandomFaults(heattest.RandomFaults{Rate: 0.5, Seed: 42})
			return statuses(c, 64)
		}
		first := run()
		assert.Equal(t, first, run())
		assert.Contains(t, first, http.StatusOK)
		assert.Contains(t, first, http.StatusServiceUnavailable)
	})
	t.Run("kinds and status", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		defer srv.Close()
		c := newClient(t, srv)
		srv.InjectRandomFaults(heattest.RandomFaults{Rate: 1, Kinds: []heattest.RequestKind{heattest.KindCreate}, Status: http.StatusBadGateway})
		s, _, _ := c.do("GET", "/stacks", nil)
		assert.Equal(t, http.StatusOK, s, "lists are not among the kinds")
		s, _, _ = c.do("POST", "/stacks", createBody("nope", nil, ""))
		assert.Equal(t, http.StatusBadGateway, s)
		_, _, body := c.do("GET", "/stacks?name=nope", nil)
		assert.Empty(t, body["stacks"], "a failure before the effect creates nothing")
	})
	t.Run("after effect", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		defer srv.Close()
		c := newClient(t, srv)
		srv.InjectRandomFaults(heattest.RandomFaults{Rate: 1, Kinds: []heattest.RequestKind{heattest.KindCreate}, AfterEffectShare: 1})
		for i := range 3 {
			s, _, _ := c.do("POST", "/stacks", createBody(fmt.Sprintf("ghost-%d", i), nil, ""))
			assert.Equal(t, http.StatusServiceUnavailable, s)
		}
		_, _, body := c.do("GET", "/stacks", nil)
		assert.Len(t, body["stacks"], 3, "the stacks exist although the client saw failures")
		assert.Equal(t, heattest.FaultCounts{Errors: 3, AfterEffect: 3}, srv.InjectedFaults())
	})
	t.Run("stall until the client gives up", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		defer srv.Close()
		c := newClient(t, srv)
		srv.InjectRandomFaults(heattest.RandomFaults{Rate: 1, StallShare: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", srv.OrchestrationEndpoint()+"/stacks", nil)
		require.NoError(t, err)
		req.Header.Set("X-Auth-Token", c.token)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		require.Error(t, err, "a stalled request is never answered")
		assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
		assert.Less(t, time.Since(start), 5*time.Second)
		require.Eventually(t, func() bool { return srv.InjectedFaults().Stalls == 1 }, 5*time.Second, time.Millisecond)
	})
	t.Run("counted faults come first", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		defer srv.Close()
		c := newClient(t, srv)
		srv.InjectRandomFaults(heattest.RandomFaults{Rate: 1})
		srv.InjectFault(heattest.Fault{Kind: heattest.KindList, Status: http.StatusBadGateway})
		assert.Equal(t, []int{502, 503, 503}, statuses(c, 3))
	})
	t.Run("auth is opt-in", func(t *testing.T) {
		srv := heattest.New(heattest.Options{})
		defer srv.Close()
		srv.InjectRandomFaults(heattest.RandomFaults{Rate: 1, AfterEffectShare: 1})
		newClient(t, srv) // authenticates: auth is not a default kind
		srv.InjectRandomFaults(heattest.RandomFaults{Rate: 1, Kinds: []heattest.RequestKind{heattest.KindAuth}, AfterEffectShare: 1})
		ao := srv.AuthOptions()
		body := fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"domain":{"name":"Default"},"password":%q}}},"scope":{"project":{"name":%q,"domain":{"name":"Default"}}}}}`,
			ao.Username, ao.Password, ao.TenantName)
		resp, err := http.Post(srv.IdentityEndpoint()+"auth/tokens", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		assert.Empty(t, resp.Header.Get("X-Subject-Token"), "no token comes with a failure")
	})
	t.Run("turned off", func(t *testing.T) {
		for name, off := range map[string]func(*heattest.Server){
			"ClearFaults": (*heattest.Server).ClearFaults,
			"zero rate":   func(s *heattest.Server) { s.InjectRandomFaults(heattest.RandomFaults{}) },
			"NaN rate":    func(s *heattest.Server) { s.InjectRandomFaults(heattest.RandomFaults{Rate: math.NaN()}) },
		} {
			t.Run(name, func(t *testing.T) {
				srv := heattest.New(heattest.Options{})
				defer srv.Close()
				c := newClient(t, srv)
				srv.InjectRandomFaults(heattest.RandomFaults{Rate: 1})
				require.Equal(t, []int{503}, statuses(c, 1))
				off(srv)
				assert.Equal(t, []int{200, 200, 200}, statuses(c, 3))
			})
		}
	})
}
