package storetest

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// ops lets the revision tests treat the three record kinds alike.
type ops[T any] struct {
	create func(e *env) T // stores a new record
	get    func(ctx context.Context, s store.Store, uuid string) (T, error)
	update func(ctx context.Context, s store.Store, rec T) error
	del    func(ctx context.Context, s store.Store, uuid string, rev int64) error
	uuid   func(T) string
	rev    func(T) *int64
	labels func(T) *labels.Labels
}

func templateOps() ops[*template.ClusterTemplate] {
	return ops[*template.ClusterTemplate]{
		create: func(e *env) *template.ClusterTemplate { return e.template() },
		get: func(ctx context.Context, s store.Store, id string) (*template.ClusterTemplate, error) {
			return s.GetTemplate(ctx, id)
		},
		update: func(ctx context.Context, s store.Store, r *template.ClusterTemplate) error {
			return s.UpdateTemplate(ctx, r)
		},
		del: func(ctx context.Context, s store.Store, id string, rev int64) error {
			return s.DeleteTemplate(ctx, id, rev)
		},
		uuid:   func(r *template.ClusterTemplate) string { return r.UUID },
		rev:    func(r *template.ClusterTemplate) *int64 { return &r.Revision },
		labels: func(r *template.ClusterTemplate) *labels.Labels { return &r.Labels },
	}
}

func clusterOps() ops[*cluster.Cluster] {
	return ops[*cluster.Cluster]{
		create: func(e *env) *cluster.Cluster { return e.cluster(e.template().UUID) },
		get: func(ctx context.Context, s store.Store, id string) (*cluster.Cluster, error) {
			return s.GetCluster(ctx, id)
		},
		update: func(ctx context.Context, s store.Store, r *cluster.Cluster) error { return s.UpdateCluster(ctx, r) },
		del: func(ctx context.Context, s store.Store, id string, rev int64) error {
			return s.DeleteCluster(ctx, id, rev)
		},
		uuid:   func(r *cluster.Cluster) string { return r.UUID },
		rev:    func(r *cluster.Cluster) *int64 { return &r.Revision },
		labels: func(r *cluster.Cluster) *labels.Labels { return &r.Labels },
	}
}

func nodeGroupOps() ops[*cluster.NodeGroup] {
	return ops[*cluster.NodeGroup]{
		create: func(e *env) *cluster.NodeGroup { return e.group(e.cluster(e.template().UUID)) },
		get: func(ctx context.Context, s store.Store, id string) (*cluster.NodeGroup, error) {
			return s.GetNodeGroup(ctx, id)
		},
		update: func(ctx context.Context, s store.Store, r *cluster.NodeGroup) error { return s.UpdateNodeGroup(ctx, r) },
		del: func(ctx context.Context, s store.Store, id string, rev int64) error {
			return s.DeleteNodeGroup(ctx, id, rev)
		},
		uuid:   func(r *cluster.NodeGroup) string { return r.UUID },
		rev:    func(r *cluster.NodeGroup) *int64 { return &r.Revision },
		labels: func(r *cluster.NodeGroup) *labels.Labels { return &r.Labels },
	}
}

func testRevisions(t *testing.T, e *env) {
	t.Run("template", func(t *testing.T) { checkRevisions(t, e.with(t), templateOps()) })
	t.Run("cluster", func(t *testing.T) { checkRevisions(t, e.with(t), clusterOps()) })
	t.Run("nodegroup", func(t *testing.T) { checkRevisions(t, e.with(t), nodeGroupOps()) })
}

func setLabel[T any](o ops[T], rec T, k, v string) {
	l := o.labels(rec)
	if *l == nil {
		*l = labels.Labels{}
	}
	(*l)[k] = v
}

