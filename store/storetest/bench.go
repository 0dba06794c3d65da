package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// BenchClusters is how many clusters the read benchmarks hold.
const BenchClusters = 10000

// Bench measures a store: creating clusters (each with its two default node
// groups) with and without a quota to check, recording heartbeats,
// renewing a lease, renewing 1, 16 and 256 leases in one call, and, on a store holding BenchClusters clusters, getting one by
// UUID, finding one by name, listing all of them, and listing pages of 100
// from a marker. open is called once for the create benchmark and once for
// the read ones.
func Bench(b *testing.B, open func(b *testing.B) store.Store) {
	ctx := context.Background()
	b.Run("CreateCluster", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		tm := benchTemplate(ctx, b, s)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c, groups := benchCluster(tm.UUID, i)
			if err := s.CreateCluster(ctx, c, groups); err != nil {
				b.Fatal(err)
			}
		}
	})

	// CreateClusterWithin under a quota it never reaches: what counting a
	// project's use costs, on top of CreateCluster. The clusters spread
	// over four projects, as in the read benchmarks.
	b.Run("CreateClusterWithin", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		tm := benchTemplate(ctx, b, s)
		q := store.Quota{Clusters: store.AtMost(1 << 30), Nodes: store.AtMost(1 << 30)}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c, groups := benchCluster(tm.UUID, i)
			if err := s.CreateClusterWithin(ctx, c, groups, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("HeartbeatService", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		svc := &store.Service{Host: "bench-host/1", Binary: "gomagnum-manager"}
		b.ReportAllocs()
		b.ResetTimer() // not the store's opening
		for i := 0; i < b.N; i++ {
			if err := s.HeartbeatService(ctx, svc, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})

	// What the elected Manager pays each tick: renewing its lease.
	b.Run("AcquireLease", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ok, err := s.AcquireLease(ctx, "status-sync", "bench-host/1", time.Now(), time.Minute)
			if err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})

	// What a Manager's lease keeper pays per round for all the operation
	// leases it holds (one per queued or running operation), against one
	// AcquireLease per lease before RenewLeases.
	for _, n := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("RenewLeases/%d", n), func(b *testing.B) {
			s := open(b)
			defer s.Close()
			names := make([]string, n)
			for i := range names {
				names[i] = fmt.Sprintf("cluster-op/%s", newUUID())
				if ok, err := s.AcquireLease(ctx, names[i], "bench-host/1", time.Now(), time.Minute); err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				lost, err := s.RenewLeases(ctx, "bench-host/1", names, time.Now(), time.Minute)
				if err != nil || len(lost) > 0 {
					b.Fatal(lost, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/lease")
		})
	}

	s := open(b)
	defer s.Close()
	tm := benchTemplate(ctx, b, s)
	ids := make([]string, BenchClusters)
	start := time.Now()
	for i := range ids {
		c, groups := benchCluster(tm.UUID, i)
		if err := s.CreateCluster(ctx, c, groups); err != nil {
			b.Fatal(err)
		}
		ids[i] = c.UUID
	}
	b.Logf("filled %d clusters in %v", BenchClusters, time.Since(start).Round(time.Millisecond))

	b.Run("GetCluster", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := s.GetCluster(ctx, ids[(i*7919)%len(ids)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FindClusterByName", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			name := fmt.Sprintf("cluster-%05d", (i*7919)%len(ids))
			if _, err := s.FindCluster(ctx, store.ClusterFilter{ProjectID: benchProject((i * 7919) % len(ids))}, name); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("ListAll%d", BenchClusters), func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			l, err := s.ListClusters(ctx, store.ClusterFilter{}, store.Page{})
			if err != nil {
				b.Fatal(err)
			}
			if len(l) != BenchClusters {
				b.Fatalf("listed %d clusters, want %d", len(l), BenchClusters)
			}
		}
	})
	for _, key := range []string{"id", "name"} {
		b.Run("ListPage100/by-"+key, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				marker := ids[(i*7919)%(len(ids)-200)]
				l, err := s.ListClusters(ctx, store.ClusterFilter{}, store.Page{Marker: marker, Limit: 100, SortKey: key})
				if err != nil {
					b.Fatal(err)
				}
				if len(l) == 0 {
					b.Fatal("empty page")
				}
			}
		})
	}
	b.Run("ListPage100/one-project", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			j := ((i * 7919) % (len(ids) - 400)) &^ 3 // a cluster of project-0
			l, err := s.ListClusters(ctx, store.ClusterFilter{ProjectID: benchProject(j)}, store.Page{Marker: ids[j], Limit: 100})
			if err != nil {
				b.Fatal(err)
			}
			if len(l) != 100 {
				b.Fatalf("page of %d", len(l))
			}
		}
	})
}

func benchProject(i int) string { return fmt.Sprintf("project-%d", i%4) }

func benchTemplate(ctx context.Context, b *testing.B, s store.Store) *template.ClusterTemplate {
	tm := &template.ClusterTemplate{
		UUID: newUUID(), Name: "bench", ProjectID: "project-0", COE: "kubernetes", ImageID: "fedora-coreos-40",
		Labels: labels.Labels{"kube_tag": "v1.30.1"}, CreatedAt: time.Now(),
	}
	if err := s.CreateTemplate(ctx, tm); err != nil {
		b.Fatal(err)
	}
	return tm
}

// benchCluster is a cluster of realistic size with its two default groups.
func benchCluster(tmpl string, i int) (*cluster.Cluster, []*cluster.NodeGroup) {
	now := time.Now()
	c := &cluster.Cluster{
		UUID: newUUID(), Name: fmt.Sprintf("cluster-%05d", i), ProjectID: benchProject(i), UserID: "user",
		ClusterTemplateID: tmpl, KeyPair: "default", NodeCount: 3, MasterCount: 1,
		Labels: labels.Labels{
			"kube_tag": "v1.30.1", "container_runtime": "containerd", "cloud_provider_enabled": "true",
			"availability_zone": "nova", "boot_volume_size": "20", "master_lb_floating_ip_enabled": "false",
		},
		CreateTimeout: 60, Status: cluster.CreateComplete, HealthStatus: cluster.Healthy,
		HealthStatusReason: map[string]string{"api": "ok"},
		APIAddress:         "https://192.0.2.10:6443",
		MasterAddresses:    []string{"192.0.2.10"},
		NodeAddresses:      []string{"192.0.2.11", "192.0.2.12", "192.0.2.13"},
		COEVersion:         "v1.30.1", StackID: newUUID(),
		CreatedAt: now, CACertRef: "ca-" + newUUID(), TrustID: newUUID(),
	}
	groups := []*cluster.NodeGroup{
		{UUID: newUUID(), Name: cluster.DefaultMasterGroup, ClusterID: c.UUID, ProjectID: c.ProjectID, Role: cluster.RoleMaster,
			NodeCount: 1, IsDefault: true, Status: cluster.CreateComplete, CreatedAt: now, Labels: c.Labels},
		{UUID: newUUID(), Name: cluster.DefaultWorkerGroup, ClusterID: c.UUID, ProjectID: c.ProjectID, Role: cluster.RoleWorker,
			NodeCount: 3, IsDefault: true, Status: cluster.CreateComplete, CreatedAt: now, Labels: c.Labels,
			NodeAddresses: c.NodeAddresses},
	}
	return c, groups
}
