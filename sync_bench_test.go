package magnum_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/heat/heattest"
	"github.com/gomagnum/magnum/openstack"
	"github.com/gomagnum/magnum/openstack/openstacktest"
	"github.com/gomagnum/magnum/store"
)

// TestSyncTickMakesOneListCall holds the sync loop to its promise: one
// Heat list call per tick, however many clusters are in flight, and no
// per-cluster stack reads while their stacks are in progress (Magnum makes
// one stack GET per cluster per tick). The fake cloud runs over HTTP with
// the gophercloud client, so every request the Manager makes is counted.
func TestSyncTickMakesOneListCall(t *testing.T) {
	e := newHTTPSyncEnv(t) // one cloud, grown from size to size
	ctx := context.Background()
	have := 1 // the prototype, made by CreateCluster
	for _, n := range []int{1, 100, 1000} {
		t.Run(fmt.Sprintf("clusters=%d", n), func(t *testing.T) {
			e.seed(t, n-have)
			have = n
			require.Equal(t, n, e.inFlight(t))
			for tick := 1; tick <= 2; tick++ {
				e.reset()
				require.NoError(t, e.m.SyncOnce(ctx))
				list, total := e.requests()
				assert.Equal(t, 1, list, "tick %d: list calls", tick)
				assert.Equal(t, 1, total, "tick %d: Heat requests", tick)
			}
			assert.Equal(t, n, e.inFlight(t), "every cluster is still in flight")
		})
	}
}

// BenchmarkSyncTick is one SyncOnce over n in-flight clusters whose stacks
// stay in progress: its time and allocations, and the Heat requests it
// makes (heat-req/tick; the goal is 1 at every size). "http" is the fake
// cloud over loopback HTTP (client decoding and the fake's encoding of the
// list included); "memory" is an in-memory Heat double, so the time is the
// Manager's own (store read, grouping, Observe, reconcile).
func BenchmarkSyncTick(b *testing.B) {
	envs := []struct {
		name  string
		new   func(testing.TB) *syncEnv
		sizes []int
	}{
		{"http", newHTTPSyncEnv, []int{1, 100, 1000, 10000}},
		{"memory", newDoubleSyncEnv, []int{1, 100, 1000, 10000}},
	}
	for _, env := range envs {
		for _, n := range env.sizes {
			b.Run(fmt.Sprintf("%s/clusters=%d", env.name, n), func(b *testing.B) {
				e := env.new(b)
				e.seed(b, n-1)
				require.Equal(b, n, e.inFlight(b))
				ctx := context.Background()
				require.NoError(b, e.m.SyncOnce(ctx)) // warm up: token, caches
				e.reset()
				b.ReportAllocs()
				b.ResetTimer()
				cpu := processCPU()
				for b.Loop() {
					if err := e.m.SyncOnce(ctx); err != nil {
						b.Fatal(err)
					}
				}
				cpu = processCPU() - cpu
				b.StopTimer()
				list, total := e.requests()
				ticks := float64(b.N)
				b.ReportMetric(float64(cpu)/ticks, "cpu-ns/tick")
				b.ReportMetric(float64(total)/ticks, "heat-req/tick")
				b.ReportMetric(float64(list)/ticks, "list/tick")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/ticks/float64(n), "ns/cluster")
				require.Equal(b, n, e.inFlight(b), "every cluster is still in flight")
			})
		}
	}
}

// BenchmarkSyncTickSettled is a tick with one cluster in flight among
// n-1 settled ones (CREATE_COMPLETE) whose stacks still exist, as in a
// long-running deployment. The list call is by the Manager's tag, so its
// answer holds every tagged stack, not only the in-flight ones: this shows
// what that costs (compare BenchmarkSyncTick at the same n).
func BenchmarkSyncTickSettled(b *testing.B) {
	envs := []struct {
		name string
		new  func(testing.TB) *syncEnv
	}{{"http", newHTTPSyncEnv}, {"memory", newDoubleSyncEnv}}
	for _, env := range envs {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/clusters=%d", env.name, n), func(b *testing.B) {
				e := env.new(b)
				e.seedIn(b, n-1, cluster.CreateComplete)
				require.Equal(b, 1, e.inFlight(b))
				ctx := context.Background()
				require.NoError(b, e.m.SyncOnce(ctx))
				e.reset()
				b.ReportAllocs()
				b.ResetTimer()
				cpu := processCPU()
				for b.Loop() {
					if err := e.m.SyncOnce(ctx); err != nil {
						b.Fatal(err)
					}
				}
				cpu = processCPU() - cpu
				b.StopTimer()
				_, total := e.requests()
				b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/tick")
				b.ReportMetric(float64(total)/float64(b.N), "heat-req/tick")
				require.Equal(b, 1, e.inFlight(b))
			})
		}
	}
}

