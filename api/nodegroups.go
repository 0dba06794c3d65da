package api

import (
	"net/http"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
)

// nodeGroupView is a node group as the API shows it.
type nodeGroupView struct {
	*cluster.NodeGroup
	Revision *int64 `json:"revision,omitempty"`
	Links    []link `json:"links"`
}

func (h *handler) nodeGroups(w http.ResponseWriter, r *http.Request) ([]*cluster.NodeGroup, bool) {
	if err := requireVersion(state(r.Context()).version, verNodeGroup, "nodegroups"); err != nil {
		h.writeError(w, r, err)
		return nil, false
	}
	gs, err := h.mgr.NodeGroups(r.Context(), r.PathValue("ident"))
	if err != nil {
		h.writeError(w, r, err)
		return nil, false
	}
	return gs, true
}

func (h *handler) nodeGroupLinks(r *http.Request, g *cluster.NodeGroup) []link {
	return selfLinks(h.baseURL(r), "clusters/"+g.ClusterID+"/nodegroups", g.UUID)
}

// listNodeGroups serves GET /v1/clusters/{ident}/nodegroups (not paginated:
// a cluster has few groups).
func (h *handler) listNodeGroups(w http.ResponseWriter, r *http.Request) {
	gs, ok := h.nodeGroups(w, r)
	if !ok {
		return
	}
	views := make([]nodeGroupView, len(gs))
	for i, g := range gs {
		views[i] = nodeGroupView{NodeGroup: g, Links: h.nodeGroupLinks(r, g)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"nodegroups": views})
}

func (h *handler) showNodeGroup(w http.ResponseWriter, r *http.Request) {
	gs, ok := h.nodeGroups(w, r)
	if !ok {
		return
	}
	ng := r.PathValue("ng")
	var found *cluster.NodeGroup
	for _, g := range gs {
		if g.UUID == ng {
			found = g
			break
		}
		if g.Name == ng {
			if found != nil {
				h.writeError(w, r, errdefs.Conflict("nodegroup", ng, "multiple node groups exist with the name %q", clip(ng)))
				return
			}
			found = g
		}
	}
	if found == nil {
		h.writeError(w, r, errdefs.NotFound("nodegroup", ng))
		return
	}
	writeJSON(w, http.StatusOK, nodeGroupView{NodeGroup: found, Links: h.nodeGroupLinks(r, found)})
}

func (h *handler) nodeGroupWrite(w http.ResponseWriter, r *http.Request) {
	if err := requireVersion(state(r.Context()).version, verNodeGroup, "nodegroups"); err != nil {
		h.writeError(w, r, err)
		return
	}
	h.writeError(w, r, notImplemented("Creating, updating and deleting node groups"))
}
