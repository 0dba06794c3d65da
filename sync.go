package magnum

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// The defaults of the sync loop.
const (
	DefaultSyncInterval     = 10 * time.Second
	DefaultResumeAfter      = time.Minute
	DefaultOperationTimeout = 2 * time.Hour
	// syncParallel bounds the per-cluster cloud reads (outputs of stacks
	// that just completed) of one tick.
	syncParallel = 8
)

// inFlight are the statuses sync follows.
var inFlight = []cluster.Status{cluster.CreateInProgress, cluster.UpdateInProgress,
	cluster.DeleteInProgress, cluster.RollbackInProgress}

// tracked is one in-flight cluster, or one in-flight non-default node
// group (g) of a cluster, of a tick.
type tracked struct {
	c *cluster.Cluster
	t *template.ClusterTemplate
	d driver.ClusterDriver
	g *cluster.NodeGroup
}

// target is what the observer is asked about the item.
func (it tracked) target() driver.Target {
	if it.g != nil {
		return driver.Target{ClusterID: it.g.UUID, Ref: it.g.StackID, Name: GroupStackName(it.c, it.g)}
	}
	return driver.Target{ClusterID: it.c.UUID, Ref: it.c.StackID, Name: StackName(it.c)}
}

// SyncOnce runs one status-sync tick: it asks each backend once for the
// state of every in-flight cluster (for Heat: one stack list call, however
// many clusters), and moves the clusters on: outputs are read for stacks
// that just completed, failures recorded, deleted clusters removed with
// their certificates, vanished stacks turned into failures, and operations
// a crashed process left half-done repeated (a create whose stack was
// never recorded is first looked for under its tag and adopted). Errors of
// single clusters are joined; the others are still synced.
func (m *Manager) SyncOnce(ctx context.Context) error {
	clusters, err := m.store.ListClusters(ctx, store.ClusterFilter{Statuses: inFlight}, store.Page{})
	if err != nil {
		return fmt.Errorf("sync: list clusters: %w", err)
	}
	// Non-default groups in operation: their clusters follow the groups'
	// stacks, not their own, until the operation ends.
	groupOps, err := m.store.ListNodeGroups(ctx, store.NodeGroupFilter{IsDefault: new(bool), Statuses: inFlight}, store.Page{})
	if err != nil {
		return fmt.Errorf("sync: list node groups: %w", err)
	}
	busy := map[string][]*cluster.NodeGroup{}
	for _, g := range groupOps {
		busy[g.ClusterID] = append(busy[g.ClusterID], g)
	}
	var errs []error
	byID := make(map[string]*cluster.Cluster, len(clusters))
	for _, c := range clusters {
		byID[c.UUID] = c
	}
	for id := range busy {
		if byID[id] == nil {
			// A group whose cluster never recorded the operation.
			c, err := m.store.GetCluster(ctx, id)
			if err != nil {
				if !errors.Is(err, errdefs.ErrNotFound) {
					errs = append(errs, fmt.Errorf("cluster %s: %w", id, err))
				}
				continue
			}
			clusters = append(clusters, c)
			byID[id] = c
		}
	}
	templates := map[string]*template.ClusterTemplate{}
	byObserver := map[driver.Observer][]tracked{}
	for _, c := range clusters {
		t, ok := templates[c.ClusterTemplateID]
		if !ok {
			if t, err = m.store.GetTemplate(ctx, c.ClusterTemplateID); err != nil {
				errs = append(errs, fmt.Errorf("cluster %s: %w", c.UUID, err))
				continue
			}
			templates[t.UUID] = t
		}
		d, err := m.clusterDriver(t)
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster %s: %w", c.UUID, err))
			continue
		}
		o := d.Observer()
		if gs := busy[c.UUID]; len(gs) > 0 {
			for _, g := range gs {
				byObserver[o] = append(byObserver[o], tracked{c: c, t: t, d: d, g: g})
			}
			continue
		}
		byObserver[o] = append(byObserver[o], tracked{c: c, t: t, d: d})
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(syncParallel)
	var mu syncErrors
	for o, items := range byObserver {
		targets := make([]driver.Target, len(items))
		for i, it := range items {
			targets[i] = it.target()
		}
		obs, err := o.Observe(ctx, targets)
		if err != nil {
			errs = append(errs, fmt.Errorf("sync: %w", err))
		}
		for i, it := range items {
			ob, ok := obs[targets[i].ClusterID]
			if !ok {
				continue
			}
			if it.g != nil {
				if m.quietGroup(it.g, ob) {
					continue
				}
				g.Go(func() error {
					if err := m.reconcileGroup(gctx, it, ob); err != nil {
						mu.add(fmt.Errorf("node group %s: %w", it.g.UUID, err))
					}
					return nil
				})
				continue
			}
			if m.quiet(it.c, ob) {
				continue
			}
			g.Go(func() error {
				if err := m.reconcile(gctx, it, ob); err != nil {
					mu.add(fmt.Errorf("cluster %s: %w", it.c.UUID, err))
				}
				return nil
			})
		}
	}
	_ = g.Wait()
	return errors.Join(append(errs, mu.errs...)...)
}

