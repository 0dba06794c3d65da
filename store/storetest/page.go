package storetest

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// sortSpec states, independently of any store, how records of one kind sort.
type sortSpec[T any] struct {
	keys    []string                    // the contract's sort keys
	compare map[string]func(a, b T) int // by key, without the tie-break
	uuid    func(T) string
	list    func(ctx context.Context, p store.Page) ([]T, error)
}

// compareUpdated orders a nil updated_at before every time.
func compareUpdated(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

func none[T any](a, b T) int { return 0 }

func testPagination(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	names := []string{"beta", "alpha", "gamma", "Alpha"}
	statuses := []cluster.Status{cluster.CreateComplete, cluster.CreateFailed, cluster.UpdateInProgress, cluster.CreateComplete}
	base := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	at := func(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }
	updated := func(i int) *time.Time {
		if i%4 == 0 {
			return nil
		}
		return ptr(at(100 + (i*7)%5))
	}

	const n = 12
	var tmpls []*template.ClusterTemplate
	for i := 0; i < n; i++ {
		tmpls = append(tmpls, e.template(func(x *template.ClusterTemplate) {
			x.Name = names[i%len(names)]
			x.COE = []string{"kubernetes", "swarm", "mesos"}[i%3]
			x.CreatedAt = at(i / 3)
			x.UpdatedAt = updated(i)
		}))
	}
	var clusters []*cluster.Cluster
	var groups []*cluster.NodeGroup
	for i := 0; i < n; i++ {
		c, gs := e.newCluster(tmpls[0].UUID, func(c *cluster.Cluster) {
			c.Name = names[i%len(names)]
			c.ProjectID = []string{"pa", "pb"}[i%2]
			c.Status = statuses[i%len(statuses)]
			c.NodeCount = i % 3
			c.MasterCount = 1 + 2*(i%2)
			c.CreatedAt = at(i / 2)
			c.UpdatedAt = updated(i)
		})
		for j, g := range gs {
			g.NodeCount = (i + j) % 4
			g.CreatedAt = at(i / 3)
			g.UpdatedAt = updated(i + j)
		}
		require.NoError(t, s.CreateCluster(ctx, c, gs))
		clusters = append(clusters, c)
		groups = append(groups, gs...)
		if i%3 == 0 {
			g := e.group(c, func(g *cluster.NodeGroup) {
				g.Name = "gpu"
				g.Role = "infra"
				g.NodeCount = i % 4
				g.CreatedAt = at(i / 3)
				g.UpdatedAt = updated(i + 2)
			})
			groups = append(groups, g)
		}
	}

	t.Run("templates", func(t *testing.T) {
		checkPaging(t, tmpls, sortSpec[*template.ClusterTemplate]{
			keys: store.TemplateSortKeys(),
			compare: map[string]func(a, b *template.ClusterTemplate) int{
				"id":         none[*template.ClusterTemplate],
				"uuid":       func(a, b *template.ClusterTemplate) int { return strings.Compare(a.UUID, b.UUID) },
				"name":       func(a, b *template.ClusterTemplate) int { return strings.Compare(a.Name, b.Name) },
				"coe":        func(a, b *template.ClusterTemplate) int { return strings.Compare(a.COE, b.COE) },
				"created_at": func(a, b *template.ClusterTemplate) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"updated_at": func(a, b *template.ClusterTemplate) int { return compareUpdated(a.UpdatedAt, b.UpdatedAt) },
			},
			uuid: templateUUID,
			list: func(ctx context.Context, p store.Page) ([]*template.ClusterTemplate, error) {
				return s.ListTemplates(ctx, store.TemplateFilter{}, p)
			},
		})
	})
	clusterCompare := map[string]func(a, b *cluster.Cluster) int{
		"id":           none[*cluster.Cluster],
		"uuid":         func(a, b *cluster.Cluster) int { return strings.Compare(a.UUID, b.UUID) },
		"name":         func(a, b *cluster.Cluster) int { return strings.Compare(a.Name, b.Name) },
		"status":       func(a, b *cluster.Cluster) int { return strings.Compare(string(a.Status), string(b.Status)) },
		"node_count":   func(a, b *cluster.Cluster) int { return cmp.Compare(a.NodeCount, b.NodeCount) },
		"master_count": func(a, b *cluster.Cluster) int { return cmp.Compare(a.MasterCount, b.MasterCount) },
		"created_at":   func(a, b *cluster.Cluster) int { return a.CreatedAt.Compare(b.CreatedAt) },
		"updated_at":   func(a, b *cluster.Cluster) int { return compareUpdated(a.UpdatedAt, b.UpdatedAt) },
	}
	t.Run("clusters", func(t *testing.T) {
		checkPaging(t, clusters, sortSpec[*cluster.Cluster]{
			keys: store.ClusterSortKeys(), compare: clusterCompare, uuid: clusterUUID,
			list: func(ctx context.Context, p store.Page) ([]*cluster.Cluster, error) {
				return s.ListClusters(ctx, store.ClusterFilter{}, p)
			},
		})
	})
	t.Run("clusters of one project", func(t *testing.T) {
		mine := slices.DeleteFunc(slices.Clone(clusters), func(c *cluster.Cluster) bool { return c.ProjectID != "pb" })
		checkPaging(t, mine, sortSpec[*cluster.Cluster]{
			keys: store.ClusterSortKeys(), compare: clusterCompare, uuid: clusterUUID,
			list: func(ctx context.Context, p store.Page) ([]*cluster.Cluster, error) {
				return s.ListClusters(ctx, store.ClusterFilter{ProjectID: "pb"}, p)
			},
		})
	})
	t.Run("nodegroups", func(t *testing.T) {
		checkPaging(t, groups, sortSpec[*cluster.NodeGroup]{
			keys: store.NodeGroupSortKeys(),
			compare: map[string]func(a, b *cluster.NodeGroup) int{
				"id":         none[*cluster.NodeGroup],
				"uuid":       func(a, b *cluster.NodeGroup) int { return strings.Compare(a.UUID, b.UUID) },
				"name":       func(a, b *cluster.NodeGroup) int { return strings.Compare(a.Name, b.Name) },
				"role":       func(a, b *cluster.NodeGroup) int { return strings.Compare(a.Role, b.Role) },
				"node_count": func(a, b *cluster.NodeGroup) int { return cmp.Compare(a.NodeCount, b.NodeCount) },
				"created_at": func(a, b *cluster.NodeGroup) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"updated_at": func(a, b *cluster.NodeGroup) int { return compareUpdated(a.UpdatedAt, b.UpdatedAt) },
			},
			uuid: groupUUID,
			list: func(ctx context.Context, p store.Page) ([]*cluster.NodeGroup, error) {
				return s.ListNodeGroups(ctx, store.NodeGroupFilter{}, p)
			},
		})
	})
}

// checkPaging lists recs (given in creation order) by every sort key in both
// directions, whole and in pages of several sizes, and compares with the
// order spec states: the key, then creation order, all in one direction.
func checkPaging[T any](t *testing.T, recs []T, spec sortSpec[T]) {
	ctx := t.Context()
	require.NotEmpty(t, recs)
	for _, key := range spec.keys {
		compare, ok := spec.compare[key]
		require.Truef(t, ok, "storetest has no ordering for sort key %q: teach it", key)
		for _, dir := range []string{store.Asc, store.Desc} {
			t.Run(key+"/"+dir, func(t *testing.T) {
				idx := make([]int, len(recs))
				for i := range idx {
					idx[i] = i
				}
				slices.SortStableFunc(idx, func(a, b int) int { return compare(recs[a], recs[b]) })
				if dir == store.Desc {
					slices.Reverse(idx)
				}
				want := make([]string, len(idx))
				for i, j := range idx {
					want[i] = spec.uuid(recs[j])
				}

				whole, err := spec.list(ctx, store.Page{SortKey: key, SortDir: dir})
				require.NoError(t, err)
				require.Equal(t, want, uuids(whole, spec.uuid), "the whole list")
				assert.Equal(t, recs[idx[0]], whole[0], "listed records are whole")

				for _, limit := range []int{1, 3, 5, len(recs), len(recs) + 10} {
					var got []string
					marker := ""
					for pages := 0; ; pages++ {
						require.LessOrEqual(t, pages, len(recs)+1, "paging does not end")
						page, err := spec.list(ctx, store.Page{Marker: marker, Limit: limit, SortKey: key, SortDir: dir})
						require.NoError(t, err)
						require.LessOrEqual(t, len(page), limit)
						if len(page) == 0 {
							break
						}
						got = append(got, uuids(page, spec.uuid)...)
						marker = spec.uuid(page[len(page)-1])
					}
					assert.Equal(t, want, got, "pages of %d", limit)
				}

				last, err := spec.list(ctx, store.Page{Marker: want[len(want)-1], SortKey: key, SortDir: dir})
				require.NoError(t, err)
				assert.Empty(t, last, "nothing after the last record")
				mid := len(want) / 2
				rest, err := spec.list(ctx, store.Page{Marker: want[mid], Limit: 2, SortKey: key, SortDir: dir})
				require.NoError(t, err)
				assert.Equal(t, want[mid+1:mid+3], uuids(rest, spec.uuid), "a page from the middle")
			})
		}
	}

	t.Run("defaults", func(t *testing.T) {
		def, err := spec.list(ctx, store.Page{})
		require.NoError(t, err)
		byID, err := spec.list(ctx, store.Page{SortKey: "id", SortDir: store.Asc})
		require.NoError(t, err)
		assert.Equal(t, uuids(byID, spec.uuid), uuids(def, spec.uuid), "the zero Page is creation order, ascending")
		onlyKey, err := spec.list(ctx, store.Page{SortKey: "name"})
		require.NoError(t, err)
		asc, err := spec.list(ctx, store.Page{SortKey: "name", SortDir: store.Asc})
		require.NoError(t, err)
		assert.Equal(t, uuids(asc, spec.uuid), uuids(onlyKey, spec.uuid), "the default direction is ascending")
	})
}

func testPageErrors(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	tm := e.template(func(x *template.ClusterTemplate) { x.ProjectID = "pa" })
	other := e.template(func(x *template.ClusterTemplate) { x.ProjectID = "pb" })
	c := e.cluster(tm.UUID, func(c *cluster.Cluster) { c.ProjectID = "pa" })
	cb := e.cluster(tm.UUID, func(c *cluster.Cluster) { c.ProjectID = "pb" })
	g := e.group(c)

	lists := map[string]func(p store.Page) error{
		"templates": func(p store.Page) error {
			_, err := s.ListTemplates(ctx, store.TemplateFilter{ProjectID: "pa"}, p)
			return err
		},
		"clusters": func(p store.Page) error {
			_, err := s.ListClusters(ctx, store.ClusterFilter{ProjectID: "pa"}, p)
			return err
		},
		"nodegroups": func(p store.Page) error {
			_, err := s.ListNodeGroups(ctx, store.NodeGroupFilter{ClusterID: c.UUID}, p)
			return err
		},
	}
	// markerOK and markerHidden: a marker the filter selects, and one it does not.
	markers := map[string][2]string{
		"templates":  {tm.UUID, other.UUID},
		"clusters":   {c.UUID, cb.UUID},
		"nodegroups": {g.UUID, e.group(cb).UUID},
	}
	foreignKey := map[string]string{"templates": "status", "clusters": "coe", "nodegroups": "master_count"}
	foreignMarker := map[string]string{"templates": c.UUID, "clusters": tm.UUID, "nodegroups": c.UUID}

	for name, list := range lists {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, list(store.Page{Marker: markers[name][0], Limit: 1}))
			bad := []struct {
				why string
				p   store.Page
			}{
				{"unknown sort key", store.Page{SortKey: "nope"}},
				{"another kind's sort key", store.Page{SortKey: foreignKey[name]}},
				{"a column that is no sort key", store.Page{SortKey: "project_id"}},
				{"bad direction", store.Page{SortDir: "up"}},
				{"bad direction, upper case", store.Page{SortKey: "name", SortDir: "DESCENDING"}},
				{"negative limit", store.Page{Limit: -1}},
				{"unknown marker", store.Page{Marker: newUUID()}},
				{"marker of another kind", store.Page{Marker: foreignMarker[name]}},
				{"marker outside the filter", store.Page{Marker: markers[name][1]}},
				{"SQL in the sort key", store.Page{SortKey: "name; DROP TABLE clusters"}},
			}
			for _, b := range bad {
				err := list(b.p)
				assert.ErrorIsf(t, err, errdefs.ErrInvalid, "%s: %+v", b.why, b.p)
			}
		})
	}
	// Nothing was harmed.
	_, err := s.GetCluster(ctx, c.UUID)
	require.NoError(t, err)
}
