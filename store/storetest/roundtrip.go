package storetest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// build makes a record of type T the filler fills from seed; seed 0 leaves
// it zero. Two calls with the same arguments give equal records.
func build[T any](t *testing.T, seed int, empty bool) *T {
	t.Helper()
	rec := new(T)
	if seed == 0 {
		return rec
	}
	f := &filler{seed: seed, empty: empty}
	require.NoError(t, f.fill(reflect.ValueOf(rec).Elem(), reflect.TypeFor[T]().Name()))
	return rec
}

// expect is what a store keeps of rec: its times normalised.
func expect[T any](rec *T) *T {
	normaliseTimes(reflect.ValueOf(rec).Elem())
	return rec
}

// samePersisted fails with the names of the fields that did not survive.
func samePersisted(t *testing.T, want, got any, what string) {
	t.Helper()
	if d := fieldDiff(want, got); len(d) > 0 {
		t.Errorf("%s: fields not persisted exactly (a new field the store does not save?):\n  %s", what, strings.Join(d, "\n  "))
	}
}

// testRoundTrip stores records with every field set (and, separately, with
// empty and zero values) and expects to read back exactly what went in, times
// normalised. Because the records are filled by reflection, a field added to
// a model and forgotten by a store fails here.
func testRoundTrip(t *testing.T, e *env) {
	variants := []struct {
		name  string
		seed  int
		empty bool
	}{
		{"every field set", 1, false},
		{"empty maps and slices", 1, true},
		{"zero values", 0, false},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			e := e.with(t)
			t.Run("template", func(t *testing.T) { roundTripTemplate(t, e.with(t), v.seed, v.empty) })
			t.Run("cluster", func(t *testing.T) { roundTripCluster(t, e.with(t), v.seed, v.empty) })
			t.Run("nodegroup", func(t *testing.T) { roundTripNodeGroup(t, e.with(t), v.seed, v.empty) })
		})
	}
}

// pick returns the record of UUID id from a list, which must hold it once.
func pick[T any](t *testing.T, list []T, uuid func(T) string, id string) T {
	t.Helper()
	var hit []T
	for _, r := range list {
		if uuid(r) == id {
			hit = append(hit, r)
		}
	}
	require.Len(t, hit, 1, "the list holds the record once")
	return hit[0]
}

func next(seed int) int {
	if seed == 0 {
		return 0
	}
	return seed + 1000
}

func roundTripTemplate(t *testing.T, e *env, seed int, empty bool) {
	ctx, s := e.ctx, e.s
	id := newUUID()
	mk := func(seed int) *template.ClusterTemplate {
		r := build[template.ClusterTemplate](t, seed, empty)
		r.UUID = id
		return r
	}
	in := mk(seed)
	require.NoError(t, s.CreateTemplate(ctx, in))
	want := expect(mk(seed))
	want.Revision = 1
	samePersisted(t, want, in, "the record passed to Create")

	got, err := s.GetTemplate(ctx, id)
	require.NoError(t, err)
	samePersisted(t, want, got, "Get after Create")
	got, err = s.FindTemplate(ctx, store.TemplateFilter{}, id)
	require.NoError(t, err)
	samePersisted(t, want, got, "Find")
	list, err := s.ListTemplates(ctx, store.TemplateFilter{ProjectID: want.ProjectID}, store.Page{})
	require.NoError(t, err)
	samePersisted(t, want, pick(t, list, templateUUID, id), "List")

	up := mk(next(seed))
	up.Revision = 1
	require.NoError(t, s.UpdateTemplate(ctx, up))
	want = expect(mk(next(seed)))
	want.Revision = 2
	samePersisted(t, want, up, "the record passed to Update")
	got, err = s.GetTemplate(ctx, id)
	require.NoError(t, err)
	samePersisted(t, want, got, "Get after Update")
	assert.Equal(t, want, got)
}

