package magnum

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/k8s"
	"github.com/gomagnum/magnum/mesos"
	"github.com/gomagnum/magnum/openstack"
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

	// Orchestrator is the Heat the Heat-backed drivers build clusters on
	// (an *openstack.Orchestrator, or a fake's). Nil: cluster operations of
	// those drivers fail with ErrUnavailable; templates still work.
	Orchestrator heat.Orchestrator
	// StackTag marks the stacks this Manager creates (with each cluster's
	// UUID), so one list call finds them all. Programs sharing a Heat
	// project but not a store need different tags. Empty: "gomagnum".
	StackTag string
	// Resources checks a new cluster's cloud resources (image, flavors,
	// keypair, networks) before anything is created; *openstack.Cloud
	// implements it. Nil: not checked.
	Resources ResourceChecker
	// Certs keeps the clusters' certificate authorities. Nil: an in-memory
	// certs.Manager with DefaultCertPolicy, which does not survive the process — pass one over
	// durable storage (sqlstore.RecordTable) in production.
	Certs *certs.Manager
	// Nodes is how cluster nodes reach back: the certificate API's URL,
	// Keystone's, and the trustee credentials they use.
	Nodes driver.NodeAccess
	// Trustees, when set, gives every cluster a trustee of its own
	// (KeystoneTrustees): created before the cluster's stack, handed to its
	// nodes instead of Nodes.Trustee, deleted with the cluster. Nil: all
	// clusters' nodes use Nodes.Trustee.
	Trustees TrusteeProvider
	// Quota bounds each project's clusters and nodes, atomically across
	// every Manager sharing the store. Nil: Magnum's default, 20 clusters
	// per project; &store.Quota{} removes the limits.
	Quota *store.Quota
	// SyncInterval is the pause between Run's status-sync ticks (0: 10s).
	SyncInterval time.Duration
	// HealthInterval is the pause between Run's health passes
	// (CheckHealthOnce), made while it holds the sync lease (0: 60s;
	// negative: no health polling).
	HealthInterval time.Duration
	// ResumeAfter is how long a cluster operation may show no progress in
	// the cloud before sync repeats it, assuming its process crashed
	// before reaching the cloud (0: 1 minute). Operations of this Manager
	// that are still running are never repeated.
	ResumeAfter time.Duration
	// OperationTimeout is the watchdog of updates and deletes: one still in
	// progress after this long is marked failed (0: 2 hours). Creates are
	// bounded by Heat with the cluster's create_timeout.
	OperationTimeout time.Duration
	// PreDeleteTimeout bounds a driver's cleanup before each delete attempt
	// (driver.PreDeleter); the delete goes on when it runs out (0: 5
	// minutes).
	PreDeleteTimeout time.Duration
	// Host names this Manager in the service list and holds its store
	// leases; Managers sharing a store need different ones. Empty:
	// hostname/pid/random.
	Host string
	// ServiceDownTime is how old a heartbeat may be before the service
	// shows as down (0: Magnum's 180s).
	ServiceDownTime time.Duration
}

// ResourceChecker verifies the cloud resources a cluster will use;
// *openstack.Cloud implements it.
type ResourceChecker interface {
	CheckResources(ctx context.Context, r openstack.Resources) error
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

	cfg     Config
	certs   *certs.Manager
	backend *heat.Backend
	quota   store.Quota

	bg        sync.WaitGroup // background operations
	opSlots   chan struct{}  // one per background operation running (backgroundParallel)
	stop      chan struct{}  // closed by Close
	closeOnce sync.Once
	active    activeSet // clusters with an operation running here
	elsewhere busyElsewhere
	leases    *leaseKeeper
	events    eventHub
	hostName  string
}

// DefaultCertPolicy is the certificate policy the built-in drivers' nodes
// need: certs.DefaultPolicy, with client usage for the trustee's Swarm
// manager certificate (swarm.ManagerCommonName), which serves the Docker
// API and drives the nodes' engines with one certificate. Kubernetes nodes
// need nothing more (list "kubernetes" in TrusteeClientNames for kubectl
// logs/exec; see package k8s). Programs that make their own certs.Manager
// pass it, or their own policy, in certs.Config.Policy.
func DefaultCertPolicy() certs.Policy {
	return certs.DefaultPolicy{TrusteeClientNames: []string{swarm.ManagerCommonName}}
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
		cfg:       cfg,
		certs:     cfg.Certs,
		stop:      make(chan struct{}),
		opSlots:   make(chan struct{}, backgroundParallel),
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
	if m.certs == nil {
		cm, err := certs.New(certs.Config{Policy: DefaultCertPolicy()})
		if err != nil {
			return nil, err
		}
		m.certs = cm
	}
	m.hostName = cfg.Host
	if m.hostName == "" {
		m.hostName = defaultHost()
	}
	m.quota = store.Quota{Clusters: store.AtMost(DefaultClustersPerProject)}
	if cfg.Quota != nil {
		m.quota = *cfg.Quota
	}
	if cfg.Orchestrator != nil {
		m.backend = heat.NewBackend(cfg.Orchestrator, heat.BackendConfig{Tag: cfg.StackTag})
	}
	m.leases = newLeaseKeeper(m.store, m.hostName, m.nowUTC, m.log, m.stop)
	return m, nil
}

// DefaultClustersPerProject is Magnum's default cluster quota.
const DefaultClustersPerProject = 20

// Close releases what the Manager opened itself (the default in-memory
// store). A store passed in Config is left open.
func (m *Manager) Close() error {
	m.closeOnce.Do(func() { close(m.stop) })
	m.bg.Wait()
	m.leases.close()
	if m.ownStore {
		return m.store.Close()
	}
	return nil
}

// Drain waits until the cloud steps this Manager started in the
// background (the stack create after CreateCluster, the update after a
// resize, the delete after DeleteCluster) have run, or ctx ends. A
// short-lived program — a CLI command — calls it before exiting, so that
// its steps reach the cloud now rather than being repeated by a later sync.
func (m *Manager) Drain(ctx context.Context) error {
	if m.active.empty() {
		return nil
	}
	done := make(chan struct{})
	go func() {
		m.bg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		select {
		case <-done: // finished as ctx ended: nothing is left undone
			return nil
		default:
			return ctx.Err()
		}
	}
}

// Drivers returns the driver registry the Manager uses.
func (m *Manager) Drivers() *driver.Registry { return m.drivers }

// Store returns the store the Manager uses.
func (m *Manager) Store() store.Store { return m.store }

func (m *Manager) nowUTC() time.Time { return m.now().UTC() }
