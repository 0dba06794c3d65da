package mesos_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/mesos"
)

// fakeMasters serves one handler per master, each on its own loopback
// address (127.0.0.1, .2, …) and all on the same port, as masters are.
func fakeMasters(t *testing.T, handlers ...http.Handler) (addrs []string, port int) {
	t.Helper()
	for attempt := 0; attempt < 20; attempt++ {
		l0, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port = l0.Addr().(*net.TCPAddr).Port
		ls := []net.Listener{l0}
		for i := 1; i < len(handlers); i++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:%d", i+1, port))
			if err != nil {
				break
			}
			ls = append(ls, l)
		}
		if len(ls) < len(handlers) {
			for _, l := range ls {
				_ = l.Close()
			}
			continue
		}
		addrs = nil
		for i, h := range handlers {
			srv := httptest.NewUnstartedServer(h)
			_ = srv.Listener.Close()
			srv.Listener = ls[i]
			srv.Start()
			t.Cleanup(srv.Close)
			addrs = append(addrs, fmt.Sprintf("127.0.0.%d", i+1))
		}
		return addrs, port
	}
	t.Skip("cannot listen on several loopback addresses with one port")
	return nil, 0
}

// state answers a master's state document on /master/state.
func state(doc string, hits *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits != nil {
			hits.Add(1)
		}
		if r.URL.Path != "/master/state" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(doc))
	})
}

func leaderDoc(pid string, slaves string, deactivated int) string {
	return fmt.Sprintf(`{"version": "1.9.0", "pid": %q, "leader": %q, "activated_slaves": 2, "deactivated_slaves": %d, "slaves": [%s]}`,
		pid, pid, deactivated, slaves)
}

func followerDoc(pid, leader string) string {
	return fmt.Sprintf(`{"pid": %q, "leader": %q, "slaves": []}`, pid, leader)
}

const twoActive = `{"id": "s1", "hostname": "10.0.0.21", "pid": "slave(1)@10.0.0.21:5051", "active": true},
	{"id": "s2", "hostname": "10.0.0.22", "pid": "slave(1)@10.0.0.22:5051", "active": true}`

func target(addrs []string, slaves int, fip bool) mesos.HealthTarget {
	return mesos.HealthTarget{
		Cluster:  &cluster.Cluster{Name: "prod", UUID: testClusterUUID, MasterAddresses: addrs, NodeCount: slaves},
		Features: heat.Features{"floating_ip": fip, "master_lb": false},
	}
}