// checkRevisions shows a stale update or delete is refused and changes
// nothing, while current ones go through.
func checkRevisions[T any](t *testing.T, e *env, o ops[T]) {
	ctx, s := e.ctx, e.s
	rec := o.create(e)
	id := o.uuid(rec)
	require.Equal(t, int64(1), *o.rev(rec))

	// Two readers take the same revision; the first writer wins.
	a, err := o.get(ctx, s, id)
	require.NoError(t, err)
	b, err := o.get(ctx, s, id)
	require.NoError(t, err)
	setLabel(o, a, "writer", "a")
	require.NoError(t, o.update(ctx, s, a))
	assert.Equal(t, int64(2), *o.rev(a))

	setLabel(o, b, "writer", "b")
	err = o.update(ctx, s, b)
	require.ErrorIs(t, err, errdefs.ErrConflict, "an update from a stale copy is refused")
	assert.Equal(t, int64(1), *o.rev(b), "a refused update leaves the passed revision alone")
	cur, err := o.get(ctx, s, id)
	require.NoError(t, err)
	assert.Equal(t, a, cur, "a refused update changes nothing")

	// An update that is ahead of the store is just as wrong.
	ahead, err := o.get(ctx, s, id)
	require.NoError(t, err)
	*o.rev(ahead) = 99
	assert.ErrorIs(t, o.update(ctx, s, ahead), errdefs.ErrConflict)
	*o.rev(ahead) = 0
	assert.ErrorIs(t, o.update(ctx, s, ahead), errdefs.ErrConflict, "revision 0 does not skip the check on update")

	// The loser re-reads and retries.
	b, err = o.get(ctx, s, id)
	require.NoError(t, err)
	setLabel(o, b, "writer", "b")
	require.NoError(t, o.update(ctx, s, b))
	assert.Equal(t, int64(3), *o.rev(b))

	// Deletes check the revision the same way; 0 skips the check.
	require.ErrorIs(t, o.del(ctx, s, id, 2), errdefs.ErrConflict, "a stale delete is refused")
	cur, err = o.get(ctx, s, id)
	require.NoError(t, err, "a refused delete keeps the record")
	assert.Equal(t, b, cur)
	require.NoError(t, o.del(ctx, s, id, 3))
	_, err = o.get(ctx, s, id)
	assert.ErrorIs(t, err, errdefs.ErrNotFound)

	other := o.create(e)
	require.NoError(t, o.del(ctx, s, o.uuid(other), 0), "revision 0 skips the check on delete")
	_, err = o.get(ctx, s, o.uuid(other))
	assert.ErrorIs(t, err, errdefs.ErrNotFound)
}

// Sizes of the concurrent-update test: writers × increments each.
const (
	concurrentWriters    = 8
	incrementsPerWriter  = 25
	maxAttemptsPerUpdate = 10000
)

func testConcurrentUpdates(t *testing.T, e *env) {
	t.Run("template", func(t *testing.T) { checkConcurrentUpdates(t, e.with(t), templateOps()) })
	t.Run("cluster", func(t *testing.T) { checkConcurrentUpdates(t, e.with(t), clusterOps()) })
	t.Run("nodegroup", func(t *testing.T) { checkConcurrentUpdates(t, e.with(t), nodeGroupOps()) })
}

// checkConcurrentUpdates has many goroutines increment a counter label of
// one record by read-modify-write, retrying on conflict. With optimistic
// concurrency no increment is lost: the total and the revision are exact.
func checkConcurrentUpdates[T any](t *testing.T, e *env, o ops[T]) {
	ctx, s := e.ctx, e.s
	rec := o.create(e)
	id := o.uuid(rec)

	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	errs := make(chan error, concurrentWriters)
	for w := 0; w < concurrentWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < incrementsPerWriter; i++ {
				n, err := increment(ctx, s, o, id)
				mu.Lock()
				conflicts += n
				mu.Unlock()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	got, err := o.get(ctx, s, id)
	require.NoError(t, err)
	total := concurrentWriters * incrementsPerWriter
	assert.Equal(t, strconv.Itoa(total), (*o.labels(got))["counter"], "no increment is lost")
	assert.Equal(t, int64(1+total), *o.rev(got), "one revision per successful update")
	t.Logf("%d updates, %d conflicts retried", total, conflicts)
}

// increment adds one to the counter label, retrying on conflict. It returns
// how many conflicts it met.
func increment[T any](ctx context.Context, s store.Store, o ops[T], id string) (int, error) {
	for attempt := 0; attempt < maxAttemptsPerUpdate; attempt++ {
		rec, err := o.get(ctx, s, id)
		if err != nil {
			return attempt, err
		}
		n, _ := strconv.Atoi((*o.labels(rec))["counter"])
		setLabel(o, rec, "counter", strconv.Itoa(n+1))
		runtime.Gosched() // let other writers in between the read and the write
		err = o.update(ctx, s, rec)
		if err == nil {
			return attempt, nil
		}
		if !errors.Is(err, errdefs.ErrConflict) {
			return attempt, err
		}
	}
	return maxAttemptsPerUpdate, errors.New("storetest: too many conflicts in a row")
}
