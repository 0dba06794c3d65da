package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gomagnum/magnum"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/store"
)

// link is a Magnum resource link.
type link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
	Type string `json:"type,omitempty"`
}

// selfLinks are a resource's self and bookmark links.
func selfLinks(base, collection, id string) []link {
	id = url.PathEscape(id)
	return []link{
		{Href: base + "/v1/" + collection + "/" + id, Rel: "self"},
		{Href: base + "/" + collection + "/" + id, Rel: "bookmark"},
	}
}

// pageOptions reads marker, limit, sort_key and sort_dir. A limit must be
// positive; none (or one above the maximum) is the maximum.
func (h *handler) pageOptions(r *http.Request) (magnum.ListOptions, error) {
	q := r.URL.Query()
	p := store.Page{Marker: q.Get("marker"), SortKey: q.Get("sort_key"), SortDir: q.Get("sort_dir"), Limit: h.cfg.MaxLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return magnum.ListOptions{}, errdefs.Invalid("limit", "limit must be an integer, not %q", clip(s))
		}
		if n <= 0 {
			return magnum.ListOptions{}, errdefs.Invalid("limit", "limit must be positive")
		}
		p.Limit = min(n, h.cfg.MaxLimit)
	}
	return magnum.ListOptions{Page: p}, nil
}

// nextLink is the URL of the page after one that ended with lastID, or ""
// when the page was not full (so no more records follow).
func (h *handler) nextLink(r *http.Request, collection string, opts magnum.ListOptions, n int, lastID string) string {
	if n == 0 || n < opts.Limit {
		return ""
	}
	q := url.Values{}
	q.Set("limit", strconv.Itoa(opts.Limit))
	q.Set("marker", lastID)
	if opts.SortKey != "" {
		q.Set("sort_key", opts.SortKey)
	}
	if opts.SortDir != "" {
		q.Set("sort_dir", opts.SortDir)
	}
	return h.baseURL(r) + "/v1/" + collection + "?" + q.Encode()
}