// quiet tells an observation that changes nothing, without I/O: the
// cluster's recorded stack is still in the operation the cluster records.
// reconcile would return at once; skipping it spares a goroutine per
// cluster per tick.
func (m *Manager) quiet(c *cluster.Cluster, o driver.Observation) bool {
	if o.Gone || c.StackID == "" || o.Status != c.Status || !o.Status.InProgress() {
		return false
	}
	if c.Status.Action() == "CREATE" {
		return true // Heat bounds creates with the cluster's create_timeout
	}
	last := c.CreatedAt
	if c.UpdatedAt != nil {
		last = *c.UpdatedAt
	}
	return m.nowUTC().Sub(last) < orDefault(m.cfg.OperationTimeout, DefaultOperationTimeout)
}

// reconcile moves one cluster on from what its backend reports.
func (m *Manager) reconcile(ctx context.Context, it tracked, o driver.Observation) error {
	c := it.c
	if m.active.has(c.UUID) {
		return nil // an operation of ours is still under way
	}
	last := c.CreatedAt
	if c.UpdatedAt != nil {
		last = *c.UpdatedAt
	}
	now := m.nowUTC()
	age := now.Sub(last)
	// A step is repeated once its intent is old enough, unless another
	// Manager was found holding the cluster's operation lease lately: it
	// is acting on the cluster (its step may be queued there), and asking
	// for the lease again on every tick would only load the store.
	stale := age >= m.resumeAfter() && !m.elsewhere.has(c.UUID, now)
	action := c.Status.Action()

	if o.Gone {
		switch {
		case c.Status == cluster.DeleteInProgress && c.StackID == "":
			// No stack was recorded: one may still exist under the
			// cluster's tag, settled. Delete looks it up — under the
			// cluster's operation lease, so that a create launched before
			// the delete was recorded (in another replica) finishes first
			// and its stack is found, instead of being made after this
			// look and leaving the cluster's name free for a second one.
			release, ok := m.lockOp(ctx, c.UUID)
			if !ok {
				return nil // a launch or delete is under way elsewhere
			}
			defer release()
			if err := it.d.Delete(ctx, m.request(it.t, c, nil)); err != nil {
				return err
			}
			if o, err := it.d.Observer().Observe(ctx, []driver.Target{{ClusterID: c.UUID, Name: StackName(c)}}); err != nil || !o[c.UUID].Gone {
				return err // deleting: the next tick looks again
			}
			return m.finishDelete(ctx, c)
		case c.Status == cluster.DeleteInProgress:
			return m.finishDelete(ctx, c)
		case c.Status == cluster.CreateInProgress && c.StackID == "":
			if stale {
				m.resumeCreate(it)
			}
			return nil
		}
		return m.record(ctx, c, nil, failedOf(action), "the cluster's stack disappeared")
	}
	if c.StackID == "" && o.Ref != "" && action == "CREATE" {
		// A create whose stack id was never recorded: adopt the stack.
		c.StackID = o.Ref
		if written, err := m.write(ctx, c, nil); err != nil || !written {
			return err
		}
	}
	if o.Status == "" {
		return nil // a Heat status without a cluster meaning
	}
	oAction := o.Status.Action()
	same := oAction == action || (oAction == "ROLLBACK" && (action == "CREATE" || action == "UPDATE"))
	if (c.UpgradeTemplateID != "" || c.RotationRefs != "") && !c.StepSent && c.Status == cluster.UpdateInProgress {
		// The upgrade or rotation was never accepted by the backend (its
		// process died first): whatever the stack shows is older.
		same = false
	}
	if o.Status.InProgress() {
		switch {
		case same && action != "CREATE" && age >= orDefault(m.cfg.OperationTimeout, DefaultOperationTimeout):
			return m.record(ctx, c, nil, failedOf(action), fmt.Sprintf("timed out after %s", age.Round(time.Second)))
		case same && o.Status != c.Status:
			return m.record(ctx, c, nil, o.Status, o.Reason)
		}
		return nil
	}
	if !same {
		// The cloud never saw the operation (its process died first):
		// repeat it once the intent is old enough.
		if stale {
			m.resend(it)
		}
		return nil
	}
	switch {
	case action == "DELETE":
		// DELETE_COMPLETE is Gone; what is left is DELETE_FAILED.
		return m.record(ctx, c, nil, o.Status, o.Reason)
	case o.Status.Failed():
		if c.RotationRefs != "" {
			// The new CAs did not reach every node: the old ones stay.
			if !m.abortRotation(ctx, c, o.Reason) {
				return nil // the next tick tries again
			}
			c.RotationRefs = ""
			return m.record(ctx, c, nil, o.Status, c.StatusReason)
		}
		return m.record(ctx, c, nil, o.Status, o.Reason)
	}
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return err
	}
	// The default worker group holds the intent of a resize; the cluster's
	// node_count adds the other worker groups' nodes.
	want := defaultWorkerCount(groups, c)
	fc := c.Clone()
	fg := cloneGroups(groups)
	if err := it.d.Finish(ctx, m.request(it.t, fc, fg)); err != nil {
		if retryable(err) {
			return err
		}
		m.log.WarnContext(ctx, "cluster outputs unusable", "uuid", c.UUID, "err", err)
	}
	got := defaultWorkerCount(fg, fc)
	fc.NodeCount = got + extraWorkers(fg, "")
	if oAction == "UPDATE" && got != want {
		// The stack finished an earlier update, not the recorded one.
		if stale {
			m.resend(it)
		}
		return nil
	}
	if o.Status == cluster.UpdateComplete {
		m.finishUpgrade(ctx, fc)
		if fc.RotationRefs != "" {
			done, failed, err := m.groupsRotated(ctx, fc, it.d)
			if err != nil || !done {
				return err // the node groups' stacks are still rolling
			}
			if err := m.commitRotation(ctx, fc); err != nil {
				return err // the next tick tries again
			}
			if len(failed) > 0 {
				// The masters and default workers trust the new CAs only:
				// the switch stands; the failed groups need a retry.
				return m.record(ctx, fc, fg, cluster.UpdateFailed,
					"the new certificate authorities are in force, but node groups failed to take them: "+strings.Join(failed, "; "))
			}
		}
	}
	return m.record(ctx, fc, fg, o.Status, o.Reason)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func failedOf(action string) cluster.Status {
	if action == "ROLLBACK" {
		return cluster.RollbackFailed
	}
	return cluster.Status(action + "_FAILED")
}

