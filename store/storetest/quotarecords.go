package storetest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

// quotaRecord stores a new quota record.
func (e *env) quotaRecord(project, resource string, limit int) *store.QuotaRecord {
	e.t.Helper()
	q := &store.QuotaRecord{ProjectID: project, Resource: resource, HardLimit: limit, CreatedAt: e.now()}
	require.NoError(e.t, e.s.CreateQuota(e.ctx, q))
	return q
}

// testQuotaRecordCRUD covers create, get, update and delete of quota
// records and their errors.
func testQuotaRecordCRUD(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	created := e.now()
	a := &store.QuotaRecord{ID: 999, ProjectID: "p1", Resource: store.ResourceCluster, HardLimit: 5, CreatedAt: created}
	require.NoError(t, s.CreateQuota(ctx, a))
	assert.Positive(t, a.ID)
	assert.Equal(t, normalised(created), a.CreatedAt, "times are normalised and written back")
	assert.Nil(t, a.UpdatedAt)

	got, err := s.GetQuota(ctx, "p1", store.ResourceCluster)
	require.NoError(t, err)
	assert.Equal(t, a, got)

	// Unique per (project, resource); other pairs are free.
	dup := &store.QuotaRecord{ProjectID: "p1", Resource: store.ResourceCluster, HardLimit: 7, CreatedAt: e.now()}
	err = s.CreateQuota(ctx, dup)
	assert.ErrorIs(t, err, errdefs.ErrConflict)
	var de *errdefs.Error
	if assert.True(t, errors.As(err, &de)) {
		assert.Equal(t, "quota", de.Resource)
	}
	b := e.quotaRecord("p1", store.ResourceNode, 40)
	c := e.quotaRecord("p2", store.ResourceCluster, 3)
	assert.Greater(t, b.ID, a.ID, "IDs follow creation")
	assert.Greater(t, c.ID, b.ID)
	got, err = s.GetQuota(ctx, "p1", store.ResourceCluster)
	require.NoError(t, err)
	assert.Equal(t, 5, got.HardLimit, "the refused duplicate changed nothing")

	for _, bad := range []*store.QuotaRecord{
		nil, {Resource: store.ResourceCluster}, {ProjectID: "p3"}, {ProjectID: "p3", Resource: "cluster"}, {ProjectID: "p3", Resource: "Cores"},
	} {
		assert.ErrorIs(t, s.CreateQuota(ctx, bad), errdefs.ErrInvalid, "%+v", bad)
	}

	// Get misses.
	for _, k := range [][2]string{{"p2", store.ResourceNode}, {"p9", store.ResourceCluster}, {"", ""}, {"p1", "cluster"}} {
		_, err := s.GetQuota(ctx, k[0], k[1])
		assert.ErrorIs(t, err, errdefs.ErrNotFound, "%v", k)
	}

	// Copies: changing what was returned does not change the store.
	got.HardLimit = 1000
	again, err := s.GetQuota(ctx, "p1", store.ResourceCluster)
	require.NoError(t, err)
	assert.Equal(t, 5, again.HardLimit)

	// Update sets the limit and UpdatedAt, nothing else, and writes the
	// stored record back.
	updated := e.now()
	up := &store.QuotaRecord{ProjectID: "p1", Resource: store.ResourceCluster, HardLimit: 9, UpdatedAt: &updated, CreatedAt: e.now(), ID: 12345}
	require.NoError(t, s.UpdateQuota(ctx, up))
	want := &store.QuotaRecord{ID: a.ID, ProjectID: "p1", Resource: store.ResourceCluster, HardLimit: 9,
		CreatedAt: normalised(created), UpdatedAt: ptr(normalised(updated))}
	assert.Equal(t, want, up)
	got, err = s.GetQuota(ctx, "p1", store.ResourceCluster)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.ErrorIs(t, s.UpdateQuota(ctx, &store.QuotaRecord{ProjectID: "p9", Resource: store.ResourceCluster, HardLimit: 1}), errdefs.ErrNotFound)
	assert.ErrorIs(t, s.UpdateQuota(ctx, &store.QuotaRecord{ProjectID: "p1", Resource: "nodes", HardLimit: 1}), errdefs.ErrInvalid)

	// Delete.
	require.NoError(t, s.DeleteQuota(ctx, "p1", store.ResourceCluster))
	_, err = s.GetQuota(ctx, "p1", store.ResourceCluster)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
	assert.ErrorIs(t, s.DeleteQuota(ctx, "p1", store.ResourceCluster), errdefs.ErrNotFound)
	assert.ErrorIs(t, s.DeleteQuota(ctx, "", ""), errdefs.ErrNotFound)
	_, err = s.GetQuota(ctx, "p1", store.ResourceNode)
	assert.NoError(t, err, "deleting one resource's record keeps the other's")

	// The pair is free again; IDs are never reused.
	d := e.quotaRecord("p1", store.ResourceCluster, 2)
	assert.Greater(t, d.ID, c.ID)
}

