package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/patch"
)

// clusterView is a cluster as show and the detail list present it.
// StackID and ClusterID shadow the cluster's stack_id: one of them is set,
// by version (see stackRef).
type clusterView struct {
	*cluster.Cluster
	Revision  *int64  `json:"revision,omitempty"` // hides the store's revision
	StackID   *string `json:"stack_id,omitempty"`
	ClusterID *string `json:"cluster_id,omitempty"`
	Links     []link  `json:"links"`
}

// stackRef returns the (stack_id, cluster_id) pair of a response at
// version v: Magnum 1.13 renamed the field, keeping its value.
func stackRef(v Version, ref string) (stackID, clusterID *string) {
	if v.AtLeast(verClusterID) {
		return nil, &ref
	}
	return &ref, nil
}

// clusterViewOf presents c at version v.
func clusterViewOf(base string, v Version, c *cluster.Cluster) clusterView {
	view := clusterView{Cluster: c, Links: selfLinks(base, "clusters", c.UUID)}
	view.StackID, view.ClusterID = stackRef(v, c.StackID)
	return view
}

// clusterSummary is a cluster in a non-detail list: Magnum's short fields.
type clusterSummary struct {
	UUID              string               `json:"uuid"`
	Name              string               `json:"name"`
	ClusterTemplateID string               `json:"cluster_template_id"`
	KeyPair           string               `json:"keypair"`
	DockerVolumeSize  int                  `json:"docker_volume_size"`
	Labels            labels.Labels        `json:"labels"`
	NodeCount         int                  `json:"node_count"`
	MasterCount       int                  `json:"master_count"`
	Status            cluster.Status       `json:"status"`
	MasterFlavorID    string               `json:"master_flavor_id"`
	FlavorID          string               `json:"flavor_id"`
	CreateTimeout     int                  `json:"create_timeout"`
	HealthStatus      cluster.HealthStatus `json:"health_status"`
	StackID           *string              `json:"stack_id,omitempty"`   // below 1.13
	ClusterID         *string              `json:"cluster_id,omitempty"` // from 1.13
	Links             []link               `json:"links"`
}

func (h *handler) listClusters(detail bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		opts, err := h.pageOptions(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		cs, err := h.mgr.ListClusters(r.Context(), opts)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		base := h.baseURL(r)
		v := state(r.Context()).version
		var items any
		if detail {
			views := make([]clusterView, len(cs))
			for i, c := range cs {
				c.Faults = nil // shown only by GET of one cluster
				views[i] = clusterViewOf(base, v, c)
			}
			items = views
		} else {
			sums := make([]clusterSummary, len(cs))
			for i, c := range cs {
				sums[i] = clusterSummary{
					UUID: c.UUID, Name: c.Name, ClusterTemplateID: c.ClusterTemplateID, KeyPair: c.KeyPair,
					DockerVolumeSize: c.DockerVolumeSize, Labels: c.Labels, NodeCount: c.NodeCount,
					MasterCount: c.MasterCount, Status: c.Status, MasterFlavorID: c.MasterFlavorID,
					FlavorID: c.FlavorID, CreateTimeout: c.CreateTimeout, HealthStatus: c.HealthStatus,
					Links: selfLinks(base, "clusters", c.UUID),
				}
				sums[i].StackID, sums[i].ClusterID = stackRef(v, c.StackID)
			}
			items = sums
		}
		body := map[string]any{"clusters": items}
		if len(cs) > 0 {
			if next := h.nextLink(r, "clusters", opts, len(cs), cs[len(cs)-1].UUID); next != "" {
				body["next"] = next
			}
		}
		writeJSON(w, http.StatusOK, body)
	}
}

