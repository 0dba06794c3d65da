package api

import (
	"net/http"
)

// routes builds the mux of every path served.
func (h *handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.rootVersions)
	mux.HandleFunc("GET /v1", h.v1Version)
	mux.HandleFunc("GET /v1/{$}", h.v1Version)

	mux.HandleFunc("GET /v1/clustertemplates", h.listTemplates(false))
	mux.HandleFunc("GET /v1/clustertemplates/detail", h.listTemplates(true))
	mux.HandleFunc("GET /v1/clustertemplates/{ident}", h.showTemplate)
	mux.HandleFunc("POST /v1/clustertemplates", h.createTemplate)
	mux.HandleFunc("PATCH /v1/clustertemplates/{ident}", h.updateTemplate)
	mux.HandleFunc("DELETE /v1/clustertemplates/{ident}", h.deleteTemplate)

	mux.HandleFunc("GET /v1/clusters", h.listClusters(false))
	mux.HandleFunc("GET /v1/clusters/detail", h.listClusters(true))
	mux.HandleFunc("GET /v1/clusters/{ident}", h.showCluster)
	mux.HandleFunc("POST /v1/clusters", h.createCluster)
	mux.HandleFunc("PATCH /v1/clusters/{ident}", h.updateCluster)
	mux.HandleFunc("DELETE /v1/clusters/{ident}", h.deleteCluster)
	mux.HandleFunc("POST /v1/clusters/{ident}/actions/resize", h.resizeCluster)
	mux.HandleFunc("POST /v1/clusters/{ident}/actions/upgrade", h.upgradeCluster)

	mux.HandleFunc("GET /v1/clusters/{ident}/nodegroups", h.listNodeGroups)
	mux.HandleFunc("GET /v1/clusters/{ident}/nodegroups/{ng}", h.showNodeGroup)
	mux.HandleFunc("POST /v1/clusters/{ident}/nodegroups", h.createNodeGroup)
	mux.HandleFunc("PATCH /v1/clusters/{ident}/nodegroups/{ng}", h.updateNodeGroup)
	mux.HandleFunc("DELETE /v1/clusters/{ident}/nodegroups/{ng}", h.deleteNodeGroup)

	mux.HandleFunc("GET /v1/certificates/{ident}", h.showCA)
	mux.HandleFunc("POST /v1/certificates", h.signCSR)
	mux.HandleFunc("PATCH /v1/certificates/{ident}", h.rotateCA)

	mux.HandleFunc("PATCH /v1/credentials/{ident}", h.rotateCredential)

	mux.HandleFunc("GET /v1/stats", h.stats)
	mux.HandleFunc("GET /v1/mservices", h.services)

	mux.HandleFunc("GET /v1/quotas", h.listQuotas)
	mux.HandleFunc("POST /v1/quotas", h.createQuota)
	mux.HandleFunc("GET /v1/quotas/{project}/{resource}", h.showQuota)
	mux.HandleFunc("PATCH /v1/quotas/{project}/{resource}", h.updateQuota)
	mux.HandleFunc("DELETE /v1/quotas/{project}/{resource}", h.deleteQuota)

	mux.HandleFunc("/", h.noRoute(mux))
	return mux
}

// noRoute answers paths no route serves: 405 with Allow when another method
// would be served, else 404.
func (h *handler) noRoute(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
			if m == r.Method {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			for _, m := range allow {
				w.Header().Add("Allow", m)
			}
			h.writeError(w, r, &statusError{status: http.StatusMethodNotAllowed, msg: "The method " + clip(r.Method) + " is not allowed for this resource."})
			return
		}
		h.writeError(w, r, &statusError{status: http.StatusNotFound, msg: "The resource could not be found."})
	}
}