// testQuotaRecordList covers filters, sorting and paging of quota lists.
func testQuotaRecordList(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	list, err := s.ListQuotas(ctx, store.QuotaFilter{}, store.Page{})
	require.NoError(t, err)
	assert.NotNil(t, list)
	assert.Empty(t, list)

	// Created in this order: the "id" order.
	recs := []*store.QuotaRecord{
		e.quotaRecord("p2", store.ResourceCluster, 10),
		e.quotaRecord("p1", store.ResourceNode, 50),
		e.quotaRecord("p1", store.ResourceCluster, 10),
		e.quotaRecord("p3", store.ResourceNode, 1),
		e.quotaRecord("p2", store.ResourceNode, 10),
	}
	at := e.now()
	recs[3].UpdatedAt = &at
	recs[3].HardLimit = 2
	require.NoError(t, s.UpdateQuota(ctx, recs[3]))

	ids := func(qs []*store.QuotaRecord) []int64 {
		out := make([]int64, len(qs))
		for i, q := range qs {
			out[i] = q.ID
		}
		return out
	}
	idsOf := func(is ...int) []int64 {
		out := make([]int64, len(is))
		for i, n := range is {
			out[i] = recs[n].ID
		}
		return out
	}

	list, err = s.ListQuotas(ctx, store.QuotaFilter{}, store.Page{})
	require.NoError(t, err)
	assert.Equal(t, idsOf(0, 1, 2, 3, 4), ids(list))
	assert.Equal(t, recs[3], list[3], "the list holds the stored values")

	for _, tc := range []struct {
		name string
		f    store.QuotaFilter
		p    store.Page
		want []int64
	}{
		{"project", store.QuotaFilter{ProjectID: "p1"}, store.Page{}, idsOf(1, 2)},
		{"resource", store.QuotaFilter{Resource: store.ResourceNode}, store.Page{}, idsOf(1, 3, 4)},
		{"both", store.QuotaFilter{ProjectID: "p2", Resource: store.ResourceNode}, store.Page{}, idsOf(4)},
		{"none", store.QuotaFilter{ProjectID: "p9"}, store.Page{}, []int64{}},
		{"desc", store.QuotaFilter{}, store.Page{SortDir: store.Desc}, idsOf(4, 3, 2, 1, 0)},
		{"limit", store.QuotaFilter{}, store.Page{Limit: 2}, idsOf(0, 1)},
		{"marker", store.QuotaFilter{}, store.Page{Marker: strconv.FormatInt(recs[1].ID, 10), Limit: 2}, idsOf(2, 3)},
		{"marker desc", store.QuotaFilter{}, store.Page{Marker: strconv.FormatInt(recs[2].ID, 10), SortDir: store.Desc}, idsOf(1, 0)},
		{"marker in filter", store.QuotaFilter{ProjectID: "p1"}, store.Page{Marker: strconv.FormatInt(recs[1].ID, 10)}, idsOf(2)},
		{"hard_limit, ties by id", store.QuotaFilter{}, store.Page{SortKey: "hard_limit"}, idsOf(3, 0, 2, 4, 1)},
		{"hard_limit desc", store.QuotaFilter{}, store.Page{SortKey: "hard_limit", SortDir: store.Desc}, idsOf(1, 4, 2, 0, 3)},
		{"hard_limit after a tie", store.QuotaFilter{}, store.Page{SortKey: "hard_limit", Marker: strconv.FormatInt(recs[0].ID, 10), Limit: 2}, idsOf(2, 4)},
		{"project_id", store.QuotaFilter{}, store.Page{SortKey: "project_id"}, idsOf(1, 2, 0, 4, 3)},
		{"resource key", store.QuotaFilter{}, store.Page{SortKey: "resource"}, idsOf(0, 2, 1, 3, 4)},
		{"created_at desc", store.QuotaFilter{}, store.Page{SortKey: "created_at", SortDir: store.Desc}, idsOf(4, 3, 2, 1, 0)},
		{"updated_at: never updated first", store.QuotaFilter{}, store.Page{SortKey: "updated_at"}, idsOf(0, 1, 2, 4, 3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListQuotas(ctx, tc.f, tc.p)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ids(got))
		})
	}

	for _, p := range []store.Page{
		{Marker: "abc"}, {Marker: "-1"}, {Marker: "0"}, {Marker: "99999"},
		{SortKey: "uuid"}, {SortKey: "name"}, {SortDir: "up"}, {Limit: -1},
	} {
		_, err := s.ListQuotas(ctx, store.QuotaFilter{}, p)
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%+v", p)
	}
	_, err = s.ListQuotas(ctx, store.QuotaFilter{ProjectID: "p1"}, store.Page{Marker: strconv.FormatInt(recs[0].ID, 10)})
	assert.ErrorIs(t, err, errdefs.ErrInvalid, "a marker outside the filter is unknown")
}

