package openstacktest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// RequestKind classifies the requests Glance, Nova and Neutron receive.
type RequestKind string

// The request kinds, for Requests and Fault.
const (
	KindImageGet    RequestKind = "image.get"    // GET /v2/images/{id}
	KindImageList   RequestKind = "image.list"   // GET /v2/images
	KindFlavorGet   RequestKind = "flavor.get"   // GET /flavors/{id}
	KindFlavorList  RequestKind = "flavor.list"  // GET /flavors, /flavors/detail
	KindKeypairGet  RequestKind = "keypair.get"  // GET /os-keypairs/{name}
	KindKeypairList RequestKind = "keypair.list" // GET /os-keypairs
	KindNetworkGet  RequestKind = "network.get"  // GET /v2.0/networks/{id}
	KindNetworkList RequestKind = "network.list" // GET /v2.0/networks
	KindSubnetGet   RequestKind = "subnet.get"   // GET /v2.0/subnets/{id}
	KindSubnetList  RequestKind = "subnet.list"  // GET /v2.0/subnets
	KindVersions    RequestKind = "versions"     // version discovery documents
	KindOther       RequestKind = "other"        // anything the fake does not serve
)

// glancePageSize is Glance's default page (limit_param_default).
const glancePageSize = 25

// routes serves the three services; paths are the full URL paths.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+imagePath+"/{$}", s.serveVersions("v2.16", "/v2/"))
	mux.HandleFunc("GET "+imagePath+"/v2/images", s.serveImageList)
	mux.HandleFunc("GET "+imagePath+"/v2/images/{id}", s.serveImageGet)
	mux.HandleFunc("GET "+computePath+"/flavors", s.serveFlavorList)
	mux.HandleFunc("GET "+computePath+"/flavors/detail", s.serveFlavorList)
	mux.HandleFunc("GET "+computePath+"/flavors/{id}", s.serveFlavorGet)
	mux.HandleFunc("GET "+computePath+"/os-keypairs", s.serveKeypairList)
	mux.HandleFunc("GET "+computePath+"/os-keypairs/{name}", s.serveKeypairGet)
	mux.HandleFunc("GET "+networkPath+"/{$}", s.serveVersions("v2.0", "/v2.0/"))
	mux.HandleFunc("GET "+networkPath+"/v2.0/networks", s.serveNetworkList)
	mux.HandleFunc("GET "+networkPath+"/v2.0/networks/{id}", s.serveNetworkGet)
	mux.HandleFunc("GET "+networkPath+"/v2.0/subnets", s.serveSubnetList)
	mux.HandleFunc("GET "+networkPath+"/v2.0/subnets/{id}", s.serveSubnetGet)
	for _, p := range []string{imagePath, computePath, networkPath} {
		mux.HandleFunc(p+"/", func(w http.ResponseWriter, r *http.Request) {
			s.begin(w, r, KindOther)
			writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{
				"code": http.StatusNotFound, "title": "Not Found", "message": "openstacktest does not serve " + r.Method + " " + r.URL.Path}})
		})
	}
	return mux
}

// serveVersions answers an unversioned endpoint with its version document.
func (s *Server) serveVersions(id, rel string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.begin(w, r, KindVersions) {
			return
		}
		base := s.URL() + r.URL.Path
		writeJSON(w, http.StatusOK, map[string]any{"versions": []any{map[string]any{
			"id": id, "status": "CURRENT", "links": []any{map[string]any{"rel": "self", "href": base[:len(base)-1] + rel}}}}})
	}
}

// page cuts one page out of items after the marker. limit is the client's
// (0: none) within the server's size (0: none). next is the marker of the
// following page, "" on the last.
func page[T any](items []T, id func(T) string, q url.Values, size int) (out []T, next string, errMsg string) {
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, "", "limit must be a non-negative integer"
		}
		limit = n
	}
	if size > 0 && (limit == 0 || limit > size) {
		limit = size
	}
	if m := q.Get("marker"); m != "" {
		i := 0
		for i < len(items) && id(items[i]) != m {
			i++
		}
		if i == len(items) {
			return nil, "", fmt.Sprintf("marker %s not found", m)
		}
		items = items[i+1:]
	}
	if limit > 0 && len(items) > limit {
		return items[:limit], id(items[limit-1]), ""
	}
	return items, "", ""
}

// nextURL is the request's URL with the marker of the next page and the
// limit the client would have to send.
func nextURL(r *http.Request, marker string, limit int) url.Values {
	q := r.URL.Query()
	q.Set("marker", marker)
	if q.Get("limit") == "" && limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

// matches applies exact-match query filters: every filter the request
// sends (among those the service supports) must equal the field.
func matches(q url.Values, fields map[string]string) bool {
	for k, v := range fields {
		if want, ok := q[k]; ok && len(want) > 0 && want[0] != v {
			return false
		}
	}
	return true
}
