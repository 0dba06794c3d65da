package magnum

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/swarm"
)

// Config configures a Manager. The zero value is useful: an in-memory store,
// the built-in drivers, Magnum's default policy, silence, the system clock.
type Config struct {
	// Store persists records. Nil: a new in-memory store, closed by
	// Manager.Close. A store passed here is the caller's to close.
	Store store.Store
	// Drivers serve the (server type, distro, COE) tuples. Nil: a registry
	// of the built-in drivers (DefaultDrivers).
	Drivers *driver.Registry
	// Policy decides what callers may do. Nil: policy.Default (Magnum's).
	Policy policy.Policy
	// Logger receives the Manager's logs. Nil: nothing is logged.
	Logger *slog.Logger
	// Clock returns the current time. Nil: time.Now.
	Clock func() time.Time
	// NewUUID makes record UUIDs. Nil: random (version 4) UUIDs.
	NewUUID func() string
	// NewName makes a name for a record created without one, given the
	// resource kind ("template", "cluster"). Nil: Magnum-style random names
	// such as "zeta-7-template".
	NewName func(kind string) string
	// DefaultCaller acts for calls whose context carries no policy.Caller.
	// Nil: such calls fail with errdefs.ErrForbidden, so a multi-tenant
	// program cannot forget to say who is asking.
	DefaultCaller *policy.Caller
	// Images tells a template image's OS distro (Glance's os_distro
	// property). Nil: the template's cluster_distro is taken as given, and
	// is then required.
	Images ImageInspector
}

// ImageInspector looks up what gomagnum needs to know of an image.
type ImageInspector interface {
	// OSDistro returns the image's os_distro property. A missing image is
	// errdefs.ErrNotFound; an image without the property returns "".
	OSDistro(ctx context.Context, image string) (string, error)
}

// Manager is the façade users hold: it runs template and cluster lifecycles
// against a store, drivers and a cloud. It is safe for concurrent use.
type Manager struct {
	store     store.Store
	ownStore  bool
	drivers   *driver.Registry
	policy    policy.Policy
	log       *slog.Logger
	now       func() time.Time
	newUUID   func() string
	newName   func(string) string
	defCaller *policy.Caller
	images    ImageInspector
}

// DefaultDrivers returns a new registry of the built-in drivers: Kubernetes
// on Fedora Atomic and CoreOS, Docker Swarm, and Mesos.
func DefaultDrivers() (*driver.Registry, error) {
	return driver.NewRegistry(k8s.NewFedoraAtomic(), k8s.NewCoreOS(), swarm.New(), mesos.New())
}

// New returns a Manager built from cfg.
func New(cfg Config) (*Manager, error) {
	m := &Manager{
		store:     cfg.Store,
		drivers:   cfg.Drivers,
		policy:    cfg.Policy,
		log:       cfg.Logger,
		now:       cfg.Clock,
		newUUID:   cfg.NewUUID,
		newName:   cfg.NewName,
		defCaller: cfg.DefaultCaller,
		images:    cfg.Images,
	}
	if m.store == nil {
		m.store, m.ownStore = store.NewMemory(), true
	}
	if m.drivers == nil {
		reg, err := DefaultDrivers()
		if err != nil {
			return nil, err
		}
		m.drivers = reg
	}
	if m.policy == nil {
		m.policy = policy.Default{}
	}
	if m.log == nil {
		m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.newUUID == nil {
		m.newUUID = uuid.NewString
	}
	if m.newName == nil {
		m.newName = randomName
	}
	return m, nil
}

// Close releases what the Manager opened itself (the default in-memory
// store). A store passed in Config is left open.
func (m *Manager) Close() error {
	if m.ownStore {
		return m.store.Close()
	}
	return nil
}

// Drivers returns the driver registry the Manager uses.
func (m *Manager) Drivers() *driver.Registry { return m.drivers }

// Store returns the store the Manager uses.
func (m *Manager) Store() store.Store { return m.store }

func (m *Manager) nowUTC() time.Time { return m.now().UTC() }