// testQuotaRecordRace creates one project's quota of one resource from
// many goroutines at once: exactly one succeeds.
func testQuotaRecordRace(t *testing.T, e *env) {
	const n = 20
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		ok        int
		conflicts int
		start     = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			err := e.s.CreateQuota(e.ctx, &store.QuotaRecord{ProjectID: "racy", Resource: store.ResourceCluster, HardLimit: i + 1,
				CreatedAt: normalised(e.clock)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, errdefs.ErrConflict):
				conflicts++
			default:
				t.Errorf("create %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, 1, ok)
	assert.Equal(t, n-1, conflicts)
	list, err := e.s.ListQuotas(e.ctx, store.QuotaFilter{ProjectID: "racy"}, store.Page{})
	require.NoError(t, err)
	assert.Len(t, list, 1)
}

// testQuotaRecordContext calls the quota methods with an ended context and
// on a closed store.
func testQuotaRecordContext(t *testing.T, e *env) {
	s := e.s
	kept := e.quotaRecord("kept", store.ResourceCluster, 4)
	calls := map[string]func(ctx context.Context) error{
		"CreateQuota": func(ctx context.Context) error {
			return s.CreateQuota(ctx, &store.QuotaRecord{ProjectID: "new", Resource: store.ResourceCluster, HardLimit: 1})
		},
		"GetQuota": func(ctx context.Context) error { _, err := s.GetQuota(ctx, "kept", store.ResourceCluster); return err },
		"ListQuotas": func(ctx context.Context) error {
			_, err := s.ListQuotas(ctx, store.QuotaFilter{}, store.Page{})
			return err
		},
		"UpdateQuota": func(ctx context.Context) error {
			return s.UpdateQuota(ctx, &store.QuotaRecord{ProjectID: "kept", Resource: store.ResourceCluster, HardLimit: 100})
		},
		"DeleteQuota": func(ctx context.Context) error { return s.DeleteQuota(ctx, "kept", store.ResourceCluster) },
	}
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	for name, call := range calls {
		assert.ErrorIs(t, call(ctx), context.Canceled, name)
	}
	got, err := s.GetQuota(e.ctx, "kept", store.ResourceCluster)
	require.NoError(t, err)
	assert.Equal(t, kept, got, "nothing was written")
	_, err = s.GetQuota(e.ctx, "new", store.ResourceCluster)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)

	require.NoError(t, s.Close())
	for name, call := range calls {
		assert.ErrorIs(t, call(e.ctx), errdefs.ErrUnavailable, name)
	}
}