// BenchmarkSyncTickMemory measures the Manager's heap per tracked cluster:
// the heap a tick grows by (garbage collection off during the tick, so
// everything the tick allocates counts), divided by the clusters in
// flight (heap-B/cluster), and what is still live after the tick and a
// collection (retained-B/cluster; the Manager keeps no per-cluster state
// between ticks, so this should be about 0). seeded-B/cluster is the live
// heap one seeded cluster adds (its record and two node groups in
// store.Memory, and its stack in the in-memory Heat double), for scale.
func BenchmarkSyncTickMemory(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("memory/clusters=%d", n), func(b *testing.B) {
			e := newDoubleSyncEnv(b)
			ctx := context.Background()
			before := liveHeap()
			e.seed(b, n-1)
			seeded := liveHeap()
			require.NoError(b, e.m.SyncOnce(ctx))
			var grown, retained float64
			b.ResetTimer()
			for b.Loop() {
				base := liveHeap()
				old := debug.SetGCPercent(-1)
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				start := ms.HeapAlloc
				if err := e.m.SyncOnce(ctx); err != nil {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&ms)
				grown += float64(ms.HeapAlloc - start)
				debug.SetGCPercent(old)
				retained += float64(liveHeap()) - float64(base)
			}
			b.StopTimer()
			ticks := float64(b.N)
			b.ReportMetric(grown/ticks/float64(n), "heap-B/cluster")
			b.ReportMetric(retained/ticks/float64(n), "retained-B/cluster")
			b.ReportMetric(float64(seeded-before)/float64(n-1), "seeded-B/cluster")
			require.Equal(b, n, e.inFlight(b))
		})
	}
}

// liveHeap collects garbage and returns the live heap.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkCreateCluster is CreateCluster throughput on the fake cloud
// over HTTP: each op is one CreateCluster call (request checks, template,
// resource checks against Glance/Nova/Neutron, quota and record), and the
// clock stops only when every cluster's background work (three CAs and a
// client certificate, rendering, the stack create) has recorded a stack
// id. "serial" calls CreateCluster from one goroutine, "parallel" from
// GOMAXPROCS goroutines.
func BenchmarkCreateCluster(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			srv := openstacktest.New(openstacktest.Options{})
			b.Cleanup(srv.Close)
			cloud, err := srv.Connect(context.Background())
			require.NoError(b, err)
			orch, err := cloud.Orchestrator(openstack.Config{})
			require.NoError(b, err)
			st := store.NewMemory()
			b.Cleanup(func() { _ = st.Close() })
			m, err := magnum.New(magnum.Config{Store: st, Orchestrator: orch, Images: cloud, Resources: cloud,
				Nodes: nodeAccess(srv.AuthOptions().IdentityEndpoint), Quota: &store.Quota{}, DefaultCaller: &alice})
			require.NoError(b, err)
			b.Cleanup(func() { require.NoError(b, m.Close()) })
			ctx := as(alice)
			_, err = m.CreateClusterTemplate(ctx, fakeK8sTemplate("k8s"))
			require.NoError(b, err)

			var (
				seq    atomic.Int64
				callNS atomic.Int64 // time spent inside CreateCluster calls
				failed atomic.Pointer[error]
			)
			create := func() string {
				name := fmt.Sprintf("c-%d", seq.Add(1))
				t0 := time.Now()
				c, err := m.CreateCluster(ctx, &magnum.ClusterRequest{Name: name, ClusterTemplate: "k8s"})
				callNS.Add(int64(time.Since(t0)))
				if err != nil {
					err = fmt.Errorf("create %s: %w", name, err)
					failed.CompareAndSwap(nil, &err)
					return ""
				}
				return c.UUID
			}
			var ids []string
			srv.ResetCounts() // and Heat's
			b.ReportAllocs()
			start := time.Now()
			b.ResetTimer()
			cpu := processCPU()
			if mode == "serial" {
				for range b.N {
					ids = append(ids, create())
				}
			} else {
				ch := make(chan string, b.N)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						ch <- create()
					}
				})
				close(ch)
				for id := range ch {
					ids = append(ids, id)
				}
			}
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}
			waitStackIDs(b, m, ids)
			b.StopTimer()
			elapsed := time.Since(start)
			cpu = processCPU() - cpu
			require.Len(b, ids, b.N)
			n := float64(b.N)
			cloudReqs := srv.Heat().TotalRequests()
			for _, c := range srv.RequestCounts() {
				cloudReqs += c
			}
			b.ReportMetric(n/elapsed.Seconds(), "clusters/s")
			b.ReportMetric(float64(callNS.Load())/n, "call-ns/cluster")
			b.ReportMetric(float64(cpu)/n, "cpu-ns/cluster")
			b.ReportMetric(float64(srv.Heat().Requests(heattest.KindCreate))/n, "stack-create/cluster")
			b.ReportMetric(float64(cloudReqs)/n, "cloud-req/cluster")
		})
	}
}
