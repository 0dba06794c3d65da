package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/template"
)

// Resource names the stores use in their errors.
const (
	resTemplate  = "clustertemplate"
	resCluster   = "cluster"
	resNodeGroup = "nodegroup"
)

// Memory is a Store that keeps everything in memory, for tests and
// short-lived programs. It is safe for concurrent use; one lock serialises
// writes, so every multi-record rule (templates in use, cascades, unique
// node-group names, quotas) holds atomically. Its contents vanish with it.
type Memory struct {
	mu     sync.RWMutex
	closed bool
	seq    int64 // the last creation sequence number handed out

	templates table[*template.ClusterTemplate]
	clusters  table[*cluster.Cluster]
	groups    table[*cluster.NodeGroup]

	// templateRefs counts the clusters built from each template UUID.
	templateRefs map[string]int
	// groupNames maps a cluster UUID to its groups' names and UUIDs.
	groupNames map[string]map[string]string
	// use is what each project holds, as quotas count it.
	use map[string]Usage

	services map[serviceKey]*Service
	leases   map[string]memLease

	quotas   table[*QuotaRecord] // keyed by the decimal ID
	quotaIDs map[quotaKey]int64
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{
		templates:    newTable[*template.ClusterTemplate](),
		clusters:     newTable[*cluster.Cluster](),
		groups:       newTable[*cluster.NodeGroup](),
		templateRefs: map[string]int{},
		groupNames:   map[string]map[string]string{},
		use:          map[string]Usage{},
		services:     map[serviceKey]*Service{},
		leases:       map[string]memLease{},
		quotas:       newTable[*QuotaRecord](),
		quotaIDs:     map[quotaKey]int64{},
	}
}

// Close empties the store. Later calls fail with errdefs.ErrUnavailable.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.templates = newTable[*template.ClusterTemplate]()
	m.clusters = newTable[*cluster.Cluster]()
	m.groups = newTable[*cluster.NodeGroup]()
	m.templateRefs = map[string]int{}
	m.groupNames = map[string]map[string]string{}
	m.use = map[string]Usage{}
	m.services = map[serviceKey]*Service{}
	m.leases = map[string]memLease{}
	m.quotas = newTable[*QuotaRecord]()
	m.quotaIDs = map[quotaKey]int64{}
	return nil
}

// read takes the read lock after checking ctx and that the store is open.
// On success the caller must call m.mu.RUnlock.
func (m *Memory) read(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	m.mu.RLock()
	if m.closed {
		m.mu.RUnlock()
		return errClosed()
	}
	return nil
}

// write takes the write lock after checking ctx and that the store is open.
// On success the caller must call m.mu.Unlock.
func (m *Memory) write(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return errClosed()
	}
	// The context may have ended while we waited for the lock.
	if err := ctx.Err(); err != nil {
		m.mu.Unlock()
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func (m *Memory) nextSeq() int64 {
	m.seq++
	return m.seq
}

// addUse adds the use of cluster c, times sign (1 or -1), to its
// project's.
func (m *Memory) addUse(c *cluster.Cluster, sign int) {
	u, d := m.use[c.ProjectID], ClusterUsage(c)
	u.Clusters += sign * d.Clusters
	u.Nodes += sign * d.Nodes
	if u == (Usage{}) {
		delete(m.use, c.ProjectID)
		return
	}
	m.use[c.ProjectID] = u
}

func errClosed() error {
	return &errdefs.Error{Kind: errdefs.ErrUnavailable, Reason: "the store is closed"}
}

func errNoUUID(resource string) error {
	return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resource, Field: "uuid", Reason: "a record needs a UUID"}
}

func errTaken(resource, uuid string) error {
	return errdefs.Conflict(resource, uuid, "a %s with this UUID already exists", resource)
}

func errStale(resource, uuid string, given, stored int64) error {
	return errdefs.Conflict(resource, uuid, "revision %d is stale: the record is at revision %d", given, stored)
}

// checkRevision reports a conflict unless given is 0 (skip) or equals stored.
func checkRevision(resource, uuid string, given, stored int64) error {
	if given != 0 && given != stored {
		return errStale(resource, uuid, given, stored)
	}
	return nil
}

func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := NormalizeTime(*t)
	return &v
}
