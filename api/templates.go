package api

import (
	"net/http"

	"github.com/gomagnum/magnum/patch"
	"github.com/gomagnum/magnum/template"
)

// templateView is a template as the API shows it.
type templateView struct {
	*template.ClusterTemplate
	Revision *int64 `json:"revision,omitempty"` // hides the store's revision
	Links    []link `json:"links"`
}

// templateSummary is a template in a non-detail list.
type templateSummary struct {
	UUID  string `json:"uuid"`
	Name  string `json:"name"`
	Links []link `json:"links"`
}

func (h *handler) listTemplates(detail bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		opts, err := h.pageOptions(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		ts, err := h.mgr.ListClusterTemplates(r.Context(), opts)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		base := h.baseURL(r)
		items := make([]any, 0, len(ts))
		for _, t := range ts {
			links := selfLinks(base, "clustertemplates", t.UUID)
			if detail {
				items = append(items, templateView{ClusterTemplate: t, Links: links})
			} else {
				items = append(items, templateSummary{UUID: t.UUID, Name: t.Name, Links: links})
			}
		}
		body := map[string]any{"clustertemplates": items}
		if len(ts) > 0 {
			if next := h.nextLink(r, "clustertemplates", opts, len(ts), ts[len(ts)-1].UUID); next != "" {
				body["next"] = next
			}
		}
		writeJSON(w, http.StatusOK, body)
	}
}

func (h *handler) showTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := h.mgr.GetClusterTemplate(r.Context(), r.PathValue("ident"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.writeTemplate(w, r, http.StatusOK, t)
}

func (h *handler) writeTemplate(w http.ResponseWriter, r *http.Request, status int, t *template.ClusterTemplate) {
	links := selfLinks(h.baseURL(r), "clustertemplates", t.UUID)
	if status == http.StatusCreated {
		w.Header().Set("Location", links[0].Href)
	}
	writeJSON(w, status, templateView{ClusterTemplate: t, Links: links})
}

// templateCreate is the body of POST /v1/clustertemplates: the template's
// fields, plus the read-only ones Magnum tolerates (and ignores) on input.
type templateCreate struct {
	template.ClusterTemplate
	Links    []link `json:"links"`
	Revision *int64 `json:"revision"` // not accepted: shadows the store field
}

func (h *handler) createTemplate(w http.ResponseWriter, r *http.Request) {
	var in templateCreate
	if err := decodeStrict(r, &in); err != nil {
		h.writeError(w, r, err)
		return
	}
	if in.Revision != nil {
		h.writeError(w, r, unknownAttribute("revision"))
		return
	}
	t, err := h.mgr.CreateClusterTemplate(r.Context(), &in.ClusterTemplate)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.writeTemplate(w, r, http.StatusCreated, t)
}

func (h *handler) updateTemplate(w http.ResponseWriter, r *http.Request) {
	ops, err := readPatch(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	t, err := h.mgr.UpdateClusterTemplate(r.Context(), r.PathValue("ident"), ops)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.writeTemplate(w, r, http.StatusOK, t)
}

func (h *handler) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	if err := h.mgr.DeleteClusterTemplate(r.Context(), r.PathValue("ident")); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// readPatch reads a JSON-patch body.
func readPatch(r *http.Request) ([]patch.Op, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return patch.Parse(b)
}
