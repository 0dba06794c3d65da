package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/store/sqlstore"
	"github.com/gomagnum/magnum/template"
)

// seedStores fills both stores with the same records.
func seedStores(ctx context.Context, stores ...store.Store) ([]string, error) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	id := func(kind, i int) string { return fmt.Sprintf("%08d-0000-4000-8000-%012d", kind, (i*7919)%1000) }
	var ids []string
	for _, s := range stores {
		ids = ids[:0]
		for i := 0; i < 12; i++ {
			upd := base.Add(time.Duration(i%3) * time.Hour)
			t := &template.ClusterTemplate{
				UUID: id(1, i), Name: []string{"k8s", "swarm", "K8s"}[i%3], ProjectID: []string{"pa", "pb", "pc"}[i%3],
				COE: []string{"kubernetes", "swarm"}[i%2], Public: i%2 == 0, Hidden: i%4 == 0,
				CreatedAt: base.Add(time.Duration(i/2) * time.Minute),
			}
			if i%5 != 0 {
				t.UpdatedAt = &upd
			}
			if err := s.CreateTemplate(ctx, t); err != nil {
				return nil, err
			}
			ids = append(ids, t.UUID)
		}
		for i := 0; i < 12; i++ {
			c := &cluster.Cluster{
				UUID: id(2, i), Name: []string{"a", "b", "a", "c"}[i%4], ProjectID: []string{"pa", "pb"}[i%2],
				ClusterTemplateID: id(1, i%3), Status: cluster.Statuses()[i%5], NodeCount: i % 4, MasterCount: 1 + i%2,
				CreatedAt: base.Add(time.Duration(i/3) * time.Minute),
			}
			groups := []*cluster.NodeGroup{
				{UUID: id(3, 2*i), Name: "default-master", Role: "master", IsDefault: true, ProjectID: c.ProjectID, Status: c.Status, CreatedAt: c.CreatedAt},
				{UUID: id(3, 2*i+1), Name: "default-worker", Role: "worker", IsDefault: true, ProjectID: c.ProjectID, NodeCount: i % 3, CreatedAt: c.CreatedAt},
			}
			if err := s.CreateCluster(ctx, c, groups); err != nil {
				return nil, err
			}
			ids = append(ids, c.UUID, groups[0].UUID, groups[1].UUID)
		}
	}
	return ids, nil
}

// FuzzListMatchesMemory feeds arbitrary filters and pages, as a user might
// type them, to the SQL store and to the memory store, the reference: both
// must give the same records or the same kind of error, and nothing a user
// types may reach SQL text.
func FuzzListMatchesMemory(f *testing.F) {
	ctx := context.Background()
	mem := store.NewMemory()
	sqls, err := sqlstore.Open(ctx, ":memory:", sqlstore.Config{})
	require.NoError(f, err)
	f.Cleanup(func() { _ = sqls.Close() })
	ids, err := seedStores(ctx, mem, sqls)
	require.NoError(f, err)

	f.Add("pa", "", true, false, "", "", 0, -1, "")
	f.Add("pb", "k8s", true, true, "name", "desc", 3, 2, "")
	f.Add("", "a", false, false, "updated_at", "asc", 2, 15, "CREATE_COMPLETE,CREATE_FAILED")
	f.Add("pa", "", false, true, "node_count", "desc", 4, 20, "")
	f.Add("pa' OR 1=1 --", "x\"; DROP TABLE clusters", true, false, "name; DROP TABLE clusters", "asc", 1, -1, "")
	f.Add("pc", "", true, false, "coe", "DESC", -1, 0, "CREATE_IN_PROGRESS")
	f.Add("", "", false, false, "uuid", "desc", 5, 30, "")

	f.Fuzz(func(t *testing.T, project, name string, public, hidden bool, key, dir string, limit, markerIdx int, statuses string) {
		marker := ""
		if markerIdx >= 0 && markerIdx < len(ids) {
			marker = ids[markerIdx]
		} else if markerIdx < -1 {
			marker = name // an arbitrary string
		}
		var sts []cluster.Status
		if statuses != "" {
			for _, s := range strings.Split(statuses, ",") {
				sts = append(sts, cluster.Status(s))
			}
		}
		p := store.Page{Marker: marker, Limit: limit, SortKey: key, SortDir: dir}

		tf := store.TemplateFilter{ProjectID: project, IncludePublic: public, IncludeHidden: hidden, Name: name}
		wantT, errM := mem.ListTemplates(ctx, tf, p)
		gotT, errS := sqls.ListTemplates(ctx, tf, p)
		same(t, "templates", uuidsOf(wantT), uuidsOf(gotT), errM, errS)

		cf := store.ClusterFilter{ProjectID: project, Name: name, Statuses: sts}
		wantC, errM := mem.ListClusters(ctx, cf, p)
		gotC, errS := sqls.ListClusters(ctx, cf, p)
		same(t, "clusters", uuidsOf(wantC), uuidsOf(gotC), errM, errS)
		nM, errM := mem.CountClusters(ctx, cf)
		nS, errS := sqls.CountClusters(ctx, cf)
		require.NoError(t, errM)
		require.NoError(t, errS)
		require.Equal(t, nM, nS)

		gf := store.NodeGroupFilter{ProjectID: project, Role: name, IsDefault: &public, Statuses: sts}
		wantG, errM := mem.ListNodeGroups(ctx, gf, p)
		gotG, errS := sqls.ListNodeGroups(ctx, gf, p)
		same(t, "node groups", uuidsOf(wantG), uuidsOf(gotG), errM, errS)

		ft, errM := mem.FindTemplate(ctx, tf, name)
		fs, errS := sqls.FindTemplate(ctx, tf, name)
		if errM == nil && errS == nil {
			require.Equal(t, ft.UUID, fs.UUID)
		} else {
			sameKind(t, "find template", errM, errS)
		}
	})
}

type uuided interface {
	*template.ClusterTemplate | *cluster.Cluster | *cluster.NodeGroup
}

func uuidsOf[T uuided](recs []T) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		switch x := any(r).(type) {
		case *template.ClusterTemplate:
			out = append(out, x.UUID)
		case *cluster.Cluster:
			out = append(out, x.UUID)
		case *cluster.NodeGroup:
			out = append(out, x.UUID)
		}
	}
	return out
}

func same(t *testing.T, what string, want, got []string, errM, errS error) {
	t.Helper()
	sameKind(t, what, errM, errS)
	if errM == nil {
		require.Equal(t, want, got, what)
	}
}

func sameKind(t *testing.T, what string, errM, errS error) {
	t.Helper()
	if errM == nil || errS == nil {
		require.Equal(t, errM == nil, errS == nil, "%s: memory: %v, sql: %v", what, errM, errS)
		return
	}
	for _, kind := range []error{errdefs.ErrInvalid, errdefs.ErrNotFound, errdefs.ErrConflict} {
		require.Equal(t, errors.Is(errM, kind), errors.Is(errS, kind), "%s: memory: %v, sql: %v", what, errM, errS)
	}
}
