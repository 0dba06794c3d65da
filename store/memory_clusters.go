package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
)

func clusterKind() kind[*cluster.Cluster] {
	return kind[*cluster.Cluster]{
		resource: resCluster,
		sortKeys: ClusterSortKeys(),
		name:     func(c *cluster.Cluster) string { return c.Name },
		clone:    (*cluster.Cluster).Clone,
		compare: func(key string, a, b *cluster.Cluster) int {
			switch key {
			case "uuid":
				return cmp.Compare(a.UUID, b.UUID)
			case "name":
				return cmp.Compare(a.Name, b.Name)
			case "status":
				return cmp.Compare(a.Status, b.Status)
			case "node_count":
				return cmp.Compare(a.NodeCount, b.NodeCount)
			case "master_count":
				return cmp.Compare(a.MasterCount, b.MasterCount)
			case "created_at":
				return a.CreatedAt.Compare(b.CreatedAt)
			case "updated_at":
				return compareTimePtr(a.UpdatedAt, b.UpdatedAt)
			}
			return 0
		},
	}
}

// matchCluster reports whether f selects c.
func matchCluster(f ClusterFilter, c *cluster.Cluster) bool {
	return (f.ProjectID == "" || c.ProjectID == f.ProjectID) &&
		(f.TemplateID == "" || c.ClusterTemplateID == f.TemplateID) &&
		(f.Name == "" || c.Name == f.Name) &&
		(len(f.Statuses) == 0 || slices.Contains(f.Statuses, c.Status))
}

func normCluster(c *cluster.Cluster) *cluster.Cluster {
	d := c.Clone()
	d.CreatedAt = NormalizeTime(d.CreatedAt)
	d.UpdatedAt = normTimePtr(d.UpdatedAt)
	return d
}

// CreateCluster implements Store.
func (m *Memory) CreateCluster(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup) error {
	return m.CreateClusterWithin(ctx, c, groups, Quota{})
}

// CreateClusterWithin implements Store.
func (m *Memory) CreateClusterWithin(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup, q Quota) error {
	if c.UUID == "" {
		return errNoUUID(resCluster)
	}
	if err := CheckNewGroups(c.UUID, groups); err != nil {
		return err
	}
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if _, ok := m.clusters.byUUID[c.UUID]; ok {
		return errTaken(resCluster, c.UUID)
	}
	if _, ok := m.templates.byUUID[c.ClusterTemplateID]; !ok {
		return errNoTemplate(c.ClusterTemplateID)
	}
	for _, g := range groups {
		if _, ok := m.groups.byUUID[g.UUID]; ok {
			return errTaken(resNodeGroup, g.UUID)
		}
	}
	if err := CheckQuota(q, c.ProjectID, c.UUID, m.use[c.ProjectID], ClusterUsage(c)); err != nil {
		return err
	}

	// Every check passed: nothing below can fail.
	rec := normCluster(c)
	rec.Revision = 1
	m.clusters.insert(rec.UUID, m.nextSeq(), rec)
	m.templateRefs[rec.ClusterTemplateID]++
	m.addUse(rec, 1)
	names := make(map[string]string, len(groups))
	m.groupNames[rec.UUID] = names
	recs := make([]*cluster.NodeGroup, len(groups))
	for i, g := range groups {
		gr := normGroup(g)
		gr.ClusterID = rec.UUID
		gr.Revision = 1
		m.groups.insert(gr.UUID, m.nextSeq(), gr)
		names[gr.Name] = gr.UUID
		recs[i] = gr
	}
	c.Revision, c.CreatedAt, c.UpdatedAt = rec.Revision, rec.CreatedAt, normTimePtr(rec.UpdatedAt)
	for i, g := range groups {
		g.ClusterID, g.Revision, g.CreatedAt, g.UpdatedAt = recs[i].ClusterID, recs[i].Revision, recs[i].CreatedAt, normTimePtr(recs[i].UpdatedAt)
	}
	return nil
}