func TestHealthMonitor(t *testing.T) {
	ctx := context.Background()
	t.Run("healthy", func(t *testing.T) {
		addrs, port := fakeMasters(t, state(leaderDoc("master@10.0.0.11:5050", twoActive, 0), nil))
		m := mesos.HealthMonitor{Port: port}
		h := m.Check(ctx, target(addrs, 2, true))
		assert.Equal(t, cluster.Healthy, h.Status)
		assert.Equal(t, map[string]string{"api": "ok", "leader": "master@10.0.0.11:5050",
			"10.0.0.21.active": "true", "10.0.0.22.active": "true"}, h.Reasons)
	})
	t.Run("a deactivated slave", func(t *testing.T) {
		slaves := `{"id": "s1", "hostname": "10.0.0.21", "active": true}, {"id": "s2", "hostname": "10.0.0.22", "active": false}`
		addrs, port := fakeMasters(t, state(leaderDoc("master@10.0.0.11:5050", slaves, 1), nil))
		h := (&mesos.HealthMonitor{Port: port}).Check(ctx, target(addrs, 2, true))
		assert.Equal(t, cluster.Unhealthy, h.Status)
		assert.Equal(t, "false", h.Reasons["10.0.0.22.active"])
		assert.Equal(t, "true", h.Reasons["10.0.0.21.active"])
		assert.Equal(t, "1", h.Reasons["deactivated_slaves"])
		assert.Equal(t, "1 of 2 slaves active", h.Reasons["slaves"])
	})
	t.Run("fewer slaves than the cluster has", func(t *testing.T) {
		slaves := `{"id": "s1", "active": true}`
		addrs, port := fakeMasters(t, state(leaderDoc("master@10.0.0.11:5050", slaves, 0), nil))
		h := (&mesos.HealthMonitor{Port: port}).Check(ctx, target(addrs, 3, true))
		assert.Equal(t, cluster.Unhealthy, h.Status)
		assert.Equal(t, "1 of 3 slaves active", h.Reasons["slaves"])
		assert.Equal(t, "true", h.Reasons["s1.active"], "named by id without a host name")
	})
	t.Run("the leader is found among followers", func(t *testing.T) {
		var third atomic.Int32
		addrs, port := fakeMasters(t,
			state(followerDoc("master@10.0.0.11:5050", "master@10.0.0.12:5050"), nil),
			state(leaderDoc("master@10.0.0.12:5050", twoActive, 0), nil),
			state(followerDoc("master@10.0.0.13:5050", "master@10.0.0.12:5050"), &third))
		h := (&mesos.HealthMonitor{Port: port}).Check(ctx, target(addrs, 2, true))
		assert.Equal(t, cluster.Healthy, h.Status)
		assert.Equal(t, "master@10.0.0.12:5050", h.Reasons["leader"])
		assert.Zero(t, third.Load(), "polling stops at the leader")
	})
	t.Run("a redirect to the leader is followed", func(t *testing.T) {
		var second atomic.Int32
		var port int
		var addrs []string
		redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+net.JoinHostPort(addrs[2], strconv.Itoa(port))+"/master/state", http.StatusTemporaryRedirect)
		})
		addrs, port = fakeMasters(t, redirect,
			state(followerDoc("master@10.0.0.12:5050", "master@10.0.0.13:5050"), &second),
			state(leaderDoc("master@10.0.0.13:5050", twoActive, 0), nil))
		h := (&mesos.HealthMonitor{Port: port}).Check(ctx, target(addrs, 2, true))
		assert.Equal(t, cluster.Healthy, h.Status)
		assert.Zero(t, second.Load(), "the redirect's target was asked next")
	})
	t.Run("a redirect elsewhere is not followed", func(t *testing.T) {
		var elsewhere atomic.Int32
		other := httptest.NewServer(state(leaderDoc("master@6.6.6.6:5050", "", 0), &elsewhere))
		defer other.Close()
		redirect := http.RedirectHandler(other.URL+"/master/state", http.StatusTemporaryRedirect)
		addrs, port := fakeMasters(t, redirect, state(followerDoc("master@10.0.0.12:5050", "master@10.0.0.11:5050"), nil))
		h := (&mesos.HealthMonitor{Port: port}).Check(ctx, target(addrs, 2, true))
		assert.Equal(t, cluster.Unhealthy, h.Status)
		assert.Equal(t, "no leading master among the 2 that answered", h.Reasons["api"])
		assert.Zero(t, elsewhere.Load())
	})
	t.Run("an older master answers /state", func(t *testing.T) {
		old := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/state" {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write([]byte(leaderDoc("master@10.0.0.11:5050", twoActive, 0)))
		})
		addrs, port := fakeMasters(t, old)
		h := (&mesos.HealthMonitor{Port: port}).Check(ctx, target(addrs, 2, true))
		assert.Equal(t, cluster.Healthy, h.Status)
	})
	t.Run("unreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := l.Addr().(*net.TCPAddr).Port
		require.NoError(t, l.Close())
		h := (&mesos.HealthMonitor{Port: port, Timeout: 2 * time.Second}).Check(ctx, target([]string{"127.0.0.1"}, 2, true))
		assert.Equal(t, cluster.Unknown, h.Status)
		assert.Contains(t, h.Reasons["api"], "not reachable")
	})
	t.Run("a broken state", func(t *testing.T) {
		addrs, port := fakeMasters(t, state(`{"pid": 7`, nil))
		h := (&mesos.HealthMonitor{Port: port}).Check(ctx, target(addrs, 2, true))
		assert.Equal(t, cluster.Unknown, h.Status)
		assert.Contains(t, h.Reasons["api"], "does not parse")
	})
	t.Run("masters without floating IPs", func(t *testing.T) {
		h := (&mesos.HealthMonitor{}).Check(ctx, target([]string{"10.0.0.11"}, 2, false))
		assert.Equal(t, cluster.Unknown, h.Status)
		assert.Equal(t, map[string]string{"api": "The cluster prod is not accessible."}, h.Reasons)
		h = (&mesos.HealthMonitor{}).Check(ctx, mesos.HealthTarget{})
		assert.Equal(t, cluster.Unknown, h.Status)
	})
	t.Run("cancelled", func(t *testing.T) {
		block := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		addrs, port := fakeMasters(t, block)
		cctx, cancel := context.WithCancel(ctx)
		go func() { time.Sleep(50 * time.Millisecond); cancel() }()
		start := time.Now()
		h := (&mesos.HealthMonitor{Port: port}).Check(cctx, target(addrs, 2, true))
		assert.Equal(t, cluster.Unknown, h.Status)
		assert.Less(t, time.Since(start), 5*time.Second)
	})
	t.Run("hostile text is cleaned", func(t *testing.T) {
		slaves := `{"id": "s1", "hostname": "evil\nhost\u0000", "active": true}`
		doc := `{"pid": "master@x\u0007", "leader": "master@x\u0007", "slaves": [` + slaves + `]}`
		addrs, port := fakeMasters(t, state(doc, nil))
		h := (&mesos.HealthMonitor{Port: port}).Check(ctx, target(addrs, 1, true))
		assert.Equal(t, cluster.Healthy, h.Status)
		assert.Equal(t, "true", h.Reasons["evil host .active"])
		assert.Equal(t, "master@x ", h.Reasons["leader"])
	})
}

