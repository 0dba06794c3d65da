package sqlstore

import (
	"context"
	"database/sql"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

const nodeGroupsTable = "node_groups"

func nodeGroupTable() table[*cluster.NodeGroup] {
	return table[*cluster.NodeGroup]{
		name:     nodeGroupsTable,
		resource: resNodeGroup,
		sortKeys: store.NodeGroupSortKeys(),
		decode: func(rev int64, body string) (*cluster.NodeGroup, error) {
			var b nodeGroupBody
			if err := decodeBody(resNodeGroup, body, &b); err != nil {
				return nil, err
			}
			return b.model(rev), nil
		},
	}
}

// nodeGroupConds is NodeGroupFilter in SQL.
func nodeGroupConds(f store.NodeGroupFilter) []cond {
	var cs []cond
	if f.ClusterID != "" {
		cs = append(cs, eq("cluster_id", f.ClusterID))
	}
	if f.ProjectID != "" {
		cs = append(cs, eq("project_id", f.ProjectID))
	}
	if f.Role != "" {
		cs = append(cs, eq("role", f.Role))
	}
	if f.IsDefault != nil {
		cs = append(cs, eq("is_default", *f.IsDefault))
	}
	if len(f.Statuses) > 0 {
		cs = append(cs, in("status", statusStrings(f.Statuses)))
	}
	return cs
}

func (s *Store) insertNodeGroup(ctx context.Context, tx *sql.Tx, b *nodeGroupBody, body string) error {
	q := newQuery(s.d)
	q.add("INSERT INTO "+nodeGroupsTable+
		" (uuid, cluster_id, project_id, name, role, is_default, status, node_count, created_at, updated_at, revision, body)"+
		" VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
		b.UUID, b.ClusterID, b.ProjectID, b.Name, b.Role, b.IsDefault, b.Status, b.NodeCount,
		timeColumn(b.CreatedAt), timePtrColumn(b.UpdatedAt), int64(1), body)
	_, err := s.exec(ctx, tx, q)
	return err
}

// CreateNodeGroup implements store.Store.
func (s *Store) CreateNodeGroup(ctx context.Context, g *cluster.NodeGroup) error {
	if g.UUID == "" {
		return errNoUUID(resNodeGroup)
	}
	if g.ClusterID == "" {
		return errNoCluster(g.UUID)
	}
	b := nodeGroupToBody(g)
	body, err := encodeBody(resNodeGroup, b)
	if err != nil {
		return err
	}
	err = s.write(ctx, "create node group", func(tx *sql.Tx) error {
		ok, err := s.exists(ctx, tx, clustersTable, eq("uuid", g.ClusterID))
		if err != nil {
			return err
		}
		if !ok {
			return errdefs.NotFound(resCluster, g.ClusterID)
		}
		taken, err := s.exists(ctx, tx, nodeGroupsTable, eq("uuid", g.UUID))
		if err != nil {
			return err
		}
		if taken {
			return errTaken(resNodeGroup, g.UUID)
		}
		taken, err = s.exists(ctx, tx, nodeGroupsTable, eq("cluster_id", g.ClusterID), eq("name", g.Name))
		if err != nil {
			return err
		}
		if taken {
			return errNameTaken(g.ClusterID, g.Name)
		}
		err = s.insertNodeGroup(ctx, tx, &b, body)
		if err != nil && s.d.classify(err) == errForeignKey { // the cluster went in between (PostgreSQL)
			return errdefs.NotFound(resCluster, g.ClusterID)
		}
		return err
	})
	if err != nil {
		return err
	}
	g.Revision, g.CreatedAt, g.UpdatedAt = 1, b.CreatedAt, normTimePtr(b.UpdatedAt)
	return nil
}

// GetNodeGroup implements store.Store.
func (s *Store) GetNodeGroup(ctx context.Context, uuid string) (*cluster.NodeGroup, error) {
	return get(ctx, s, nodeGroupTable(), uuid)
}

// FindNodeGroup implements store.Store.
func (s *Store) FindNodeGroup(ctx context.Context, clusterUUID, ident string) (*cluster.NodeGroup, error) {
	var out *cluster.NodeGroup
	err := s.read(ctx, "find node group", func(tx *sql.Tx) error {
		ok, err := s.exists(ctx, tx, clustersTable, eq("uuid", clusterUUID))
		if err != nil {
			return err
		}
		if !ok {
			return errdefs.NotFound(resCluster, clusterUUID)
		}
		if ident == "" {
			return errdefs.NotFound(resNodeGroup, ident)
		}
		out, err = findTx(ctx, s, tx, nodeGroupTable(), []cond{eq("cluster_id", clusterUUID)}, ident)
		return err
	})
	return out, err
}

// ListNodeGroups implements store.Store.
func (s *Store) ListNodeGroups(ctx context.Context, f store.NodeGroupFilter, p store.Page) ([]*cluster.NodeGroup, error) {
	return list(ctx, s, nodeGroupTable(), nodeGroupConds(f), p)
}

// UpdateNodeGroup implements store.Store.
func (s *Store) UpdateNodeGroup(ctx context.Context, g *cluster.NodeGroup) error {
	b := nodeGroupToBody(g)
	body, err := encodeBody(resNodeGroup, b)
	if err != nil {
		return err
	}
	err = s.write(ctx, "update node group", func(tx *sql.Tx) error {
		rev, err := s.lockGroupForUpdate(ctx, tx, g)
		if err != nil {
			return err
		}
		return s.updateNodeGroupRow(ctx, tx, &b, body, rev)
	})
	if err != nil {
		return err
	}
	g.Revision, g.CreatedAt, g.UpdatedAt = g.Revision+1, b.CreatedAt, normTimePtr(b.UpdatedAt)
	return nil
}

// lockGroupForUpdate locks the row of group g and checks that g may be
// written over it: the row exists at g's revision, in g's cluster, and g's
// name, if it changes, is no sibling's. It returns the stored revision.
func (s *Store) lockGroupForUpdate(ctx context.Context, tx *sql.Tx, g *cluster.NodeGroup) (int64, error) {
	var rev int64
	var clusterID, name string
	found, err := s.locked(ctx, tx, nodeGroupsTable, g.UUID, "revision, cluster_id, name", &rev, &clusterID, &name)
	switch {
	case err != nil:
		return 0, err
	case !found:
		return 0, errdefs.NotFound(resNodeGroup, g.UUID)
	case rev != g.Revision:
		return 0, errStale(resNodeGroup, g.UUID, g.Revision, rev)
	case g.ClusterID != clusterID:
		return 0, errMoveGroup(g.UUID)
	}
	if g.Name != name {
		taken, err := s.exists(ctx, tx, nodeGroupsTable, eq("cluster_id", clusterID), eq("name", g.Name))
		if err != nil {
			return 0, err
		}
		if taken {
			return 0, errNameTaken(clusterID, g.Name)
		}
	}
	return rev, nil
}

// updateNodeGroupRow writes b over the group's row at revision rev.
func (s *Store) updateNodeGroupRow(ctx context.Context, tx *sql.Tx, b *nodeGroupBody, body string, rev int64) error {
	q := newQuery(s.d)
	q.add("UPDATE "+nodeGroupsTable+" SET project_id = %s, name = %s, role = %s, is_default = %s, status = %s,"+
		" node_count = %s, created_at = %s, updated_at = %s, revision = %s, body = %s WHERE uuid = %s AND revision = %s",
		b.ProjectID, b.Name, b.Role, b.IsDefault, b.Status, b.NodeCount,
		timeColumn(b.CreatedAt), timePtrColumn(b.UpdatedAt), rev+1, body, b.UUID, rev)
	n, err := s.exec(ctx, tx, q)
	if err == nil && n != 1 {
		return errChanged(resNodeGroup, b.UUID)
	}
	return err
}

// DeleteNodeGroup implements store.Store.
func (s *Store) DeleteNodeGroup(ctx context.Context, uuid string, revision int64) error {
	return s.write(ctx, "delete node group", func(tx *sql.Tx) error {
		var rev int64
		found, err := s.locked(ctx, tx, nodeGroupsTable, uuid, "revision", &rev)
		switch {
		case err != nil:
			return err
		case !found:
			return errdefs.NotFound(resNodeGroup, uuid)
		}
		if err := checkDeleteRevision(resNodeGroup, uuid, revision, rev); err != nil {
			return err
		}
		q := newQuery(s.d)
		q.add("DELETE FROM "+nodeGroupsTable+" WHERE uuid = %s", uuid)
		_, err = s.exec(ctx, tx, q)
		return err
	})
}
