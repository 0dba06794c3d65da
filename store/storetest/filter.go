package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

func uuids[T any](recs []T, id func(T) string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = id(r)
	}
	return out
}

func templateUUID(t *template.ClusterTemplate) string { return t.UUID }
func clusterUUID(c *cluster.Cluster) string           { return c.UUID }
func groupUUID(g *cluster.NodeGroup) string           { return g.UUID }

// ids lists the UUIDs of named records in the order given.
func ids(byName map[string]string, names ...string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, byName[n])
	}
	return out
}

func testTemplateVisibility(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	byName := map[string]string{}
	mk := func(name, project string, public, hidden bool, coe string) {
		tm := e.template(func(x *template.ClusterTemplate) {
			x.Name, x.ProjectID, x.Public, x.Hidden, x.COE = name, project, public, hidden, coe
		})
		byName[name] = tm.UUID
	}
	mk("a-private", "pa", false, false, "kubernetes")
	mk("a-public", "pa", true, false, "swarm")
	mk("a-public-hidden", "pa", true, true, "kubernetes")
	mk("a-private-hidden", "pa", false, true, "mesos")
	mk("b-private", "pb", false, false, "kubernetes")
	mk("b-public", "pb", true, false, "kubernetes")
	mk("b-public-hidden", "pb", true, true, "swarm")
	mk("c-public", "pc", true, false, "swarm")

	own := []string{"a-private", "a-public", "a-public-hidden", "a-private-hidden"}
	all := append(append([]string{}, own...), "b-private", "b-public", "b-public-hidden", "c-public")
	cases := []struct {
		name string
		f    store.TemplateFilter
		want []string
	}{
		{"own only", store.TemplateFilter{ProjectID: "pa"}, own},
		{"own and public", store.TemplateFilter{ProjectID: "pa", IncludePublic: true},
			append(append([]string{}, own...), "b-public", "c-public")},
		{"own, public and hidden (admin)", store.TemplateFilter{ProjectID: "pa", IncludePublic: true, IncludeHidden: true},
			append(append([]string{}, own...), "b-public", "b-public-hidden", "c-public")},
		{"hidden without public adds nothing", store.TemplateFilter{ProjectID: "pa", IncludeHidden: true}, own},
		{"another project", store.TemplateFilter{ProjectID: "pb", IncludePublic: true},
			[]string{"a-public", "b-private", "b-public", "b-public-hidden", "c-public"}},
		{"a project with none of its own", store.TemplateFilter{ProjectID: "pz", IncludePublic: true},
			[]string{"a-public", "b-public", "c-public"}},
		{"every project", store.TemplateFilter{}, all},
		{"every project, public flag moot", store.TemplateFilter{IncludePublic: true}, all},
		{"by name", store.TemplateFilter{Name: "b-public"}, []string{"b-public"}},
		{"by name, not visible", store.TemplateFilter{ProjectID: "pa", IncludePublic: true, Name: "b-public-hidden"}, nil},
		{"by COE", store.TemplateFilter{COE: "swarm"}, []string{"a-public", "b-public-hidden", "c-public"}},
		{"by COE, visible", store.TemplateFilter{ProjectID: "pa", IncludePublic: true, COE: "swarm"}, []string{"a-public", "c-public"}},
		{"by COE, none", store.TemplateFilter{COE: "dcos"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			list, err := s.ListTemplates(ctx, tc.f, store.Page{})
			require.NoError(t, err)
			assert.Equal(t, ids(byName, tc.want...), uuids(list, templateUUID))
		})
	}
}