// CheckNewGroups checks what CreateCluster can check of a new cluster's
// groups before touching storage: UUIDs present and distinct, names distinct,
// each group of that cluster (or of none yet). Implementations of Store call
// it so they report these problems alike.
func CheckNewGroups(clusterUUID string, groups []*cluster.NodeGroup) error {
	uuids := make(map[string]bool, len(groups))
	names := make(map[string]bool, len(groups))
	for _, g := range groups {
		if g.UUID == "" {
			return errNoUUID(resNodeGroup)
		}
		if g.ClusterID != "" && g.ClusterID != clusterUUID {
			return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resNodeGroup, ID: g.UUID, Field: "cluster_id",
				Reason: "the node group belongs to cluster " + g.ClusterID + ", not " + clusterUUID}
		}
		if uuids[g.UUID] {
			return errdefs.Conflict(resNodeGroup, g.UUID, "two node groups share this UUID")
		}
		if names[g.Name] {
			return errNameTaken(clusterUUID, g.Name)
		}
		uuids[g.UUID], names[g.Name] = true, true
	}
	return nil
}

func errNoTemplate(uuid string) error {
	return &errdefs.Error{Kind: errdefs.ErrNotFound, Resource: resTemplate, ID: uuid, Field: "cluster_template_id",
		Reason: "the cluster's template does not exist"}
}

func errNameTaken(clusterUUID, name string) error {
	return errdefs.Conflict(resNodeGroup, name, "cluster %s already has a node group named %q", clusterUUID, name)
}

// GetCluster implements Store.
func (m *Memory) GetCluster(ctx context.Context, uuid string) (*cluster.Cluster, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	e, ok := m.clusters.byUUID[uuid]
	if !ok {
		return nil, errdefs.NotFound(resCluster, uuid)
	}
	return e.rec.Clone(), nil
}

// FindCluster implements Store.
func (m *Memory) FindCluster(ctx context.Context, f ClusterFilter, ident string) (*cluster.Cluster, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	return find(&m.clusters, clusterKind(), func(c *cluster.Cluster) bool { return matchCluster(f, c) }, ident)
}

// ListClusters implements Store.
func (m *Memory) ListClusters(ctx context.Context, f ClusterFilter, p Page) ([]*cluster.Cluster, error) {
	if err := m.read(ctx); err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	return list(&m.clusters, clusterKind(), func(c *cluster.Cluster) bool { return matchCluster(f, c) }, p)
}

// CountClusters implements Store.
func (m *Memory) CountClusters(ctx context.Context, f ClusterFilter) (int, error) {
	if err := m.read(ctx); err != nil {
		return 0, err
	}
	defer m.mu.RUnlock()
	n := 0
	for _, e := range m.clusters.order {
		if matchCluster(f, e.rec) {
			n++
		}
	}
	return n, nil
}

// UpdateCluster implements Store.
func (m *Memory) UpdateCluster(ctx context.Context, c *cluster.Cluster) error {
	return m.UpdateClusterWithin(ctx, c, Quota{})
}

// UpdateClusterWithin implements Store.
func (m *Memory) UpdateClusterWithin(ctx context.Context, c *cluster.Cluster, q Quota) error {
	return m.UpdateClusterGroups(ctx, c, nil, q)
}