func cloneGroups(gs []*cluster.NodeGroup) []*cluster.NodeGroup {
	out := make([]*cluster.NodeGroup, len(gs))
	for i, g := range gs {
		out[i] = g.Clone()
	}
	return out
}

// record stores a cluster (and its default groups) in a new status. A
// concurrent change of the cluster wins: the tick's view was stale, and the
// next tick looks again.
func (m *Manager) record(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup, s cluster.Status, reason string) error {
	prev := c.Status
	c.Status, c.StatusReason = s, reason
	written, err := m.write(ctx, c, groups)
	if err != nil || !written {
		return err
	}
	if prev != s {
		m.log.InfoContext(ctx, "cluster status", "uuid", c.UUID, "from", prev, "to", s, "reason", reason)
		m.emit(c, prev, s)
	}
	return nil
}

// write stores c as the tick read it (at its revision) and then its
// default groups: their status, and with groups given (as the tick read
// them, revisions included) their counts and addresses. It reports false
// when the cluster changed since the tick read it; a group that changed
// meanwhile is left alone too. Neither is retried: the next tick looks
// again, while an operation's intent is never overwritten.
func (m *Manager) write(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup) (bool, error) {
	now := m.nowUTC()
	c.UpdatedAt = &now
	if groups == nil {
		var err error
		if groups, err = m.groups(ctx, c.UUID); err != nil {
			return false, err
		}
	}
	var defaults []*cluster.NodeGroup
	for _, g := range groups {
		if g.IsDefault {
			g.Status, g.StatusReason, g.UpdatedAt = c.Status, c.StatusReason, &now
			defaults = append(defaults, g)
		}
	}
	// One transaction: a crash cannot leave a settled cluster with groups
	// still in progress.
	err := m.store.UpdateClusterGroups(ctx, c, defaults, store.Quota{})
	if errors.Is(err, errdefs.ErrConflict) || errors.Is(err, errdefs.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// finishDelete removes a cluster whose cloud resources are gone, with its
// certificates.
func (m *Manager) finishDelete(ctx context.Context, c *cluster.Cluster) error {
	if m.cfg.Trustees != nil {
		if err := m.cfg.Trustees.DeleteTrustee(ctx, c); err != nil {
			return fmt.Errorf("delete trustee: %w", err)
		}
	}
	if err := m.certs.Delete(ctx, c.UUID); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return fmt.Errorf("delete certificates: %w", err)
	}
	if err := m.store.DeleteCluster(ctx, c.UUID, 0); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return err
	}
	m.log.InfoContext(ctx, "cluster deleted", "uuid", c.UUID, "name", c.Name)
	c.StatusReason = "Stack DELETE completed"
	m.emit(c, c.Status, cluster.DeleteComplete)
	return nil
}