func (h *handler) showCluster(w http.ResponseWriter, r *http.Request) {
	c, err := h.mgr.GetCluster(r.Context(), r.PathValue("ident"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, clusterViewOf(h.baseURL(r), state(r.Context()).version, c))
}

// clusterCreate is the body of POST /v1/clusters.
type clusterCreate struct {
	Name              string        `json:"name"`
	ClusterTemplateID string        `json:"cluster_template_id"`
	KeyPair           string        `json:"keypair"`
	NodeCount         *int          `json:"node_count"`
	MasterCount       *int          `json:"master_count"`
	DockerVolumeSize  *int          `json:"docker_volume_size"`
	Labels            labels.Labels `json:"labels"`
	MergeLabels       *bool         `json:"merge_labels"`
	MasterFlavorID    string        `json:"master_flavor_id"`
	FlavorID          string        `json:"flavor_id"`
	CreateTimeout     *int          `json:"create_timeout"`
	DiscoveryURL      string        `json:"discovery_url"`
	FixedNetwork      string        `json:"fixed_network"`
	FixedSubnet       string        `json:"fixed_subnet"`
	FloatingIPEnabled *bool         `json:"floating_ip_enabled"`
	MasterLBEnabled   *bool         `json:"master_lb_enabled"`
}

// uuidBody is the answer to asynchronous operations.
type uuidBody struct {
	UUID string `json:"uuid"`
}

func (h *handler) createCluster(w http.ResponseWriter, r *http.Request) {
	var in clusterCreate
	if err := decodeStrict(r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	v := state(r.Context()).version
	if in.NodeCount != nil && *in.NodeCount == 0 && !v.AtLeast(verZeroNodes) {
		h.writeError(w, r, zeroNodes(v))
		return
	}
	if in.ClusterTemplateID == "" {
		h.writeError(w, r, errdefs.Invalid("cluster_template_id", "cluster_template_id is mandatory"))
		return
	}
	req := &magnum.ClusterRequest{
		Name: in.Name, ClusterTemplate: in.ClusterTemplateID, KeyPair: in.KeyPair,
		NodeCount: in.NodeCount, MasterCount: in.MasterCount, DockerVolumeSize: in.DockerVolumeSize,
		MasterFlavorID: in.MasterFlavorID, FlavorID: in.FlavorID, Labels: in.Labels,
		MergeLabels: in.MergeLabels != nil && *in.MergeLabels, DiscoveryURL: in.DiscoveryURL,
		FixedNetwork: in.FixedNetwork, FixedSubnet: in.FixedSubnet,
		FloatingIPEnabled: in.FloatingIPEnabled, MasterLBEnabled: in.MasterLBEnabled,
	}
	if in.CreateTimeout != nil {
		if *in.CreateTimeout < 0 {
			h.writeError(w, r, errdefs.Invalid("create_timeout", "create_timeout must not be negative"))
			return
		}
		req.CreateTimeout = *in.CreateTimeout
	}
	c, err := h.mgr.CreateCluster(r.Context(), req)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, uuidBody{UUID: c.UUID})
}

func zeroNodes(v Version) error {
	return errdefs.New(errdefs.ErrUnsupported, "cluster", "", "node_count 0 is not supported before API version "+verZeroNodes.String()+" (requested "+v.String()+")")
}

func (h *handler) updateCluster(w http.ResponseWriter, r *http.Request) {
	v := state(r.Context()).version
	var opts magnum.UpdateOptions
	if s := r.URL.Query().Get("rollback"); s != "" && v.AtLeast(verRollback) {
		b, err := strconv.ParseBool(s)
		if err != nil {
			h.writeError(w, r, errdefs.Invalid("rollback", "rollback must be true or false, not %q", clip(s)))
			return
		}
		opts.Rollback = b
	}
	ops, err := readPatch(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !v.AtLeast(verZeroNodes) && setsZeroNodes(ops) {
		h.writeError(w, r, zeroNodes(v))
		return
	}
	c, err := h.mgr.UpdateCluster(r.Context(), r.PathValue("ident"), ops, opts)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, uuidBody{UUID: c.UUID})
}

// setsZeroNodes reports whether a patch sets node_count to 0.
func setsZeroNodes(ops []patch.Op) bool {
	for _, op := range ops {
		if op.Path != "/node_count" || op.Op == patch.OpRemove {
			continue
		}
		s := strings.Trim(strings.TrimSpace(string(op.Value)), `"`)
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n == 0 {
			return true
		}
	}
	return false
}

func (h *handler) deleteCluster(w http.ResponseWriter, r *http.Request) {
	if err := h.mgr.DeleteCluster(r.Context(), r.PathValue("ident")); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// resizeBody is the body of POST .../actions/resize.
type resizeBody struct {
	NodeCount     *int     `json:"node_count"`
	NodesToRemove []string `json:"nodes_to_remove"`
	NodeGroup     string   `json:"nodegroup"`
}

func (h *handler) resizeCluster(w http.ResponseWriter, r *http.Request) {
	v := state(r.Context()).version
	if err := requireVersion(v, verResize, "resize"); err != nil {
		h.writeError(w, r, err)
		return
	}
	var in resizeBody
	if err := decodeStrict(r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	if in.NodeCount == nil {
		h.writeError(w, r, errdefs.Invalid("node_count", "node_count is mandatory"))
		return
	}
	if *in.NodeCount < 0 {
		h.writeError(w, r, errdefs.Invalid("node_count", "node_count must not be negative"))
		return
	}
	if *in.NodeCount == 0 && !v.AtLeast(verZeroNodes) {
		h.writeError(w, r, zeroNodes(v))
		return
	}
	c, err := h.mgr.ResizeCluster(r.Context(), r.PathValue("ident"), magnum.ResizeRequest{
		NodeCount: *in.NodeCount, NodesToRemove: in.NodesToRemove, NodeGroup: in.NodeGroup,
	})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, uuidBody{UUID: c.UUID})
}

// upgradeBody is the body of POST .../actions/upgrade. Rollback is
// gomagnum's own (Magnum has no way back): it takes a cluster whose
// upgrade failed back to the template it ran before, and then
// cluster_template may be left out.
type upgradeBody struct {
	ClusterTemplate string `json:"cluster_template"`
	MaxBatchSize    *int   `json:"max_batch_size"`
	NodeGroup       string `json:"nodegroup"`
	Rollback        bool   `json:"rollback"`
}

func (h *handler) upgradeCluster(w http.ResponseWriter, r *http.Request) {
	v := state(r.Context()).version
	if err := requireVersion(v, verResize, "upgrade"); err != nil {
		h.writeError(w, r, err)
		return
	}
	if !v.AtLeast(verUpgrade) {
		// As Magnum at 1.7: the action exists but is not supported.
		h.writeError(w, r, errdefs.New(errdefs.ErrUnsupported, "cluster", r.PathValue("ident"), "cluster upgrade is not supported at API version "+v.String()))
		return
	}
	var in upgradeBody
	if err := decodeStrict(r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	if in.ClusterTemplate == "" && !in.Rollback {
		h.writeError(w, r, errdefs.Invalid("cluster_template", "cluster_template is mandatory"))
		return
	}
	req := magnum.UpgradeRequest{ClusterTemplate: in.ClusterTemplate, NodeGroup: in.NodeGroup, Rollback: in.Rollback}
	if in.MaxBatchSize != nil {
		if *in.MaxBatchSize < 1 {
			h.writeError(w, r, errdefs.Invalid("max_batch_size", "max_batch_size must be at least 1, got %d", *in.MaxBatchSize))
			return
		}
		req.MaxBatchSize = *in.MaxBatchSize
	}
	c, err := h.mgr.UpgradeCluster(r.Context(), r.PathValue("ident"), req)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, uuidBody{UUID: c.UUID})
}