// UpdateClusterGroups implements Store.
func (m *Memory) UpdateClusterGroups(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup, q Quota) error {
	if err := CheckGroupUpdates(c.UUID, groups); err != nil {
		return err
	}
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	e, ok := m.clusters.byUUID[c.UUID]
	if !ok {
		return errdefs.NotFound(resCluster, c.UUID)
	}
	if c.Revision != e.rec.Revision {
		return errStale(resCluster, c.UUID, c.Revision, e.rec.Revision)
	}
	old := e.rec.ClusterTemplateID
	if c.ClusterTemplateID != old {
		if _, ok := m.templates.byUUID[c.ClusterTemplateID]; !ok {
			return errNoTemplate(c.ClusterTemplateID)
		}
	}
	names := m.groupNames[c.UUID]
	gents := make([]*entry[*cluster.NodeGroup], len(groups))
	for i, g := range groups {
		ge, ok := m.groups.byUUID[g.UUID]
		if !ok {
			return errdefs.NotFound(resNodeGroup, g.UUID)
		}
		if g.Revision != ge.rec.Revision {
			return errStale(resNodeGroup, g.UUID, g.Revision, ge.rec.Revision)
		}
		if ge.rec.ClusterID != c.UUID {
			return errMoveGroup(g.UUID)
		}
		if g.Name != ge.rec.Name {
			if _, taken := names[g.Name]; taken {
				return errNameTaken(c.UUID, g.Name)
			}
		}
		gents[i] = ge
	}
	add := UpdateUsage(e.rec.ProjectID, e.rec.NodeCount+e.rec.MasterCount, c)
	if err := CheckQuota(Quota{Nodes: q.Nodes}, c.ProjectID, c.UUID, m.use[c.ProjectID], add); err != nil {
		return err
	}

	// Every check passed: nothing below can fail.
	if c.ClusterTemplateID != old {
		m.templateRefs[old]--
		if m.templateRefs[old] == 0 {
			delete(m.templateRefs, old)
		}
		m.templateRefs[c.ClusterTemplateID]++
	}
	rec := normCluster(c)
	rec.Revision = e.rec.Revision + 1
	m.addUse(e.rec, -1)
	m.addUse(rec, 1)
	e.rec = rec
	// Free every old name before taking the new ones: a new name is no
	// other group's stored name, so it is free once renames are undone.
	for i, g := range groups {
		if g.Name != gents[i].rec.Name {
			delete(names, gents[i].rec.Name)
		}
	}
	grecs := make([]*cluster.NodeGroup, len(groups))
	for i, g := range groups {
		gr := normGroup(g)
		gr.Revision = gents[i].rec.Revision + 1
		names[gr.Name] = gr.UUID
		gents[i].rec = gr
		grecs[i] = gr
	}
	c.Revision, c.CreatedAt, c.UpdatedAt = rec.Revision, rec.CreatedAt, normTimePtr(rec.UpdatedAt)
	for i, g := range groups {
		g.Revision, g.CreatedAt, g.UpdatedAt = grecs[i].Revision, grecs[i].CreatedAt, normTimePtr(grecs[i].UpdatedAt)
	}
	return nil
}

// CheckGroupUpdates checks what UpdateClusterGroups can check of the groups
// to update with cluster clusterUUID before touching storage: UUIDs present
// and distinct, each group's ClusterID clusterUUID (an empty one is not),
// new names distinct. Implementations of Store call it so they report these
// problems alike.
func CheckGroupUpdates(clusterUUID string, groups []*cluster.NodeGroup) error {
	uuids := make(map[string]bool, len(groups))
	names := make(map[string]bool, len(groups))
	for _, g := range groups {
		if g.UUID == "" {
			return errNoUUID(resNodeGroup)
		}
		if g.ClusterID == "" || g.ClusterID != clusterUUID {
			return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resNodeGroup, ID: g.UUID, Field: "cluster_id",
				Reason: "the node group's cluster_id is " + strconv.Quote(g.ClusterID) + ", not the updated cluster " + strconv.Quote(clusterUUID)}
		}
		if uuids[g.UUID] {
			return &errdefs.Error{Kind: errdefs.ErrInvalid, Resource: resNodeGroup, ID: g.UUID, Field: "uuid",
				Reason: "the node group is given twice"}
		}
		if names[g.Name] {
			return errNameTaken(clusterUUID, g.Name)
		}
		uuids[g.UUID], names[g.Name] = true, true
	}
	return nil
}

// DeleteCluster implements Store.
func (m *Memory) DeleteCluster(ctx context.Context, uuid string, revision int64) error {
	if err := m.write(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	e, ok := m.clusters.byUUID[uuid]
	if !ok {
		return errdefs.NotFound(resCluster, uuid)
	}
	if err := checkRevision(resCluster, uuid, revision, e.rec.Revision); err != nil {
		return err
	}
	for _, g := range m.groupNames[uuid] {
		m.groups.remove(g)
	}
	delete(m.groupNames, uuid)
	tmpl := e.rec.ClusterTemplateID
	m.templateRefs[tmpl]--
	if m.templateRefs[tmpl] == 0 {
		delete(m.templateRefs, tmpl)
	}
	m.addUse(e.rec, -1)
	m.clusters.remove(uuid)
	return nil
}
