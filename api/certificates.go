package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/gomagnum/magnum/errdefs"
)

// caType maps Magnum's ca_cert_type to the Manager's: "" (kubernetes),
// "etcd" or "front-proxy".
func caType(s string) (string, error) {
	switch strings.ToLower(s) {
	case "", "kubernetes":
		return "", nil
	case "etcd":
		return "etcd", nil
	case "front_proxy", "front-proxy":
		return "front-proxy", nil
	}
	return "", errdefs.Invalid("ca_cert_type", "ca_cert_type must be kubernetes, etcd or front_proxy, not %q", clip(s))
}

// certificateView is GET /v1/certificates/{cluster}'s answer.
type certificateView struct {
	ClusterUUID string `json:"cluster_uuid"`
	PEM         string `json:"pem"`
	CSR         string `json:"csr,omitempty"`
	CACertType  string `json:"ca_cert_type,omitempty"`
	Links       []link `json:"links"`
}

// clusterUUID returns ident when it is a UUID, else the named cluster's.
func (h *handler) clusterUUID(r *http.Request, ident string) (string, error) {
	if _, err := uuid.Parse(ident); err == nil && len(ident) == 36 {
		return ident, nil
	}
	c, err := h.mgr.GetCluster(r.Context(), ident)
	if err != nil {
		return "", err
	}
	return c.UUID, nil
}

func (h *handler) showCA(w http.ResponseWriter, r *http.Request) {
	ident := r.PathValue("ident")
	typ, err := caType(r.URL.Query().Get("ca_cert_type"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	pem, err := h.mgr.ClusterCA(r.Context(), ident, typ)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id, err := h.clusterUUID(r, ident)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, certificateView{ClusterUUID: id, PEM: string(pem), Links: selfLinks(h.baseURL(r), "certificates", id)})
}

// signRequest is the body of POST /v1/certificates.
type signRequest struct {
	ClusterUUID string `json:"cluster_uuid"`
	BayUUID     string `json:"bay_uuid"`
	CSR         string `json:"csr"`
	CACertType  string `json:"ca_cert_type"`
}

func (h *handler) signCSR(w http.ResponseWriter, r *http.Request) {
	var in signRequest
	if err := decodeStrict(r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	ident := in.ClusterUUID
	if ident == "" {
		ident = in.BayUUID
	}
	if ident == "" {
		h.writeError(w, r, errdefs.Invalid("cluster_uuid", "cluster_uuid is mandatory"))
		return
	}
	if in.CSR == "" {
		h.writeError(w, r, errdefs.Invalid("csr", "csr is mandatory"))
		return
	}
	typ, err := caType(in.CACertType)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	pem, err := h.mgr.SignCSR(r.Context(), ident, []byte(in.CSR), typ)
	if err != nil {
		// Magnum answers an unknown cluster on CSR post with 400.
		if errors.Is(err, errdefs.ErrNotFound) {
			err = errdefs.Invalid("cluster_uuid", "%s", err.Error())
		}
		h.writeError(w, r, err)
		return
	}
	id, err := h.clusterUUID(r, ident)
	if err != nil {
		id = ident // the trustee may sign but not read the cluster
	}
	out := certificateView{ClusterUUID: id, PEM: string(pem), CSR: in.CSR, CACertType: in.CACertType,
		Links: selfLinks(h.baseURL(r), "certificates", id)}
	if out.CACertType == "" {
		out.CACertType = "kubernetes"
	}
	writeJSON(w, http.StatusCreated, out)
}

// rotateCA serves PATCH /v1/certificates/{cluster}: 202 with {"uuid"}
// while the new CAs are delivered. The body, if any, is not read: Magnum
// takes none (clients send none or the cluster's UUID).
func (h *handler) rotateCA(w http.ResponseWriter, r *http.Request) {
	if err := requireVersion(state(r.Context()).version, verRotateCA, "CA rotation"); err != nil {
		h.writeError(w, r, err)
		return
	}
	c, err := h.mgr.RotateCA(r.Context(), r.PathValue("ident"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, uuidBody{UUID: c.UUID})
}
