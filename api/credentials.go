package api

import "net/http"

// rotateCredential serves PATCH /v1/credentials/{cluster} (1.12+): the
// cluster's driver replaces the cloud credential its nodes use, before the
// answer, which is 202 with {"uuid"} as in Magnum. A driver without
// credential rotation (the built-in Heat drivers) is 400, a cluster not
// settled 409. The body, if any, is not read.
func (h *handler) rotateCredential(w http.ResponseWriter, r *http.Request) {
	if err := requireVersion(state(r.Context()).version, verCredentials, "credential rotation"); err != nil {
		h.writeError(w, r, err)
		return
	}
	c, err := h.mgr.RotateCredential(r.Context(), r.PathValue("ident"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, uuidBody{UUID: c.UUID})
}
