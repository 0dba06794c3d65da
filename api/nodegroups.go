package api

import (
	"net/http"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/patch"
)

// nodeGroupView is a node group as the API shows it. NodeLabels and
// NodeTaints shadow the group's own fields so that they are left out
// before verNodeLabels (1.14), as Magnum hides fields of later
// microversions.
type nodeGroupView struct {
	*cluster.NodeGroup
	Revision   *int64 `json:"revision,omitempty"`
	NodeLabels any    `json:"node_labels,omitempty"`
	NodeTaints any    `json:"node_taints,omitempty"`
	Links      []link `json:"links"`
}

// nodeGroupViewOf presents g at version v.
func (h *handler) nodeGroupViewOf(r *http.Request, v Version, g *cluster.NodeGroup) nodeGroupView {
	view := nodeGroupView{NodeGroup: g, Links: h.nodeGroupLinks(r, g)}
	if v.AtLeast(verNodeLabels) {
		// Non-nil interfaces: shown, as null when unset.
		view.NodeLabels, view.NodeTaints = g.NodeLabels, g.NodeTaints
	}
	return view
}

func (h *handler) nodeGroupLinks(r *http.Request, g *cluster.NodeGroup) []link {
	return selfLinks(h.baseURL(r), "clusters/"+g.ClusterID+"/nodegroups", g.UUID)
}