func testClusterFilters(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	t1, t2 := e.template(), e.template()
	byName := map[string]string{}
	mk := func(name, project, tmpl string, st cluster.Status) {
		c := e.cluster(tmpl, func(c *cluster.Cluster) { c.Name, c.ProjectID, c.Status = name, project, st })
		byName[name] = c.UUID
	}
	mk("a1", "pa", t1.UUID, cluster.CreateComplete)
	mk("a2", "pa", t2.UUID, cluster.CreateInProgress)
	mk("a3", "pa", t1.UUID, cluster.UpdateFailed)
	mk("b1", "pb", t1.UUID, cluster.CreateComplete)
	mk("b2", "pb", t2.UUID, cluster.DeleteInProgress)
	mk("dup", "pb", t2.UUID, cluster.CreateComplete)
	mk("dup", "pa", t2.UUID, cluster.CreateComplete)
	dupB, dupA := "", byName["dup"]
	{
		list, err := s.ListClusters(ctx, store.ClusterFilter{Name: "dup", ProjectID: "pb"}, store.Page{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		dupB = list[0].UUID
	}
	byName["dupA"], byName["dupB"] = dupA, dupB

	cases := []struct {
		name string
		f    store.ClusterFilter
		want []string
	}{
		{"all", store.ClusterFilter{}, []string{"a1", "a2", "a3", "b1", "b2", "dupB", "dupA"}},
		{"project", store.ClusterFilter{ProjectID: "pa"}, []string{"a1", "a2", "a3", "dupA"}},
		{"template", store.ClusterFilter{TemplateID: t1.UUID}, []string{"a1", "a3", "b1"}},
		{"project and template", store.ClusterFilter{ProjectID: "pb", TemplateID: t2.UUID}, []string{"b2", "dupB"}},
		{"one status", store.ClusterFilter{Statuses: []cluster.Status{cluster.CreateComplete}}, []string{"a1", "b1", "dupB", "dupA"}},
		{"several statuses", store.ClusterFilter{Statuses: []cluster.Status{cluster.CreateInProgress, cluster.DeleteInProgress, cluster.UpdateFailed}},
			[]string{"a2", "a3", "b2"}},
		{"status and project", store.ClusterFilter{ProjectID: "pa", Statuses: []cluster.Status{cluster.CreateComplete}}, []string{"a1", "dupA"}},
		{"name", store.ClusterFilter{Name: "dup"}, []string{"dupB", "dupA"}},
		{"no match", store.ClusterFilter{ProjectID: "pz"}, nil},
		{"unknown template", store.ClusterFilter{TemplateID: newUUID()}, nil},
		{"status nobody has", store.ClusterFilter{Statuses: []cluster.Status{cluster.RollbackFailed}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			list, err := s.ListClusters(ctx, tc.f, store.Page{})
			require.NoError(t, err)
			assert.Equal(t, ids(byName, tc.want...), uuids(list, clusterUUID))
			n, err := s.CountClusters(ctx, tc.f)
			require.NoError(t, err)
			assert.Equal(t, len(tc.want), n, "CountClusters agrees with ListClusters")
		})
	}
}

func testNodeGroupFilters(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	a := e.cluster(tm.UUID, func(c *cluster.Cluster) { c.ProjectID = "pa" })
	b := e.cluster(tm.UUID, func(c *cluster.Cluster) { c.ProjectID = "pb" })
	byName := map[string]string{}
	defaults := func(c *cluster.Cluster, prefix string) {
		list, err := s.ListNodeGroups(ctx, store.NodeGroupFilter{ClusterID: c.UUID}, store.Page{})
		require.NoError(t, err)
		require.Len(t, list, 2)
		byName[prefix+"-master"], byName[prefix+"-worker"] = list[0].UUID, list[1].UUID
		require.Equal(t, cluster.DefaultMasterGroup, list[0].Name)
	}
	defaults(a, "a")
	defaults(b, "b")
	byName["a-gpu"] = e.group(a, func(g *cluster.NodeGroup) { g.Status = cluster.CreateComplete }).UUID
	byName["a-infra"] = e.group(a, func(g *cluster.NodeGroup) { g.Role = "infra"; g.Status = cluster.UpdateFailed }).UUID
	byName["b-gpu"] = e.group(b, func(g *cluster.NodeGroup) { g.Status = cluster.CreateComplete }).UUID

	cases := []struct {
		name string
		f    store.NodeGroupFilter
		want []string
	}{
		{"all", store.NodeGroupFilter{}, []string{"a-master", "a-worker", "b-master", "b-worker", "a-gpu", "a-infra", "b-gpu"}},
		{"cluster", store.NodeGroupFilter{ClusterID: a.UUID}, []string{"a-master", "a-worker", "a-gpu", "a-infra"}},
		{"project", store.NodeGroupFilter{ProjectID: "pb"}, []string{"b-master", "b-worker", "b-gpu"}},
		{"role", store.NodeGroupFilter{Role: cluster.RoleMaster}, []string{"a-master", "b-master"}},
		{"role in cluster", store.NodeGroupFilter{ClusterID: a.UUID, Role: cluster.RoleWorker}, []string{"a-worker", "a-gpu"}},
		{"default", store.NodeGroupFilter{IsDefault: ptr(true)}, []string{"a-master", "a-worker", "b-master", "b-worker"}},
		{"not default", store.NodeGroupFilter{IsDefault: ptr(false)}, []string{"a-gpu", "a-infra", "b-gpu"}},
		{"not default in cluster", store.NodeGroupFilter{ClusterID: b.UUID, IsDefault: ptr(false)}, []string{"b-gpu"}},
		{"statuses", store.NodeGroupFilter{Statuses: []cluster.Status{cluster.CreateComplete, cluster.UpdateFailed}}, []string{"a-gpu", "a-infra", "b-gpu"}},
		{"status and project", store.NodeGroupFilter{ProjectID: "pa", Statuses: []cluster.Status{cluster.CreateComplete}}, []string{"a-gpu"}},
		{"unknown cluster", store.NodeGroupFilter{ClusterID: newUUID()}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			list, err := s.ListNodeGroups(ctx, tc.f, store.Page{})
			require.NoError(t, err)
			assert.Equal(t, ids(byName, tc.want...), uuids(list, groupUUID))
		})
	}
}
