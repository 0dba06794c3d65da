package magnum

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// DefaultHealthInterval is the pause between health passes (Magnum's
// [kubernetes] health_polling_interval).
const DefaultHealthInterval = 60 * time.Second

// Bounds of a health pass.
const (
	// healthParallel bounds the clusters polled at once.
	healthParallel = 8
	// healthPollTimeout bounds the poll of one cluster (the driver bounds
	// each of its requests more tightly).
	healthPollTimeout = 30 * time.Second
	// healthWriteRetries bounds the re-reads of a cluster whose record
	// changed while its health was written.
	healthWriteRetries = 5
)

// healthTarget is one cluster of a health pass.
type healthTarget struct {
	c *cluster.Cluster
	t *template.ClusterTemplate
	d driver.HealthChecker
}

// CheckHealthOnce runs one health pass over every project: each settled
// (*_COMPLETE) cluster whose driver can poll health (driver.HealthChecker)
// is polled, a few at a time and each within a deadline, and its
// health_status and health_status_reason are recorded. Clusters whose
// labels say something inside them reports health itself (Kubernetes:
// auto_healing_enabled=true with auto_healing_controller=magnum-auto-healer)
// are skipped; such a reporter patches health through UpdateCluster.
//
// Only the health fields are written, at the revision just read, so no
// concurrent change is lost; and a report that arrived while the poll ran
// (the health fields changed meanwhile) is kept rather than overwritten. A
// cluster that left its settled status during the poll is not written. The
// error joins what went wrong with the store; a cluster that cannot be
// reached is not an error but UNKNOWN.
func (m *Manager) CheckHealthOnce(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-m.stop: // Close ends a pass under way
			cancel()
		case <-ctx.Done():
		}
	}()

	targets, err := m.healthTargets(ctx)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(healthParallel)
	errs := make([]error, len(targets))
	for i, it := range targets {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			errs[i] = m.checkHealth(gctx, it)
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// settledStatuses are the statuses a health pass polls.
func settledStatuses() []cluster.Status {
	var out []cluster.Status
	for _, s := range cluster.Statuses() {
		if s.Complete() {
			out = append(out, s)
		}
	}
	return out
}

// healthTargets lists the clusters of a pass with their templates and
// drivers, without those that are not polled.
func (m *Manager) healthTargets(ctx context.Context) ([]healthTarget, error) {
	cs, err := m.store.ListClusters(ctx, store.ClusterFilter{Statuses: settledStatuses()}, store.Page{})
	if err != nil {
		return nil, fmt.Errorf("health pass: list clusters: %w", err)
	}
	tpls := map[string]*template.ClusterTemplate{}
	var out []healthTarget
	for _, c := range cs {
		t, ok := tpls[c.ClusterTemplateID]
		if !ok {
			t, err = m.store.GetTemplate(ctx, c.ClusterTemplateID)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				m.log.WarnContext(ctx, "health pass: template", "cluster", c.UUID, "err", err)
				t = nil
			}
			tpls[c.ClusterTemplateID] = t
		}
		if t == nil {
			continue
		}
		// The driver as registered: a backend adapter (heat.Backend) would
		// hide the optional ability.
		d, err := m.drivers.Lookup(driver.Tuple{ServerType: t.ServerType, OSDistro: t.ClusterDistro, COE: t.COE})
		if err != nil {
			continue
		}
		hc, ok := d.(driver.HealthChecker)
		if !ok {
			continue
		}
		l := c.Labels
		if l == nil {
			l = t.Labels
		}
		if hc.ReportsOwnHealth(l) {
			m.log.DebugContext(ctx, "health pass: reported by the cluster itself", "cluster", c.UUID)
			continue
		}
		out = append(out, healthTarget{c: c, t: t, d: hc})
	}
	return out, nil
}

// checkHealth polls one cluster and records the result.
func (m *Manager) checkHealth(ctx context.Context, it healthTarget) error {
	c := it.c
	groups, err := m.groups(ctx, c.UUID)
	if err != nil {
		return m.healthErr(ctx, c, "node groups", err)
	}
	req := &driver.HealthRequest{Template: it.t, Cluster: c.Clone(), NodeGroups: groups}
	// Without certificates an https API cannot be polled; the driver then
	// answers UNKNOWN with the reason. Other failures leave the health as
	// it is.
	req.CA, err = m.certs.CA(ctx, c.UUID, certs.CAKubernetes)
	if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return m.healthErr(ctx, c, "cluster CA", err)
	}
	req.Client, err = m.certs.ClientKeyPair(ctx, c.UUID)
	if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return m.healthErr(ctx, c, "client certificate", err)
	}
	pctx, cancel := context.WithTimeout(ctx, healthPollTimeout)
	h := it.d.CheckHealth(pctx, req)
	cancel()
	if ctx.Err() != nil {
		return nil // the pass ends; an interrupted poll says nothing
	}
	if h.Status == "" {
		h.Status = cluster.Unknown
	}
	written, err := m.writeHealth(ctx, c, h)
	if err != nil {
		return m.healthErr(ctx, c, "write", err)
	}
	m.log.DebugContext(ctx, "health polled", "cluster", c.UUID, "health", h.Status, "written", written)
	return nil
}

// healthErr logs and wraps a failure to poll or record one cluster.
func (m *Manager) healthErr(ctx context.Context, c *cluster.Cluster, what string, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	m.log.WarnContext(ctx, "health pass", "cluster", c.UUID, "step", what, "err", err)
	return fmt.Errorf("health of cluster %s: %s: %w", c.UUID, what, err)
}

// writeHealth records h for the cluster polled as base. It writes nothing
// when the cluster is gone or no longer settled, when its health changed
// since base was read (a newer report), or when h is what is recorded. On
// a revision conflict it re-reads and tries again.
func (m *Manager) writeHealth(ctx context.Context, base *cluster.Cluster, h driver.Health) (bool, error) {
	for attempt := 1; ; attempt++ {
		c, err := m.store.GetCluster(ctx, base.UUID)
		if errors.Is(err, errdefs.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch {
		case !c.Status.Complete():
			return false, nil
		case c.HealthStatus != base.HealthStatus || !maps.Equal(c.HealthStatusReason, base.HealthStatusReason):
			return false, nil
		case c.HealthStatus == h.Status && maps.Equal(c.HealthStatusReason, h.Reasons):
			return false, nil
		}
		c.HealthStatus, c.HealthStatusReason = h.Status, maps.Clone(h.Reasons)
		now := m.nowUTC()
		c.UpdatedAt = &now
		err = m.store.UpdateCluster(ctx, c)
		if errors.Is(err, errdefs.ErrConflict) && attempt < healthWriteRetries {
			continue
		}
		return err == nil, err
	}
}