// listNodeGroups serves GET /v1/clusters/{ident}/nodegroups (not paginated:
// a cluster has few groups), optionally filtered by ?role=.
func (h *handler) listNodeGroups(w http.ResponseWriter, r *http.Request) {
	v := state(r.Context()).version
	if err := requireVersion(v, verNodeGroup, "nodegroups"); err != nil {
		h.writeError(w, r, err)
		return
	}
	gs, err := h.mgr.NodeGroups(r.Context(), r.PathValue("ident"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	role := r.URL.Query().Get("role")
	views := make([]nodeGroupView, 0, len(gs))
	for _, g := range gs {
		if role == "" || g.Role == role {
			views = append(views, h.nodeGroupViewOf(r, v, g))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"nodegroups": views})
}

// showNodeGroup serves GET /v1/clusters/{ident}/nodegroups/{ng}.
func (h *handler) showNodeGroup(w http.ResponseWriter, r *http.Request) {
	v := state(r.Context()).version
	if err := requireVersion(v, verNodeGroup, "nodegroups"); err != nil {
		h.writeError(w, r, err)
		return
	}
	g, err := h.mgr.GetNodeGroup(r.Context(), r.PathValue("ident"), r.PathValue("ng"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.nodeGroupViewOf(r, v, g))
}

// nodeGroupCreate is the body of POST /v1/clusters/{ident}/nodegroups.
type nodeGroupCreate struct {
	Name             string          `json:"name"`
	Role             string          `json:"role"`
	NodeCount        *int            `json:"node_count"`
	MinNodeCount     *int            `json:"min_node_count"`
	MaxNodeCount     *int            `json:"max_node_count"`
	FlavorID         string          `json:"flavor_id"`
	ImageID          string          `json:"image_id"`
	DockerVolumeSize *int            `json:"docker_volume_size"`
	Labels           labels.Labels   `json:"labels"`
	MergeLabels      *bool           `json:"merge_labels"`
	NodeLabels       labels.Labels   `json:"node_labels"`
	NodeTaints       []cluster.Taint `json:"node_taints"`
}

// check applies the body's own rules in Magnum's order: field ranges
// (400), node_count 0 before 1.10 (400), then the consistency of the
// counts, min ≤ node_count ≤ max (409, NodeGroupInvalidInput).
func (in *nodeGroupCreate) check(v Version) error {
	if !v.AtLeast(verNodeLabels) {
		// Fields of 1.14: unknown before, like any other.
		switch {
		case in.NodeLabels != nil:
			return unknownAttribute("node_labels")
		case in.NodeTaints != nil:
			return unknownAttribute("node_taints")
		}
	}
	for _, f := range []struct {
		name string
		v    *int
		min  int
	}{{"node_count", in.NodeCount, 0}, {"min_node_count", in.MinNodeCount, 0}, {"max_node_count", in.MaxNodeCount, 0}, {"docker_volume_size", in.DockerVolumeSize, 1}} {
		if f.v != nil && *f.v < f.min {
			return errdefs.Invalid(f.name, "%s must be at least %d, got %d", f.name, f.min, *f.v)
		}
	}
	if in.NodeCount != nil && *in.NodeCount == 0 && !v.AtLeast(verZeroNodes) {
		return zeroNodes(v)
	}
	count, lo := 1, 0
	if in.NodeCount != nil {
		count = *in.NodeCount
	}
	if in.MinNodeCount != nil {
		lo = *in.MinNodeCount
	}
	return checkCounts(in.Name, count, lo, in.MaxNodeCount)
}

// checkCounts is Magnum's NodeGroupInvalidInput (409): the counts of a
// group must satisfy min ≤ node_count ≤ max.
func checkCounts(group string, count, lo int, hi *int) error {
	switch {
	case hi != nil && *hi < lo:
		return errdefs.Conflict("nodegroup", group, "max_node_count (%d) must be at least min_node_count (%d)", *hi, lo)
	case count < lo:
		return errdefs.Conflict("nodegroup", group, "node_count (%d) must be at least min_node_count (%d)", count, lo)
	case hi != nil && count > *hi:
		return errdefs.Conflict("nodegroup", group, "node_count (%d) must be at most max_node_count (%d)", count, *hi)
	}
	return nil
}

// createNodeGroup serves POST /v1/clusters/{ident}/nodegroups: 202 with
// the group (in CREATE_IN_PROGRESS) and its Location, as Magnum answers.
func (h *handler) createNodeGroup(w http.ResponseWriter, r *http.Request) {
	v := state(r.Context()).version
	if err := requireVersion(v, verNodeGroup, "nodegroups"); err != nil {
		h.writeError(w, r, err)
		return
	}
	var in nodeGroupCreate
	if err := decodeStrict(r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := in.check(v); err != nil {
		h.writeError(w, r, err)
		return
	}
	req := &magnum.NodeGroupRequest{
		Name: in.Name, Role: in.Role, NodeCount: in.NodeCount, MaxNodeCount: in.MaxNodeCount,
		FlavorID: in.FlavorID, ImageID: in.ImageID, Labels: in.Labels,
		MergeLabels: in.MergeLabels != nil && *in.MergeLabels,
		NodeLabels:  in.NodeLabels, NodeTaints: in.NodeTaints,
	}
	if in.MinNodeCount != nil {
		req.MinNodeCount = *in.MinNodeCount
	}
	if in.DockerVolumeSize != nil {
		req.DockerVolumeSize = *in.DockerVolumeSize
	}
	g, err := h.mgr.CreateNodeGroup(r.Context(), r.PathValue("ident"), req)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	view := h.nodeGroupViewOf(r, v, g)
	w.Header().Set("Location", view.Links[0].Href)
	writeJSON(w, http.StatusAccepted, view)
}

// touchesNodeLabels returns "node_labels" or "node_taints" when a patch
// addresses it (or anything under it), else "".
func touchesNodeLabels(ops []patch.Op) string {
	for _, op := range ops {
		for _, p := range []string{"/node_labels", "/node_taints"} {
			if op.Path == p || len(op.Path) > len(p) && op.Path[:len(p)+1] == p+"/" {
				return p[1:]
			}
		}
	}
	return ""
}

// updateNodeGroup serves PATCH /v1/clusters/{ident}/nodegroups/{ng}: 202
// with the updated group. Counts the patch would make inconsistent are a
// 409, as in Magnum; the Manager checks everything again.
func (h *handler) updateNodeGroup(w http.ResponseWriter, r *http.Request) {
	v := state(r.Context()).version
	if err := requireVersion(v, verNodeGroup, "nodegroups"); err != nil {
		h.writeError(w, r, err)
		return
	}
	ops, err := readPatch(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if f := touchesNodeLabels(ops); f != "" && !v.AtLeast(verNodeLabels) {
		// As for any attribute a node group does not have.
		h.writeError(w, r, errdefs.Invalid(f, "the node group has no attribute %q before API version %s (requested %s)", f, verNodeLabels, v))
		return
	}
	ident, ng := r.PathValue("ident"), r.PathValue("ng")
	cur, err := h.mgr.GetNodeGroup(r.Context(), ident, ng)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	next := cur.Clone()
	if _, err := patch.Apply(next, ops, patch.NodeGroupRules()); err != nil {
		h.writeError(w, r, errdefs.WithResource(err, "nodegroup", ng))
		return
	}
	if next.MinNodeCount >= 0 && (next.MaxNodeCount == nil || *next.MaxNodeCount >= 0) {
		if err := checkCounts(cur.Name, next.NodeCount, next.MinNodeCount, next.MaxNodeCount); err != nil {
			h.writeError(w, r, err)
			return
		}
	}
	g, err := h.mgr.UpdateNodeGroup(r.Context(), ident, ng, ops)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, h.nodeGroupViewOf(r, v, g))
}

// deleteNodeGroup serves DELETE /v1/clusters/{ident}/nodegroups/{ng}.
func (h *handler) deleteNodeGroup(w http.ResponseWriter, r *http.Request) {
	if err := requireVersion(state(r.Context()).version, verNodeGroup, "nodegroups"); err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.mgr.DeleteNodeGroup(r.Context(), r.PathValue("ident"), r.PathValue("ng")); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
