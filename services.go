package magnum

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
)

// ServiceBinary is the binary name Managers heart-beat under.
const ServiceBinary = "gomagnum-manager"

// DefaultServiceDownTime is Magnum's service_down_time.
const DefaultServiceDownTime = 180 * time.Second

// Service is a Manager seen through the shared store (Magnum's
// "mservice"): up while its heartbeats are recent.
type Service struct {
	store.Service
	State string `json:"state"` // "up" or "down"
}

// host names this Manager in the service list and in store leases.
func (m *Manager) host() string { return m.hostName }

// defaultHost is hostname/pid/random: unique per Manager, even for several
// in one process.
func defaultHost() string {
	h, err := os.Hostname()
	if err != nil {
		h = "localhost"
	}
	return fmt.Sprintf("%s/%d/%04x", h, os.Getpid(), rand.Uint32()&0xffff)
}

// heartbeat records that this Manager is alive.
func (m *Manager) heartbeat(ctx context.Context) {
	s := &store.Service{Host: m.host(), Binary: ServiceBinary}
	if err := m.store.HeartbeatService(ctx, s, m.nowUTC()); err != nil && ctx.Err() == nil {
		m.log.WarnContext(ctx, "heartbeat", "err", err)
	}
}

// ListServices lists the Managers that heart-beat into the store (Run does,
// once per tick) with their state: down when disabled or silent for longer
// than Config.ServiceDownTime. Admins only.
func (m *Manager) ListServices(ctx context.Context) ([]Service, error) {
	c, err := m.caller(ctx)
	if err != nil {
		return nil, err
	}
	if !c.Admin {
		return nil, &errdefs.Error{Kind: errdefs.ErrForbidden, Resource: "service", Reason: "the service list is for admins"}
	}
	if err := m.authorize(ctx, c, policy.AllProjects, policy.Target{}, "service", ""); err != nil {
		return nil, err
	}
	ss, err := m.store.ListServices(ctx)
	if err != nil {
		return nil, err
	}
	down := orDefault(m.cfg.ServiceDownTime, DefaultServiceDownTime)
	now := m.nowUTC()
	out := make([]Service, len(ss))
	for i, s := range ss {
		out[i] = Service{Service: *s, State: "up"}
		if s.Disabled || now.Sub(s.UpdatedAt) > down {
			out[i].State = "down"
		}
	}
	return out, nil
}
