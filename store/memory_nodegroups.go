package store

import (
	"cmp"
	"context"
	"slices"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
)

func nodeGroupKind() kind[*cluster.NodeGroup] {
	return kind[*cluster.NodeGroup]{
		resource: resNodeGroup,
		sortKeys: NodeGroupSortKeys(),
		name:     func(g *cluster.NodeGroup) string { return g.Name },
		clone:    (*cluster.NodeGroup).Clone,
		compare: func(key string, a, b *cluster.NodeGroup) int {
			switch key {
			case "uuid":
				return cmp.Compare(a.UUID, b.UUID)
			case "name":
				return cmp.Compare(a.Name, b.Name)
			case "role":
				return cmp.Compare(a.Role, b.Role)
			case "node_count":
				return cmp.Compare(a.NodeCount, b.NodeCount)
			case "created_at":
				return a.CreatedAt.Compare(b.CreatedAt)
			case "updated_at":
				return compareTimePtr(a.UpdatedAt, b.UpdatedAt)
			}
			return 0
		},
	}
}

// matchNodeGroup reports whether f selects g.
func matchNodeGroup(f NodeGroupFilter, g *cluster.NodeGroup) bool {
	return (f.ClusterID == "" || g.ClusterID == f.ClusterID) &&
		(f.ProjectID == "" || g.ProjectID == f.ProjectID) &&
		(f.Role == "" || g.Role == f.Role) &&
		(f.IsDefault == nil || g.IsDefault == *f.IsDefault) &&
		(len(f.Statuses) == 0 || slices.Contains(f.Statuses, g.Status))
}

func normGroup(g *cluster.NodeGroup) *cluster.NodeGroup {
	d := g.Clone()
	d.CreatedAt = NormalizeTime(d.CreatedAt)
	d.UpdatedAt = normTimePtr(d.UpdatedAt)
	return d
}

// CreateNodeGroup implements Store.
func (m *Memory) CreateNodeGroup(ctx context.Context, g *cluster.NodeGroup) error {
	if g.UUID == "" {
		return errNoUUID(resNodeGroup)
	}
	if g.ClusterID == "" {
		return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resNodeGroup, ID: g.UUID, Field: "cluster_id",
			Reason: "a node group needs its cluster's UUID"}
	}
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if _, ok := m.clusters.byUUID[g.ClusterID]; !ok {
		return errdefs.NotFound(resCluster, g.ClusterID)
	}
	if _, ok := m.groups.byUUID[g.UUID]; ok {
		return errTaken(resNodeGroup, g.UUID)
	}
	names := m.groupNames[g.ClusterID]
	if _, ok := names[g.Name]; ok {
		return errNameTaken(g.ClusterID, g.Name)
	}
	rec := normGroup(g)
	rec.Revision = 1
	m.groups.insert(rec.UUID, m.nextSeq(), rec)
	names[rec.Name] = rec.UUID
	g.Revision, g.CreatedAt, g.UpdatedAt = rec.Revision, rec.CreatedAt, normTimePtr(rec.UpdatedAt)
	return nil
}

// GetNodeGroup implements Store.
func (m *Memory) GetNodeGroup(ctx context.Context, uuid string) (*cluster.NodeGroup, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	e, ok := m.groups.byUUID[uuid]
	if !ok {
		return nil, errdefs.NotFound(resNodeGroup, uuid)
	}
	return e.rec.Clone(), nil
}

// FindNodeGroup implements Store.
func (m *Memory) FindNodeGroup(ctx context.Context, clusterUUID, ident string) (*cluster.NodeGroup, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	names, ok := m.groupNames[clusterUUID]
	if !ok {
		return nil, errdefs.NotFound(resCluster, clusterUUID)
	}
	if e, ok := m.groups.byUUID[ident]; ok && e.rec.ClusterID == clusterUUID {
		return e.rec.Clone(), nil
	}
	if u, ok := names[ident]; ok && ident != "" {
		return m.groups.byUUID[u].rec.Clone(), nil
	}
	return nil, errdefs.NotFound(resNodeGroup, ident)
}

// ListNodeGroups implements Store.
func (m *Memory) ListNodeGroups(ctx context.Context, f NodeGroupFilter, p Page) ([]*cluster.NodeGroup, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	return list(&m.groups, nodeGroupKind(), func(g *cluster.NodeGroup) bool { return matchNodeGroup(f, g) }, p)
}

// UpdateNodeGroup implements Store.
func (m *Memory) UpdateNodeGroup(ctx context.Context, g *cluster.NodeGroup) error {
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	e, ok := m.groups.byUUID[g.UUID]
	if !ok {
		return errdefs.NotFound(resNodeGroup, g.UUID)
	}
	if g.Revision != e.rec.Revision {
		return errStale(resNodeGroup, g.UUID, g.Revision, e.rec.Revision)
	}
	if g.ClusterID != e.rec.ClusterID {
		return errMoveGroup(g.UUID)
	}
	names := m.groupNames[g.ClusterID]
	if g.Name != e.rec.Name {
		if _, ok := names[g.Name]; ok {
			return errNameTaken(g.ClusterID, g.Name)
		}
		delete(names, e.rec.Name)
		names[g.Name] = g.UUID
	}
	rec := normGroup(g)
	rec.Revision = e.rec.Revision + 1
	e.rec = rec
	g.Revision, g.CreatedAt, g.UpdatedAt = rec.Revision, rec.CreatedAt, normTimePtr(rec.UpdatedAt)
	return nil
}

func errMoveGroup(uuid string) error {
	return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resNodeGroup, ID: uuid, Field: "cluster_id",
		Reason: "a node group cannot move to another cluster"}
}

// DeleteNodeGroup implements Store.
func (m *Memory) DeleteNodeGroup(ctx context.Context, uuid string, revision int64) error {
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	e, ok := m.groups.byUUID[uuid]
	if !ok {
		return errdefs.NotFound(resNodeGroup, uuid)
	}
	if err := checkRevision(resNodeGroup, uuid, revision, e.rec.Revision); err != nil {
		return err
	}
	delete(m.groupNames[e.rec.ClusterID], e.rec.Name)
	m.groups.remove(uuid)
	return nil
}
