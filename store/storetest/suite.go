package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// Run runs the conformance suite against the stores open returns. open is
// called once per subtest, from parallel subtests, and must return a new,
// empty store; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"TemplateCRUD", testTemplateCRUD},
		{"ClusterCRUD", testClusterCRUD},
		{"NodeGroupCRUD", testNodeGroupCRUD},
		{"Revisions", testRevisions},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"FindTemplate", testFindTemplate},
		{"FindCluster", testFindCluster},
		{"FindNodeGroup", testFindNodeGroup},
		{"TemplateVisibility", testTemplateVisibility},
		{"ClusterFilters", testClusterFilters},
		{"NodeGroupFilters", testNodeGroupFilters},
		{"Pagination", testPagination},
		{"PageErrors", testPageErrors},
		{"TemplateInUse", testTemplateInUse},
		{"TemplateDeleteRace", testTemplateDeleteRace},
		{"CreateClusterAtomic", testCreateClusterAtomic},
		{"DeleteClusterCascades", testDeleteClusterCascades},
		{"NodeGroupNames", testNodeGroupNames},
		{"QuotaClusters", testQuotaClusters},
		{"QuotaNodes", testQuotaNodes},
		{"QuotaZero", testQuotaZero},
		{"QuotaUpdate", testQuotaUpdate},
		{"QuotaRace", testQuotaRace},
		{"UpdateClusterGroups", testUpdateClusterGroups},
		{"ClusterGroupsRace", testClusterGroupsRace},
		{"Services", testServices},
		{"ServiceHeartbeatRace", testServiceHeartbeatRace},
		{"Leases", testLeases},
		{"LeaseInvalid", testLeaseInvalid},
		{"LeaseRace", testLeaseRace},
		{"LeaseRenew", testLeaseRenew},
		{"LeaseRenewInvalid", testLeaseRenewInvalid},
		{"LeaseRenewRace", testLeaseRenewRace},
		{"QuotaRecordCRUD", testQuotaRecordCRUD},
		{"QuotaRecordList", testQuotaRecordList},
		{"QuotaRecordRace", testQuotaRecordRace},
		{"QuotaRecordContext", testQuotaRecordContext},
		{"Copies", testCopies},
		{"RoundTrip", testRoundTrip},
		{"TimeNormalisation", testTimeNormalisation},
		{"Cancellation", testCancellation},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			require.NotNil(t, s, "open returned a nil store")
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, newEnv(t, s))
		})
	}
}

// env is one subtest's store and the helpers that fill it.
type env struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
	*counters
}

// counters make names and times unique within a subtest.
type counters struct {
	clock time.Time
	n     int
}

// with returns e for a nested subtest t, sharing the store and counters.
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// zone is deliberately not UTC, so that normalisation shows.
var zone = time.FixedZone("UTC+05:30", 5*3600+30*60)

func newEnv(t *testing.T, s store.Store) *env {
	return &env{
		t:        t,
		s:        s,
		ctx:      t.Context(),
		counters: &counters{clock: time.Date(2026, 1, 2, 3, 4, 5, 0, zone)},
	}
}

// now returns a later time at every call, with sub-microsecond digits the
// stores must drop.
func (e *env) now() time.Time {
	e.clock = e.clock.Add(time.Second + 1234567*time.Nanosecond)
	return e.clock
}

func (e *env) seq() int {
	e.n++
	return e.n
}

func newUUID() string { return uuid.NewString() }

// newTemplate returns an unsaved template of project "p1".
func (e *env) newTemplate(opts ...func(*template.ClusterTemplate)) *template.ClusterTemplate {
	n := e.seq()
	t := &template.ClusterTemplate{
		UUID:      newUUID(),
		Name:      fmt.Sprintf("template-%d", n),
		ProjectID: "p1",
		UserID:    "u1",
		COE:       "kubernetes",
		ImageID:   "fedora-atomic",
		Labels:    labels.Labels{"kube_tag": "v1.30.1"},
		CreatedAt: e.now(),
	}
	for _, o := range opts {
		o(t)
	}
	return t
}

// template stores a new template.
func (e *env) template(opts ...func(*template.ClusterTemplate)) *template.ClusterTemplate {
	e.t.Helper()
	t := e.newTemplate(opts...)
	require.NoError(e.t, e.s.CreateTemplate(e.ctx, t))
	return t
}

// newCluster returns an unsaved cluster of project "p1" built from tmpl,
// with its default master and worker groups.
func (e *env) newCluster(tmpl string, opts ...func(*cluster.Cluster)) (*cluster.Cluster, []*cluster.NodeGroup) {
	n := e.seq()
	c := &cluster.Cluster{
		UUID:              newUUID(),
		Name:              fmt.Sprintf("cluster-%d", n),
		ProjectID:         "p1",
		UserID:            "u1",
		ClusterTemplateID: tmpl,
		NodeCount:         1,
		MasterCount:       1,
		Status:            cluster.CreateInProgress,
		Labels:            labels.Labels{"kube_tag": "v1.30.1"},
		CreatedAt:         e.now(),
	}
	for _, o := range opts {
		o(c)
	}
	groups := []*cluster.NodeGroup{
		e.newGroup(c, func(g *cluster.NodeGroup) {
			g.Name, g.Role, g.IsDefault, g.NodeCount = cluster.DefaultMasterGroup, cluster.RoleMaster, true, c.MasterCount
		}),
		e.newGroup(c, func(g *cluster.NodeGroup) {
			g.Name, g.Role, g.IsDefault, g.NodeCount = cluster.DefaultWorkerGroup, cluster.RoleWorker, true, c.NodeCount
		}),
	}
	return c, groups
}

// cluster stores a new cluster with its default groups.
func (e *env) cluster(tmpl string, opts ...func(*cluster.Cluster)) *cluster.Cluster {
	e.t.Helper()
	c, groups := e.newCluster(tmpl, opts...)
	require.NoError(e.t, e.s.CreateCluster(e.ctx, c, groups))
	return c
}

// newGroup returns an unsaved worker group of c.
func (e *env) newGroup(c *cluster.Cluster, opts ...func(*cluster.NodeGroup)) *cluster.NodeGroup {
	n := e.seq()
	g := &cluster.NodeGroup{
		UUID:      newUUID(),
		Name:      fmt.Sprintf("group-%d", n),
		ClusterID: c.UUID,
		ProjectID: c.ProjectID,
		Role:      cluster.RoleWorker,
		NodeCount: 1,
		Status:    cluster.CreateInProgress,
		CreatedAt: e.now(),
	}
	for _, o := range opts {
		o(g)
	}
	return g
}

// group stores a new worker group of c.
func (e *env) group(c *cluster.Cluster, opts ...func(*cluster.NodeGroup)) *cluster.NodeGroup {
	e.t.Helper()
	g := e.newGroup(c, opts...)
	require.NoError(e.t, e.s.CreateNodeGroup(e.ctx, g))
	return g
}

// normalised returns what a store keeps of a time.
func normalised(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func ptr[T any](v T) *T { return &v }