func roundTripCluster(t *testing.T, e *env, seed int, empty bool) {
	ctx, s := e.ctx, e.s
	tm := e.template()
	id, gid := newUUID(), newUUID()
	mk := func(seed int) *cluster.Cluster {
		r := build[cluster.Cluster](t, seed, empty)
		r.UUID, r.ClusterTemplateID = id, tm.UUID
		return r
	}
	mkGroup := func(seed int) *cluster.NodeGroup {
		r := build[cluster.NodeGroup](t, seed, empty)
		r.UUID, r.ClusterID = gid, id
		return r
	}
	in, ing := mk(seed), mkGroup(seed+500)
	require.NoError(t, s.CreateCluster(ctx, in, []*cluster.NodeGroup{ing}))
	want, wantg := expect(mk(seed)), expect(mkGroup(seed+500))
	want.Revision, wantg.Revision = 1, 1
	samePersisted(t, want, in, "the cluster passed to Create")
	samePersisted(t, wantg, ing, "the group passed to CreateCluster")

	got, err := s.GetCluster(ctx, id)
	require.NoError(t, err)
	samePersisted(t, want, got, "Get after Create")
	got, err = s.FindCluster(ctx, store.ClusterFilter{}, id)
	require.NoError(t, err)
	samePersisted(t, want, got, "Find")
	list, err := s.ListClusters(ctx, store.ClusterFilter{TemplateID: tm.UUID, ProjectID: want.ProjectID}, store.Page{})
	require.NoError(t, err)
	samePersisted(t, want, pick(t, list, clusterUUID, id), "List")
	g, err := s.GetNodeGroup(ctx, gid)
	require.NoError(t, err)
	samePersisted(t, wantg, g, "a group stored by CreateCluster")

	up := mk(next(seed))
	up.Revision = 1
	require.NoError(t, s.UpdateCluster(ctx, up))
	want = expect(mk(next(seed)))
	want.Revision = 2
	samePersisted(t, want, up, "the record passed to Update")
	got, err = s.GetCluster(ctx, id)
	require.NoError(t, err)
	samePersisted(t, want, got, "Get after Update")
	assert.Equal(t, want, got)
}

func roundTripNodeGroup(t *testing.T, e *env, seed int, empty bool) {
	ctx, s := e.ctx, e.s
	c := e.cluster(e.template().UUID)
	id := newUUID()
	mk := func(seed int) *cluster.NodeGroup {
		r := build[cluster.NodeGroup](t, seed, empty)
		r.UUID, r.ClusterID = id, c.UUID
		return r
	}
	in := mk(seed)
	require.NoError(t, s.CreateNodeGroup(ctx, in))
	want := expect(mk(seed))
	want.Revision = 1
	samePersisted(t, want, in, "the record passed to Create")

	got, err := s.GetNodeGroup(ctx, id)
	require.NoError(t, err)
	samePersisted(t, want, got, "Get after Create")
	got, err = s.FindNodeGroup(ctx, c.UUID, id)
	require.NoError(t, err)
	samePersisted(t, want, got, "Find")
	isDefault := want.IsDefault
	list, err := s.ListNodeGroups(ctx, store.NodeGroupFilter{ClusterID: c.UUID, IsDefault: &isDefault, Role: want.Role}, store.Page{SortKey: "name"})
	require.NoError(t, err)
	samePersisted(t, want, pick(t, list, groupUUID, id), "List")

	up := mk(next(seed))
	up.Revision = 1
	require.NoError(t, s.UpdateNodeGroup(ctx, up))
	want = expect(mk(next(seed)))
	want.Revision = 2
	samePersisted(t, want, up, "the record passed to Update")
	got, err = s.GetNodeGroup(ctx, id)
	require.NoError(t, err)
	samePersisted(t, want, got, "Get after Update")
	assert.Equal(t, want, got)
}

// testTimeNormalisation shows the documented form of times: UTC,
// microseconds, no monotonic reading, the same from every method.
func testTimeNormalisation(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	now := time.Now() // carries a monotonic reading and nanoseconds
	local := now.In(zone)
	tm := e.newTemplate(func(x *template.ClusterTemplate) { x.CreatedAt = now; x.UpdatedAt = &local })
	require.NoError(t, s.CreateTemplate(ctx, tm))
	want := normalised(now)
	assert.Equal(t, want, tm.CreatedAt, "Create writes the normalised time back")
	assert.Equal(t, time.UTC, tm.CreatedAt.Location())
	assert.Equal(t, &want, tm.UpdatedAt)
	assert.Equal(t, zone, local.Location(), "the time UpdatedAt pointed to is not rewritten in place")
	assert.Equal(t, now.Nanosecond(), local.Nanosecond())

	got, err := s.GetTemplate(ctx, tm.UUID)
	require.NoError(t, err)
	assert.Equal(t, want, got.CreatedAt)
	assert.True(t, got.CreatedAt.Equal(now.Truncate(time.Microsecond)))
	assert.Zero(t, got.CreatedAt.Nanosecond()%1000, "microsecond precision")
	assert.Equal(t, &want, got.UpdatedAt)

	c := e.cluster(tm.UUID)
	c.UpdatedAt = &now
	require.NoError(t, s.UpdateCluster(ctx, c))
	assert.Equal(t, &want, c.UpdatedAt, "Update writes the normalised time back")
	gotc, err := s.GetCluster(ctx, c.UUID)
	require.NoError(t, err)
	assert.Equal(t, &want, gotc.UpdatedAt)

	// Normalisation keeps the order of times a microsecond or more apart.
	early := e.template(func(x *template.ClusterTemplate) { x.CreatedAt = now.Add(-time.Microsecond) })
	list, err := s.ListTemplates(ctx, store.TemplateFilter{}, store.Page{SortKey: "created_at"})
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, early.UUID, list[0].UUID)
}
