package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

// The quota API (1.6+): POST and GET /v1/quotas, GET, PATCH and DELETE
// /v1/quotas/{project_id}/{resource}, with Magnum's bodies and codes. PATCH
// takes a quota document, not a JSON patch.

// quotaView is a quota as the API shows it. A project's default, shown when
// it has no quota of the resource, has a null id and times.
type quotaView struct {
	ID        *int64     `json:"id"`
	ProjectID string     `json:"project_id"`
	Resource  string     `json:"resource"`
	HardLimit int        `json:"hard_limit"`
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
}

func newQuotaView(q *store.QuotaRecord) quotaView {
	v := quotaView{ProjectID: q.ProjectID, Resource: q.Resource, HardLimit: q.HardLimit, UpdatedAt: q.UpdatedAt}
	if q.ID != 0 {
		id, created := q.ID, q.CreatedAt
		v.ID, v.CreatedAt = &id, &created
	}
	return v
}

// quotaBody is the body of POST and PATCH: a quota document. The read-only
// fields Magnum shows are tolerated and ignored.
type quotaBody struct {
	ProjectID *string `json:"project_id"`
	Resource  *string `json:"resource"`
	HardLimit *int    `json:"hard_limit"`
	ID        any     `json:"id"`
	CreatedAt any     `json:"created_at"`
	UpdatedAt any     `json:"updated_at"`
}

// defaultHardLimit is a created quota's limit when the body has none, as in
// Magnum.
const defaultHardLimit = 1

// quotaVersion gates every quota path at 1.6.
func (h *handler) quotaVersion(w http.ResponseWriter, r *http.Request) bool {
	if err := requireVersion(state(r.Context()).version, verQuotas, "quotas"); err != nil {
		h.writeError(w, r, err)
		return false
	}
	return true
}

// createQuota serves POST /v1/quotas: 201 and the quota. When the
// Authenticator has a ProjectChecker (WithProjects), a project it does not
// know is 404, as Magnum's Keystone lookup; without one any project ID is
// taken.
func (h *handler) createQuota(w http.ResponseWriter, r *http.Request) {
	if !h.quotaVersion(w, r) {
		return
	}
	var in quotaBody
	if err := decodeStrict(r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	if in.ProjectID == nil || *in.ProjectID == "" {
		h.writeError(w, r, errdefs.Invalid("project_id", "Must provide a valid project ID."))
		return
	}
	if in.Resource == nil {
		h.writeError(w, r, errdefs.Invalid("resource", "Mandatory field missing: resource"))
		return
	}
	limit := defaultHardLimit
	if in.HardLimit != nil {
		limit = *in.HardLimit
	}
	var opts magnum.CreateQuotaOptions
	if pc := projectsOf(h.auth); pc != nil {
		opts.CheckProject = pc.CheckProject
	}
	q, err := h.mgr.CreateQuotaWith(r.Context(), *in.ProjectID, *in.Resource, limit, opts)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newQuotaView(q))
}

// listQuotas serves GET /v1/quotas[?all_tenants=&marker=&limit=&sort_key=&sort_dir=].
func (h *handler) listQuotas(w http.ResponseWriter, r *http.Request) {
	if !h.quotaVersion(w, r) {
		return
	}
	opts, err := h.pageOptions(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	all := false
	if s := r.URL.Query().Get("all_tenants"); s != "" {
		if all, err = strconv.ParseBool(s); err != nil {
			h.writeError(w, r, errdefs.Invalid("all_tenants", "all_tenants must be a boolean, not %q", clip(s)))
			return
		}
	}
	// all_tenants is honoured for admins only; the Manager lists for
	// admins only anyway.
	all = all && state(r.Context()).caller.Admin
	qs, err := h.mgr.ListQuotas(r.Context(), all, opts)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	views := make([]quotaView, len(qs))
	for i, q := range qs {
		views[i] = newQuotaView(q)
	}
	body := map[string]any{"quotas": views}
	if len(qs) > 0 {
		if next := h.nextLink(r, "quotas", opts, len(qs), strconv.FormatInt(qs[len(qs)-1].ID, 10)); next != "" {
			if all {
				next += "&all_tenants=true"
			}
			body["next"] = next
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// showQuota serves GET /v1/quotas/{project_id}/{resource}.
func (h *handler) showQuota(w http.ResponseWriter, r *http.Request) {
	if !h.quotaVersion(w, r) {
		return
	}
	q, err := h.mgr.GetQuota(r.Context(), r.PathValue("project"), r.PathValue("resource"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newQuotaView(q))
}

// updateQuota serves PATCH /v1/quotas/{project_id}/{resource}: the body is
// a quota document whose hard_limit is set; a project_id or resource in it
// must name the quota of the path. 202 and the quota.
func (h *handler) updateQuota(w http.ResponseWriter, r *http.Request) {
	if !h.quotaVersion(w, r) {
		return
	}
	project, resource := r.PathValue("project"), r.PathValue("resource")
	var in quotaBody
	if err := decodeStrict(r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	switch {
	case in.ProjectID != nil && *in.ProjectID != project:
		h.writeError(w, r, errdefs.Invalid("project_id", "the body's project_id %q is not the path's %q", clip(*in.ProjectID), clip(project)))
		return
	case in.Resource != nil && *in.Resource != resource:
		h.writeError(w, r, errdefs.Invalid("resource", "the body's resource %q is not the path's %q", clip(*in.Resource), clip(resource)))
		return
	case in.HardLimit == nil:
		h.writeError(w, r, errdefs.Invalid("hard_limit", "Mandatory field missing: hard_limit"))
		return
	}
	q, err := h.mgr.UpdateQuota(r.Context(), project, resource, *in.HardLimit)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, newQuotaView(q))
}

// deleteQuota serves DELETE /v1/quotas/{project_id}/{resource}: 204.
func (h *handler) deleteQuota(w http.ResponseWriter, r *http.Request) {
	if !h.quotaVersion(w, r) {
		return
	}
	if err := h.mgr.DeleteQuota(r.Context(), r.PathValue("project"), r.PathValue("resource")); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