// resumeCreate repeats the cloud step of a create whose process died
// before its stack was recorded. background takes the cluster's operation
// lease first: a create another Manager still holds, queued or running, is
// left to it untouched.
func (m *Manager) resumeCreate(it tracked) {
	m.background(it.c.UUID, func(ctx context.Context) {
		// The tick's view may be older than the lease: the create's own
		// launch may have recorded its stack and let go meanwhile.
		c, err := m.store.GetCluster(ctx, it.c.UUID)
		if err != nil || c.Status != cluster.CreateInProgress || c.StackID != "" {
			return
		}
		m.log.InfoContext(ctx, "resuming cluster create", "uuid", it.c.UUID)
		m.touch(ctx, it.c.UUID)
		m.launch(ctx, it.t, it.c.UUID, it.d)
	})
}

// resend repeats the cloud step of an update or delete the cloud never saw.
func (m *Manager) resend(it tracked) {
	m.log.Info("repeating cluster operation", "uuid", it.c.UUID, "status", it.c.Status)
	m.background(it.c.UUID, func(ctx context.Context) {
		release, ok := m.lockOp(ctx, it.c.UUID)
		if !ok {
			return
		}
		defer release()
		c, err := m.store.GetCluster(ctx, it.c.UUID)
		if err != nil || c.Status != it.c.Status {
			return
		}
		groups, err := m.groups(ctx, c.UUID)
		if err != nil {
			return
		}
		m.touch(ctx, c.UUID)
		req := m.request(it.t, c, groups)
		switch c.Status {
		case cluster.DeleteInProgress:
			err = m.deleteStacks(ctx, it.t, c, groups, it.d)
		case cluster.UpdateInProgress:
			switch {
			case c.UpgradeTemplateID != "":
				err = m.resendUpgrade(ctx, it.t, c, groups, it.d)
			case c.RotationRefs != "":
				err = m.resendRotation(ctx, c, groups, it.d)
			default:
				err = it.d.Resize(ctx, req)
			}
			switch {
			case err != nil && c.RotationRefs != "":
				m.failRotationIfFinal(ctx, c.UUID, err)
				return
			case err != nil:
				m.failIfFinal(ctx, c.UUID, cluster.UpdateInProgress, cluster.UpdateFailed, err)
				return
			case c.UpgradeTemplateID != "" || c.RotationRefs != "":
				m.stepSent(ctx, c.UUID)
			}
		}
		if err != nil {
			m.log.WarnContext(ctx, "cluster operation will be retried", "uuid", c.UUID, "err", err)
		}
	})
}

