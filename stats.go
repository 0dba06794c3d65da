package magnum

import (
	"context"

	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/policy"
	"github.com/gomagnum/magnum/store"
)

// Stats counts clusters and their nodes (masters and workers), Magnum's
// GET /v1/stats.
type Stats struct {
	Clusters int `json:"clusters"`
	Nodes    int `json:"nodes"`
}

// Stats counts the clusters of a project: the caller's own when project is
// empty; another project's, or every project's with project "*", for
// admins only.
func (m *Manager) Stats(ctx context.Context, project string) (Stats, error) {
	c, err := m.caller(ctx)
	if err != nil {
		return Stats{}, err
	}
	f := store.ClusterFilter{ProjectID: project}
	switch {
	case project == "":
		f.ProjectID = c.ProjectID
	case project == c.ProjectID:
	case !c.Admin:
		return Stats{}, &errdefs.Error{Kind: errdefs.ErrForbidden, Resource: "stats", ID: project,
			Reason: "only admins may see other projects' stats"}
	case project == "*":
		f.ProjectID = ""
	}
	if err := m.authorize(ctx, c, policy.ClusterList, policy.Target{ProjectID: f.ProjectID}, "stats", project); err != nil {
		return Stats{}, err
	}
	cs, err := m.store.ListClusters(ctx, f, store.Page{})
	if err != nil {
		return Stats{}, err
	}
	s := Stats{Clusters: len(cs)}
	for _, cl := range cs {
		s.Nodes += cl.NodeCount + cl.MasterCount
	}
	return s, nil
}