func TestParseState(t *testing.T) {
	s, err := mesos.ParseState([]byte(leaderDoc("master@10.0.0.11:5050", twoActive, 0)))
	require.NoError(t, err)
	assert.True(t, s.Leading())
	assert.Len(t, s.Slaves, 2)
	s, err = mesos.ParseState([]byte(followerDoc("a", "b")))
	require.NoError(t, err)
	assert.False(t, s.Leading())
	s, err = mesos.ParseState([]byte(`{}`))
	require.NoError(t, err)
	assert.False(t, s.Leading(), "no pid is no leader")
	for _, bad := range []string{``, `[]`, `{"slaves": {}}`, `{"deactivated_slaves": -1}`, `{"pid": 1}`} {
		_, err := mesos.ParseState([]byte(bad))
		assert.ErrorIs(t, err, errdefs.ErrInvalid, bad)
	}
}

func TestCheckHealthDriver(t *testing.T) {
	d := mesos.New()
	var hc driver.HealthChecker = d
	assert.False(t, hc.ReportsOwnHealth(nil), "every Mesos cluster is polled")
	h := d.CheckHealth(context.Background(), nil)
	assert.Equal(t, cluster.Unknown, h.Status)

	in := input(t, variant{Workers: 1})
	in.Cluster.MasterAddresses = []string{"10.0.0.11"}
	h = d.CheckHealth(context.Background(), &driver.HealthRequest{Template: in.Template, Cluster: in.Cluster, NodeGroups: in.NodeGroups})
	assert.Equal(t, cluster.Unknown, h.Status)
	assert.Equal(t, "The cluster prod cluster is not accessible.", h.Reasons["api"], "no floating IPs: the masters are private")

	in.Cluster.Labels = map[string]string{"mesos_slave_isolation": "bogus"}
	h = d.CheckHealth(context.Background(), &driver.HealthRequest{Template: in.Template, Cluster: in.Cluster})
	assert.Equal(t, cluster.Unknown, h.Status)
	assert.Contains(t, h.Reasons["api"], "cannot poll")
}
