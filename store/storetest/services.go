package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

// testServices covers heartbeats, the service list and deletion.
func testServices(t *testing.T, e *env) {
	ctx, s := e.ctx, e.s
	list, err := s.ListServices(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)

	first := e.now()
	a := &store.Service{Host: "node-b/12", Binary: "gomagnum-manager", ReportCount: 99, Disabled: true, DisabledReason: "maintenance",
		CreatedAt: e.now(), UpdatedAt: e.now()}
	require.NoError(t, s.HeartbeatService(ctx, a, first))
	want := store.Service{Host: "node-b/12", Binary: "gomagnum-manager", ReportCount: 1, Disabled: true, DisabledReason: "maintenance",
		CreatedAt: normalised(first), UpdatedAt: normalised(first)}
	assert.Equal(t, want, *a, "a new record: count 1, both times now, normalised, written back")

	second := e.now()
	again := &store.Service{Host: a.Host, Binary: a.Binary} // Disabled false: the stored value stays
	require.NoError(t, s.HeartbeatService(ctx, again, second))
	want.ReportCount, want.UpdatedAt = 2, normalised(second)
	assert.Equal(t, want, *again, "a heartbeat counts and sets UpdatedAt; the rest is kept")
	third := e.now()
	require.NoError(t, s.HeartbeatService(ctx, again, third))
	assert.Equal(t, int64(3), again.ReportCount)
	assert.Equal(t, normalised(third), again.UpdatedAt)
	assert.Equal(t, normalised(first), again.CreatedAt)

	// Others, out of order: the list sorts by host, then binary, by bytes.
	for _, k := range [][2]string{{"node-b/12", "gomagnum-conductor"}, {"node-a/7", "gomagnum-manager"}, {"Node-z/1", "x"}, {"node-b/12", "gomagnum-api"}} {
		require.NoError(t, s.HeartbeatService(ctx, &store.Service{Host: k[0], Binary: k[1]}, e.now()))
	}
	list, err = s.ListServices(ctx)
	require.NoError(t, err)
	var keys [][2]string
	for _, svc := range list {
		keys = append(keys, [2]string{svc.Host, svc.Binary})
	}
	assert.Equal(t, [][2]string{
		{"Node-z/1", "x"}, {"node-a/7", "gomagnum-manager"},
		{"node-b/12", "gomagnum-api"}, {"node-b/12", "gomagnum-conductor"}, {"node-b/12", "gomagnum-manager"},
	}, keys)
	assert.Equal(t, *again, *list[4], "the list holds the stored values")
	assert.Equal(t, int64(1), list[0].ReportCount)
	assert.False(t, list[0].Disabled)

	// The list is a copy.
	list[4].ReportCount = 1000
	fresh, err := s.ListServices(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3), fresh[4].ReportCount)

	for _, bad := range []*store.Service{{Binary: "gomagnum-manager"}, {Host: "node-a/7"}, {}, nil} {
		err := s.HeartbeatService(ctx, bad, e.now())
		assert.ErrorIs(t, err, errdefs.ErrInvalid, "%+v", bad)
		var de *errdefs.Error
		if assert.True(t, errors.As(err, &de)) {
			assert.Equal(t, "service", de.Resource)
		}
	}

	require.NoError(t, s.DeleteService(ctx, "node-b/12", "gomagnum-conductor"))
	assert.ErrorIs(t, s.DeleteService(ctx, "node-b/12", "gomagnum-conductor"), errdefs.ErrNotFound)
	assert.ErrorIs(t, s.DeleteService(ctx, "node-b/12", "nothing"), errdefs.ErrNotFound)
	assert.ErrorIs(t, s.DeleteService(ctx, "", ""), errdefs.ErrNotFound)
	list, err = s.ListServices(ctx)
	require.NoError(t, err)
	assert.Len(t, list, 4)
	for _, svc := range list {
		assert.NotEqual(t, "gomagnum-conductor", svc.Binary)
	}

	// A deleted service that beats again starts over.
	later := e.now()
	back := &store.Service{Host: "node-b/12", Binary: "gomagnum-conductor"}
	require.NoError(t, s.HeartbeatService(ctx, back, later))
	assert.Equal(t, int64(1), back.ReportCount)
	assert.Equal(t, normalised(later), back.CreatedAt)
}

// testServiceHeartbeatRace has many goroutines beat for one service at
// once: every heartbeat is counted.
func testServiceHeartbeatRace(t *testing.T, e *env) {
	const beats = 40
	now := e.now()
	errs := make(chan error, beats)
	for i := range beats {
		go func() {
			svc := &store.Service{Host: "h", Binary: "b"}
			errs <- e.s.HeartbeatService(e.ctx, svc, now.Add(time.Duration(i)*time.Second))
		}()
	}
	for range beats {
		require.NoError(t, <-errs)
	}
	list, err := e.s.ListServices(e.ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, int64(beats), list[0].ReportCount)
}
