package sqlstore

import (
	"context"
	"database/sql"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

const clustersTable = "clusters"

func clusterTable() table[*cluster.Cluster] {
	return table[*cluster.Cluster]{
		name:     clustersTable,
		resource: resCluster,
		sortKeys: store.ClusterSortKeys(),
		decode: func(rev int64, body string) (*cluster.Cluster, error) {
			var b clusterBody
			if err := decodeBody(resCluster, body, &b); err != nil {
				return nil, err
			}
			return b.model(rev), nil
		},
	}
}

// clusterConds is ClusterFilter in SQL.
func clusterConds(f store.ClusterFilter) []cond {
	var cs []cond
	if f.ProjectID != "" {
		cs = append(cs, eq("project_id", f.ProjectID))
	}
	if f.TemplateID != "" {
		cs = append(cs, eq("cluster_template_id", f.TemplateID))
	}
	if f.Name != "" {
		cs = append(cs, eq("name", f.Name))
	}
	if len(f.Statuses) > 0 {
		cs = append(cs, in("status", statusStrings(f.Statuses)))
	}
	return cs
}

func statusStrings(ss []cluster.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// CreateCluster implements store.Store.
func (s *Store) CreateCluster(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup) error {
	return s.CreateClusterWithin(ctx, c, groups, store.Quota{})
}

// CreateClusterWithin implements store.Store. Even without a limit it takes
// the project's lock, so that a limited create or update that runs at the
// same time sees this cluster or runs after it.
//
// The project's lock is the transaction's last step before COMMIT
// (checkProjectQuota): the checks and inserts run first, so the lock that
// makes one project's writers take turns is held for two statements, not
// for all of them. Held from the start, a project's creates queued behind
// every statement of the one ahead, each statement a round trip to a client
// that a loaded machine may not schedule for a while.
func (s *Store) CreateClusterWithin(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup, quota store.Quota) error {
	if c.UUID == "" {
		return errNoUUID(resCluster)
	}
	if err := store.CheckNewGroups(c.UUID, groups); err != nil {
		return err
	}
	b := clusterToBody(c)
	body, err := encodeBody(resCluster, b)
	if err != nil {
		return err
	}
	gbs := make([]nodeGroupBody, len(groups))
	gbodies := make([]string, len(groups))
	for i, g := range groups {
		gbs[i] = nodeGroupToBody(g)
		gbs[i].ClusterID = c.UUID
		if gbodies[i], err = encodeBody(resNodeGroup, gbs[i]); err != nil {
			return err
		}
	}

	err = s.write(ctx, "create cluster", func(tx *sql.Tx) error {
		taken, err := s.exists(ctx, tx, clustersTable, eq("uuid", c.UUID))
		if err != nil {
			return err
		}
		if taken {
			return errTaken(resCluster, c.UUID)
		}
		ok, err := s.exists(ctx, tx, templatesTable, eq("uuid", c.ClusterTemplateID))
		if err != nil {
			return err
		}
		if !ok {
			return errNoTemplate(c.ClusterTemplateID)
		}
		for _, g := range groups {
			taken, err := s.exists(ctx, tx, nodeGroupsTable, eq("uuid", g.UUID))
			if err != nil {
				return err
			}
			if taken {
				return errTaken(resNodeGroup, g.UUID)
			}
		}
		q := newQuery(s.d)
		q.add("INSERT INTO "+clustersTable+
			" (uuid, project_id, name, cluster_template_id, status, node_count, master_count, created_at, updated_at, revision, body)"+
			" VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
			b.UUID, b.ProjectID, b.Name, b.ClusterTemplateID, string(b.Status), b.NodeCount, b.MasterCount,
			timeColumn(b.CreatedAt), timePtrColumn(b.UpdatedAt), int64(1), body)
		if _, err := s.exec(ctx, tx, q); err != nil {
			if s.d.classify(err) == errForeignKey { // the template went in between (PostgreSQL)
				return errNoTemplate(c.ClusterTemplateID)
			}
			return err
		}
		for i := range gbs {
			if err := s.insertNodeGroup(ctx, tx, &gbs[i], gbodies[i]); err != nil {
				return err
			}
		}
		if !limited(quota) {
			return s.lockProject(ctx, tx, c.ProjectID)
		}
		return s.checkProjectQuota(ctx, tx, c.ProjectID, c.UUID, store.Usage{}, quota, store.ClusterUsage(c))
	})
	if err != nil {
		return err
	}
	c.Revision, c.CreatedAt, c.UpdatedAt = 1, b.CreatedAt, normTimePtr(b.UpdatedAt)
	for i, g := range groups {
		g.ClusterID, g.Revision, g.CreatedAt, g.UpdatedAt = c.UUID, 1, gbs[i].CreatedAt, normTimePtr(gbs[i].UpdatedAt)
	}
	return nil
}

// GetCluster implements store.Store.
func (s *Store) GetCluster(ctx context.Context, uuid string) (*cluster.Cluster, error) {
	return get(ctx, s, clusterTable(), uuid)
}

// FindCluster implements store.Store.
func (s *Store) FindCluster(ctx context.Context, f store.ClusterFilter, ident string) (*cluster.Cluster, error) {
	return find(ctx, s, clusterTable(), clusterConds(f), ident)
}

// ListClusters implements store.Store.
func (s *Store) ListClusters(ctx context.Context, f store.ClusterFilter, p store.Page) ([]*cluster.Cluster, error) {
	return list(ctx, s, clusterTable(), clusterConds(f), p)
}

// CountClusters implements store.Store.
func (s *Store) CountClusters(ctx context.Context, f store.ClusterFilter) (int, error) {
	if err := s.checkReady(ctx); err != nil {
		return 0, err
	}
	n, err := s.count(ctx, s.rdb, clustersTable, clusterConds(f)...)
	return n, s.wrap(ctx, "count clusters", err)
}

// UpdateCluster implements store.Store.
func (s *Store) UpdateCluster(ctx context.Context, c *cluster.Cluster) error {
	return s.UpdateClusterWithin(ctx, c, store.Quota{})
}

// UpdateClusterWithin implements store.Store. An update that raises the
// project's node count takes the project's lock, limit or not, so that a
// limited create or update that runs at the same time sees the rise or runs
// after it; one that lowers or keeps it takes none.
func (s *Store) UpdateClusterWithin(ctx context.Context, c *cluster.Cluster, quota store.Quota) error {
	return s.UpdateClusterGroups(ctx, c, nil, quota)
}

// UpdateClusterGroups implements store.Store. It locks the cluster's row,
// then the groups' rows in the order given, writes them, and last, if the
// update raises the project's node count, takes the project's lock and
// checks the quota (as UpdateClusterWithin).
func (s *Store) UpdateClusterGroups(ctx context.Context, c *cluster.Cluster, groups []*cluster.NodeGroup, quota store.Quota) error {
	if err := store.CheckGroupUpdates(c.UUID, groups); err != nil {
		return err
	}
	b := clusterToBody(c)
	body, err := encodeBody(resCluster, b)
	if err != nil {
		return err
	}
	gbs := make([]nodeGroupBody, len(groups))
	gbodies := make([]string, len(groups))
	for i, g := range groups {
		gbs[i] = nodeGroupToBody(g)
		if gbodies[i], err = encodeBody(resNodeGroup, gbs[i]); err != nil {
			return err
		}
	}
	op := "update cluster"
	if len(groups) > 0 {
		op = "update cluster and node groups"
	}
	err = s.write(ctx, op, func(tx *sql.Tx) error {
		var rev, nodes, masters int64
		var tmpl, project string
		found, err := s.locked(ctx, tx, clustersTable, c.UUID, "revision, cluster_template_id, project_id, node_count, master_count",
			&rev, &tmpl, &project, &nodes, &masters)
		switch {
		case err != nil:
			return err
		case !found:
			return errdefs.NotFound(resCluster, c.UUID)
		case rev != c.Revision:
			return errStale(resCluster, c.UUID, c.Revision, rev)
		}
		// Checked before any group is written: a new name is no other
		// group's stored name, so no write below hits the unique
		// (cluster_id, name) index.
		grevs := make([]int64, len(groups))
		for i, g := range groups {
			if grevs[i], err = s.lockGroupForUpdate(ctx, tx, g); err != nil {
				return err
			}
		}
		if c.ClusterTemplateID != tmpl {
			ok, err := s.exists(ctx, tx, templatesTable, eq("uuid", c.ClusterTemplateID))
			if err != nil {
				return err
			}
			if !ok {
				return errNoTemplate(c.ClusterTemplateID)
			}
		}
		q := newQuery(s.d)
		q.add("UPDATE "+clustersTable+" SET project_id = %s, name = %s, cluster_template_id = %s, status = %s,"+
			" node_count = %s, master_count = %s, created_at = %s, updated_at = %s, revision = %s, body = %s"+
			" WHERE uuid = %s AND revision = %s",
			b.ProjectID, b.Name, b.ClusterTemplateID, string(b.Status), b.NodeCount, b.MasterCount,
			timeColumn(b.CreatedAt), timePtrColumn(b.UpdatedAt), rev+1, body, c.UUID, rev)
		n, err := s.exec(ctx, tx, q)
		if err != nil && s.d.classify(err) == errForeignKey { // the new template went in between (PostgreSQL)
			return errNoTemplate(c.ClusterTemplateID)
		}
		if err != nil {
			return err
		}
		if n != 1 {
			return errChanged(resCluster, c.UUID)
		}
		for i := range gbs {
			if err := s.updateNodeGroupRow(ctx, tx, &gbs[i], gbodies[i], grevs[i]); err != nil {
				return err
			}
		}
		// Last, as in CreateClusterWithin: the project's lock is held for
		// the check and the COMMIT only. It comes after this cluster's row
		// lock, which cannot deadlock: whoever holds the project's lock
		// waits for no row lock.
		add := store.UpdateUsage(project, int(nodes+masters), c)
		if add.Nodes <= 0 {
			return nil
		}
		if !quota.Nodes.Bounded() {
			return s.lockProject(ctx, tx, c.ProjectID)
		}
		// What the project held before this update: the others' use, and
		// this cluster's old nodes if it was the project's already.
		var before store.Usage
		if project == c.ProjectID {
			before.Nodes = int(nodes + masters)
		}
		return s.checkProjectQuota(ctx, tx, c.ProjectID, c.UUID, before, store.Quota{Nodes: quota.Nodes}, add)
	})
	if err != nil {
		return err
	}
	c.Revision, c.CreatedAt, c.UpdatedAt = c.Revision+1, b.CreatedAt, normTimePtr(b.UpdatedAt)
	for i, g := range groups {
		g.Revision, g.CreatedAt, g.UpdatedAt = g.Revision+1, gbs[i].CreatedAt, normTimePtr(gbs[i].UpdatedAt)
	}
	return nil
}

// DeleteCluster implements store.Store.
func (s *Store) DeleteCluster(ctx context.Context, uuid string, revision int64) error {
	return s.write(ctx, "delete cluster", func(tx *sql.Tx) error {
		var rev int64
		found, err := s.locked(ctx, tx, clustersTable, uuid, "revision", &rev)
		switch {
		case err != nil:
			return err
		case !found:
			return errdefs.NotFound(resCluster, uuid)
		}
		if err := checkDeleteRevision(resCluster, uuid, revision, rev); err != nil {
			return err
		}
		// The foreign key cascades too; deleting explicitly does not depend
		// on the connection having foreign keys on.
		q := newQuery(s.d)
		q.add("DELETE FROM "+nodeGroupsTable+" WHERE cluster_id = %s", uuid)
		if _, err := s.exec(ctx, tx, q); err != nil {
			return err
		}
		q = newQuery(s.d)
		q.add("DELETE FROM "+clustersTable+" WHERE uuid = %s", uuid)
		_, err = s.exec(ctx, tx, q)
		return err
	})
}

// limited reports whether q limits anything.
func limited(q store.Quota) bool { return q.Clusters.Bounded() || q.Nodes.Bounded() }

// lockProject takes, until tx ends, the lock that makes the transactions
// checking a project's quota take turns (dialect.projectLock).
func (s *Store) lockProject(ctx context.Context, tx *sql.Tx, projectID string) error {
	if s.d.projectLock == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.d.projectLock, projectID)
	return err
}

// checkProjectQuota takes the project's lock and checks that what the
// project holds, with this transaction's own write of cluster clusterUUID
// already made, is within quota: the other clusters' use plus before (what
// this cluster held in the project before the write) may take add. It is
// the last statement before COMMIT, so the lock is held only for the count
// and the COMMIT, and the count, a statement of its own after the lock, sees
// every write of the project committed before the lock was granted.
func (s *Store) checkProjectQuota(ctx context.Context, tx *sql.Tx, projectID, clusterUUID string, before store.Usage, quota store.Quota, add store.Usage) error {
	if err := s.lockProject(ctx, tx, projectID); err != nil {
		return err
	}
	used, err := s.projectUsage(ctx, tx, projectID, clusterUUID)
	if err != nil {
		return err
	}
	used.Clusters += before.Clusters
	used.Nodes += before.Nodes
	return store.CheckQuota(quota, projectID, clusterUUID, used, add)
}

// projectUsage counts what a project holds, leaving out cluster except.
func (s *Store) projectUsage(ctx context.Context, tx *sql.Tx, projectID, except string) (store.Usage, error) {
	q := newQuery(s.d)
	q.add("SELECT COUNT(*), CAST(COALESCE(SUM(node_count + master_count), 0) AS BIGINT) FROM "+clustersTable+
		" WHERE project_id = %s AND uuid <> %s", projectID, except)
	var clusters, nodes int64
	err := tx.QueryRowContext(ctx, q.String(), q.args...).Scan(&clusters, &nodes)
	return store.Usage{Clusters: int(clusters), Nodes: int(nodes)}, err
}
