package api

import (
	"net/http"
)

// versionDoc describes API v1 in the version documents.
type versionDoc struct {
	ID         string `json:"id"`
	Links      []link `json:"links"`
	Status     string `json:"status"`
	MinVersion string `json:"min_version"`
	MaxVersion string `json:"max_version"`
}

func (h *handler) v1Doc(r *http.Request) versionDoc {
	return versionDoc{
		ID:         "v1",
		Links:      []link{{Href: h.baseURL(r) + "/v1/", Rel: "self"}},
		Status:     "CURRENT",
		MinVersion: MinVersion.String(),
		MaxVersion: MaxVersion.String(),
	}
}

// rootVersions serves GET /: the versions of the API.
func (h *handler) rootVersions(w http.ResponseWriter, r *http.Request) {
	v := h.v1Doc(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"name":            "OpenStack Magnum API",
		"description":     "Container cluster management compatible with OpenStack Magnum, served by gomagnum.",
		"versions":        []versionDoc{v},
		"default_version": v,
	})
}

// v1Version serves GET /v1: the version's media types and resource links.
func (h *handler) v1Version(w http.ResponseWriter, r *http.Request) {
	base := h.baseURL(r)
	doc := map[string]any{
		"id": "v1",
		"media_types": []map[string]string{
			{"base": "application/json", "type": "application/vnd.openstack.magnum.v1+json"},
		},
		"links": []link{{Href: base + "/v1/", Rel: "self"}},
	}
	for _, c := range []string{"clustertemplates", "clusters", "certificates", "mservices", "stats", "quotas"} {
		doc[c] = []link{{Href: base + "/v1/" + c + "/", Rel: "self"}, {Href: base + "/" + c + "/", Rel: "bookmark"}}
	}
	writeJSON(w, http.StatusOK, doc)
}
