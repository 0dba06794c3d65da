package magnum_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
)

// newQuotaManager is a Manager on a new in-memory store with a fixed clock.
func newQuotaManager(t *testing.T, cfg magnum.Config) *magnum.Manager {
	t.Helper()
	if cfg.Clock == nil {
		at := time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.UTC)
		cfg.Clock = func() time.Time { return at }
	}
	m, err := magnum.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, m.Close()) })
	return m
}

func TestQuotaCRUD(t *testing.T) {
	m := newQuotaManager(t, magnum.Config{})
	ctx := as(admin)

	q, err := m.CreateQuota(ctx, "p-alice", store.ResourceCluster, 3)
	require.NoError(t, err)
	assert.Positive(t, q.ID)
	assert.Equal(t, "p-alice", q.ProjectID)
	assert.Equal(t, store.ResourceCluster, q.Resource)
	assert.Equal(t, 3, q.HardLimit)
	assert.Equal(t, time.Date(2026, 3, 4, 5, 6, 7, 891234000, time.UTC), q.CreatedAt)
	assert.Nil(t, q.UpdatedAt)

	_, err = m.CreateQuota(ctx, "p-alice", store.ResourceCluster, 4)
	assert.ErrorIs(t, err, errdefs.ErrConflict, "one quota per project and resource")
	n, err := m.CreateQuota(ctx, "p-alice", store.ResourceNode, 12)
	require.NoError(t, err)

	got, err := m.GetQuota(ctx, "p-alice", store.ResourceCluster)
	require.NoError(t, err)
	assert.Equal(t, q, got)
	got, err = m.GetQuota(as(alice), "p-alice", store.ResourceNode)
	require.NoError(t, err, "the project's members read its quotas")
	assert.Equal(t, n, got)

	up, err := m.UpdateQuota(ctx, "p-alice", store.ResourceCluster, 8)
	require.NoError(t, err)
	assert.Equal(t, q.ID, up.ID)
	assert.Equal(t, 8, up.HardLimit)
	require.NotNil(t, up.UpdatedAt)
	assert.Equal(t, q.CreatedAt, up.CreatedAt)
	_, err = m.UpdateQuota(ctx, "p-bob", store.ResourceCluster, 8)
	assert.ErrorIs(t, err, errdefs.ErrNotFound, "update does not create")

	require.NoError(t, m.DeleteQuota(ctx, "p-alice", store.ResourceCluster))
	assert.ErrorIs(t, m.DeleteQuota(ctx, "p-alice", store.ResourceCluster), errdefs.ErrNotFound)
	got, err = m.GetQuota(ctx, "p-alice", store.ResourceCluster)
	require.NoError(t, err)
	assert.Equal(t, &store.QuotaRecord{ProjectID: "p-alice", Resource: store.ResourceCluster, HardLimit: magnum.DefaultClustersPerProject},
		got, "a deleted quota falls back to the default")
}

func TestQuotaSyntheticDefault(t *testing.T) {
	for _, tc := range []struct {
		name         string
		quota        *store.Quota
		cluster, nod int
	}{
		{"Magnum's default", nil, magnum.DefaultClustersPerProject, magnum.UnlimitedQuota},
		{"configured", &store.Quota{Clusters: store.AtMost(7), Nodes: store.AtMost(30)}, 7, 30},
		{"unlimited", &store.Quota{}, magnum.UnlimitedQuota, magnum.UnlimitedQuota},
		{"negative is unlimited", &store.Quota{Clusters: store.AtMost(-1), Nodes: store.AtMost(-5)}, magnum.UnlimitedQuota, magnum.UnlimitedQuota},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newQuotaManager(t, magnum.Config{Quota: tc.quota})
			for res, want := range map[string]int{store.ResourceCluster: tc.cluster, store.ResourceNode: tc.nod} {
				q, err := m.GetQuota(as(alice), "p-alice", res)
				require.NoError(t, err)
				assert.Equal(t, &store.QuotaRecord{ProjectID: "p-alice", Resource: res, HardLimit: want}, q, res)
			}
			list, err := m.ListQuotas(as(admin), true, magnum.ListOptions{})
			require.NoError(t, err)
			assert.Empty(t, list, "a synthetic quota is not stored")
		})
	}
}

