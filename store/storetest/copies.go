package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// testCopies shows the store shares nothing with its callers: neither the
// records passed in nor those handed out. Every map, slice and pointer of a
// fully filled record is changed in place and the store must not notice.
func testCopies(t *testing.T, e *env) {
	t.Run("template", func(t *testing.T) {
		e := e.with(t)
		checkCopies(t, e, func(seed int) *template.ClusterTemplate {
			r := build[template.ClusterTemplate](t, seed, false)
			r.UUID = "t-copies"
			return r
		}, copyOps[*template.ClusterTemplate]{
			create: e.s.CreateTemplate,
			update: e.s.UpdateTemplate,
			reads: map[string]func(ctx context.Context, id string) (*template.ClusterTemplate, error){
				"Get": e.s.GetTemplate,
				"Find": func(ctx context.Context, id string) (*template.ClusterTemplate, error) {
					return e.s.FindTemplate(ctx, store.TemplateFilter{}, id)
				},
				"List": func(ctx context.Context, id string) (*template.ClusterTemplate, error) {
					l, err := e.s.ListTemplates(ctx, store.TemplateFilter{}, store.Page{})
					return only(l, err)
				},
			},
		})
	})
	t.Run("cluster", func(t *testing.T) {
		e := e.with(t)
		tm := e.template()
		checkCopies(t, e, func(seed int) *cluster.Cluster {
			r := build[cluster.Cluster](t, seed, false)
			r.UUID, r.ClusterTemplateID = "c-copies", tm.UUID
			return r
		}, copyOps[*cluster.Cluster]{
			create: func(ctx context.Context, c *cluster.Cluster) error { return e.s.CreateCluster(ctx, c, nil) },
			update: e.s.UpdateCluster,
			reads: map[string]func(ctx context.Context, id string) (*cluster.Cluster, error){
				"Get": e.s.GetCluster,
				"Find": func(ctx context.Context, id string) (*cluster.Cluster, error) {
					return e.s.FindCluster(ctx, store.ClusterFilter{}, id)
				},
				"List": func(ctx context.Context, id string) (*cluster.Cluster, error) {
					l, err := e.s.ListClusters(ctx, store.ClusterFilter{}, store.Page{})
					return only(l, err)
				},
			},
		})
	})
	t.Run("nodegroup", func(t *testing.T) {
		e := e.with(t)
		c := e.cluster(e.template().UUID)
		checkCopies(t, e, func(seed int) *cluster.NodeGroup {
			r := build[cluster.NodeGroup](t, seed, false)
			r.UUID, r.ClusterID = "g-copies", c.UUID
			return r
		}, copyOps[*cluster.NodeGroup]{
			create: e.s.CreateNodeGroup,
			update: e.s.UpdateNodeGroup,
			reads: map[string]func(ctx context.Context, id string) (*cluster.NodeGroup, error){
				"Get": e.s.GetNodeGroup,
				"Find": func(ctx context.Context, id string) (*cluster.NodeGroup, error) {
					return e.s.FindNodeGroup(ctx, c.UUID, id)
				},
				"List": func(ctx context.Context, id string) (*cluster.NodeGroup, error) {
					l, err := e.s.ListNodeGroups(ctx, store.NodeGroupFilter{ClusterID: c.UUID}, store.Page{})
					l = slices.DeleteFunc(l, func(g *cluster.NodeGroup) bool { return g.UUID != id })
					return only(l, err)
				},
			},
		})
	})
}

func only[T any](l []T, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if len(l) != 1 {
		return zero, assert.AnError
	}
	return l[0], nil
}

type copyOps[T any] struct {
	create func(context.Context, T) error
	update func(context.Context, T) error
	reads  map[string]func(ctx context.Context, id string) (T, error)
}

func checkCopies[T any](t *testing.T, e *env, mk func(seed int) *T, o copyOps[*T]) {
	ctx := e.ctx
	in := mk(1)
	require.NoError(t, o.create(ctx, in))
	want := expect(mk(1))
	reflect.ValueOf(want).Elem().FieldByName("Revision").SetInt(1)
	id := reflect.ValueOf(want).Elem().FieldByName("UUID").String()

	mutate(reflect.ValueOf(in).Elem())
	for name, read := range o.reads {
		got, err := read(ctx, id)
		require.NoError(t, err, name)
		samePersisted(t, want, got, "after changing the record passed to Create, "+name)
		mutate(reflect.ValueOf(got).Elem())
		again, err := read(ctx, id)
		require.NoError(t, err, name)
		samePersisted(t, want, again, "after changing the record "+name+" returned")
	}

	up := mk(2)
	reflect.ValueOf(up).Elem().FieldByName("Revision").SetInt(1)
	require.NoError(t, o.update(ctx, up))
	want = expect(mk(2))
	reflect.ValueOf(want).Elem().FieldByName("Revision").SetInt(2)
	mutate(reflect.ValueOf(up).Elem())
	got, err := o.reads["Get"](ctx, id)
	require.NoError(t, err)
	samePersisted(t, want, got, "after changing the record passed to Update")
}