// touch refreshes a cluster's updated_at, so that the repeated step is
// given ResumeAfter again before it is repeated once more.
func (m *Manager) touch(ctx context.Context, id string) {
	_ = m.settle(ctx, id, func(*cluster.Cluster) bool { return true })
}

// syncErrors collects errors from the tick's goroutines.
type syncErrors struct {
	mu   sync.Mutex
	errs []error
}

func (s *syncErrors) add(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, err)
}

// SyncLease is the store lease the Managers sharing a store take turns on:
// only its holder runs the status sync of a tick.
const SyncLease = "status-sync"

// Run syncs every SyncInterval, polls the health of settled clusters every
// HealthInterval, and heart-beats into the store's service list until ctx
// ends or the Manager closes. Errors of a tick are logged
// and the next tick runs anyway. Start it in a goroutine.
//
// Several Managers (processes, replicas) may run it on one store: they
// elect one to sync with an expiring store lease (SyncLease, three
// intervals long, renewed while its holder runs), so each tick makes one Heat list call for
// the whole group, and a replica that dies is replaced once its lease
// expires. SyncOnce, called directly, does not take the lease.
func (m *Manager) Run(ctx context.Context) error {
	interval := orDefault(m.cfg.SyncInterval, DefaultSyncInterval)
	host := m.host()
	t := time.NewTicker(interval)
	defer t.Stop()
	defer func() {
		// Hand the lease on at once rather than after it expires.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = m.store.ReleaseLease(rctx, SyncLease, host)
	}()
	var lastHealth time.Time
	for {
		m.heartbeat(ctx)
		// The lease is renewed while the tick runs, however long it takes,
		// so a slow leader is never joined by a second one.
		stop, leader, err := m.holdLease(ctx, SyncLease, 3*interval)
		if err != nil && ctx.Err() == nil {
			m.log.WarnContext(ctx, "sync lease", "err", err)
		}
		if leader {
			if err := m.SyncOnce(ctx); err != nil && ctx.Err() == nil {
				m.log.WarnContext(ctx, "sync tick", "err", err)
			}
			// Health passes ride on the ticks, on the real clock (a test's
			// frozen Config.Clock must not stop them).
			if hi := m.cfg.HealthInterval; hi >= 0 && (lastHealth.IsZero() || time.Since(lastHealth) >= orDefault(hi, DefaultHealthInterval)) {
				lastHealth = time.Now()
				if err := m.CheckHealthOnce(ctx); err != nil && ctx.Err() == nil {
					m.log.WarnContext(ctx, "health pass", "err", err)
				}
			}
		}
		stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-m.stop:
			return nil
		case <-t.C:
		}
	}
}