func TestQuotaPolicy(t *testing.T) {
	m := newQuotaManager(t, magnum.Config{})
	_, err := m.CreateQuota(as(admin), "p-bob", store.ResourceCluster, 2)
	require.NoError(t, err)
	noProject := policy.Caller{UserID: "carol"}

	for _, tc := range []struct {
		name string
		ctx  context.Context
		call func(ctx context.Context) error
		want error // nil: allowed
	}{
		{"member creates", as(alice), func(ctx context.Context) error {
			_, err := m.CreateQuota(ctx, "p-alice", store.ResourceCluster, 100)
			return err
		}, errdefs.ErrForbidden},
		{"member updates own", as(bob), func(ctx context.Context) error {
			_, err := m.UpdateQuota(ctx, "p-bob", store.ResourceCluster, 100)
			return err
		}, errdefs.ErrForbidden},
		{"member deletes own", as(bob), func(ctx context.Context) error { return m.DeleteQuota(ctx, "p-bob", store.ResourceCluster) }, errdefs.ErrForbidden},
		{"member lists", as(bob), func(ctx context.Context) error {
			_, err := m.ListQuotas(ctx, false, magnum.ListOptions{})
			return err
		}, errdefs.ErrForbidden},
		{"member lists all", as(bob), func(ctx context.Context) error {
			_, err := m.ListQuotas(ctx, true, magnum.ListOptions{})
			return err
		}, errdefs.ErrForbidden},
		{"member reads another project", as(alice), func(ctx context.Context) error {
			_, err := m.GetQuota(ctx, "p-bob", store.ResourceCluster)
			return err
		}, errdefs.ErrForbidden},
		{"member reads own", as(bob), func(ctx context.Context) error {
			_, err := m.GetQuota(ctx, "p-bob", store.ResourceCluster)
			return err
		}, nil},
		{"no caller", context.Background(), func(ctx context.Context) error {
			_, err := m.GetQuota(ctx, "p-bob", store.ResourceCluster)
			return err
		}, errdefs.ErrForbidden},
		{"no project", as(noProject), func(ctx context.Context) error {
			_, err := m.GetQuota(ctx, "", store.ResourceCluster)
			return err
		}, errdefs.ErrForbidden},
		{"admin reads another project", as(admin), func(ctx context.Context) error {
			_, err := m.GetQuota(ctx, "p-bob", store.ResourceCluster)
			return err
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(tc.ctx)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
			var de *errdefs.Error
			if assert.True(t, errors.As(err, &de)) && de.Resource != "" {
				assert.Equal(t, "quota", de.Resource)
			}
		})
	}
	q, err := m.GetQuota(as(admin), "p-bob", store.ResourceCluster)
	require.NoError(t, err)
	assert.Equal(t, 2, q.HardLimit, "no refused write changed the quota")

	// A custom policy that denies acting on all projects stops even admins.
	strict := newQuotaManager(t, magnum.Config{Policy: policy.Func(func(ctx context.Context, c policy.Caller, a policy.Action, tg policy.Target) error {
		if a == policy.AllProjects {
			return &errdefs.Error{Kind: errdefs.ErrForbidden, Reason: "no"}
		}
		return nil
	})})
	_, err = strict.CreateQuota(as(admin), "p-bob", store.ResourceCluster, 2)
	assert.ErrorIs(t, err, errdefs.ErrForbidden)
	_, err = strict.GetQuota(as(admin), "p-bob", store.ResourceCluster)
	assert.ErrorIs(t, err, errdefs.ErrForbidden)
	_, err = strict.GetQuota(as(admin), "p-admin", store.ResourceCluster)
	assert.NoError(t, err, "an admin's own project needs no all-projects rule")
}

func TestQuotaValidation(t *testing.T) {
	m := newQuotaManager(t, magnum.Config{})
	ctx := as(admin)
	for _, tc := range []struct {
		name, project, resource string
		limit                   int
		field                   string
	}{
		{"no project", "", store.ResourceCluster, 1, "project_id"},
		{"long project", strings.Repeat("p", 256), store.ResourceCluster, 1, "project_id"},
		{"bad UTF-8", "p\xff", store.ResourceCluster, 1, "project_id"},
		{"lower-case resource", "p1", "cluster", 1, "resource"},
		{"unknown resource", "p1", "Cores", 1, "resource"},
		{"negative limit", "p1", store.ResourceNode, -1, "hard_limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, call := range []func() error{
				func() error { _, err := m.CreateQuota(ctx, tc.project, tc.resource, tc.limit); return err },
				func() error { _, err := m.UpdateQuota(ctx, tc.project, tc.resource, tc.limit); return err },
			} {
				err := call()
				require.ErrorIs(t, err, errdefs.ErrInvalid)
				var de *errdefs.Error
				require.True(t, errors.As(err, &de))
				assert.Equal(t, tc.field, de.Field)
			}
		})
	}
	_, err := m.CreateQuota(ctx, strings.Repeat("p", 255), store.ResourceCluster, 1)
	assert.NoError(t, err, "255 bytes fit")
	_, err = m.GetQuota(ctx, "p1", "Cores")
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.ErrorIs(t, m.DeleteQuota(ctx, "p1", "Cores"), errdefs.ErrInvalid)
	list, err := m.ListQuotas(ctx, true, magnum.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, list, 1, "nothing invalid was stored")
}

func TestQuotaList(t *testing.T) {
	m := newQuotaManager(t, magnum.Config{})
	ctx := as(admin)
	var ids []int64
	for _, p := range []string{"p-admin", "p-alice", "p-bob", "p-admin"} {
		res := store.ResourceCluster
		if len(ids) == 3 {
			res = store.ResourceNode
		}
		q, err := m.CreateQuota(ctx, p, res, len(ids)+1)
		require.NoError(t, err)
		ids = append(ids, q.ID)
	}
	got := func(qs []*store.QuotaRecord) []int64 {
		out := []int64{}
		for _, q := range qs {
			out = append(out, q.ID)
		}
		return out
	}
	own, err := m.ListQuotas(ctx, false, magnum.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, []int64{ids[0], ids[3]}, got(own), "without all projects: the admin's own project")
	all, err := m.ListQuotas(ctx, true, magnum.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, ids, got(all))

	page, err := m.ListQuotas(ctx, true, magnum.ListOptions{Page: store.Page{Limit: 2, Marker: strconv.FormatInt(ids[0], 10)}})
	require.NoError(t, err)
	assert.Equal(t, ids[1:3], got(page))
	page, err = m.ListQuotas(ctx, true, magnum.ListOptions{Page: store.Page{SortKey: "hard_limit", SortDir: store.Desc}})
	require.NoError(t, err)
	assert.Equal(t, []int64{ids[3], ids[2], ids[1], ids[0]}, got(page))
	_, err = m.ListQuotas(ctx, true, magnum.ListOptions{Page: store.Page{Marker: "not-an-id"}})
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
}

// TestCreateQuotaWithProjectCheck: the project check runs after the
// caller's rights and the quota's fields are checked and before anything
// is stored, and its error is returned as is.
func TestCreateQuotaWithProjectCheck(t *testing.T) {
	m := newQuotaManager(t, magnum.Config{})
	var asked []string
	opts := magnum.CreateQuotaOptions{CheckProject: func(ctx context.Context, id string) error {
		asked = append(asked, id)
		if id == "ghost" {
			return &errdefs.Error{Kind: errdefs.ErrNotFound, Reason: "Project ghost could not be found."}
		}
		if id == "flaky" {
			return errdefs.New(errdefs.ErrUnavailable, "project", id, "identity down")
		}
		return nil
	}}
	_, err := m.CreateQuotaWith(as(alice), "ghost", store.ResourceCluster, 1, opts)
	assert.ErrorIs(t, err, errdefs.ErrForbidden, "members are refused before any lookup")
	_, err = m.CreateQuotaWith(as(admin), "ghost", "Cores", 1, opts)
	assert.ErrorIs(t, err, errdefs.ErrInvalid, "an invalid quota is refused before any lookup")
	_, err = m.CreateQuotaWith(as(admin), "ghost", store.ResourceCluster, -1, opts)
	assert.ErrorIs(t, err, errdefs.ErrInvalid)
	assert.Empty(t, asked)

	_, err = m.CreateQuotaWith(as(admin), "ghost", store.ResourceCluster, 1, opts)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	_, err = m.CreateQuotaWith(as(admin), "flaky", store.ResourceCluster, 1, opts)
	assert.ErrorIs(t, err, errdefs.ErrUnavailable)
	q, err := m.CreateQuotaWith(as(admin), "p1", store.ResourceCluster, 0, opts)
	require.NoError(t, err)
	assert.Equal(t, 0, q.HardLimit)
	assert.Equal(t, []string{"ghost", "flaky", "p1"}, asked)
	list, err := m.ListQuotas(as(admin), true, magnum.ListOptions{})
	require.NoError(t, err)
	require.Len(t, list, 1, "refused projects stored nothing")
	assert.Equal(t, "p1", list[0].ProjectID)
}
