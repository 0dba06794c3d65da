package openstacktest

import (
	"net/http"
)

// imageView is an image as Glance v2 shows it: properties at top level.
func (s *Server) imageView(img Image) map[string]any {
	v := map[string]any{}
	for k, p := range img.Properties {
		v[k] = p
	}
	for k, p := range map[string]any{
		"id": img.ID, "name": img.Name, "status": img.Status, "visibility": img.Visibility,
		"container_format": "bare", "disk_format": "qcow2", "min_disk": 0, "min_ram": 0,
		"size": 1 << 30, "protected": false, "os_hidden": false, "tags": []string{},
		"owner": s.heat.ProjectID(), "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
		"self": "/v2/images/" + img.ID, "file": "/v2/images/" + img.ID + "/file", "schema": "/v2/schemas/image",
	} {
		v[k] = p
	}
	return v
}

func (s *Server) serveImageGet(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, KindImageGet) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	var found *Image
	for i := range s.images {
		if s.images[i].ID == id {
			img := cloneImage(s.images[i])
			found = &img
			break
		}
	}
	s.mu.Unlock()
	if found == nil {
		// Glance answers 404 in plain text.
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("404 Not Found\n\nNo image found with ID " + id + "\n\n"))
		return
	}
	writeJSON(w, http.StatusOK, s.imageView(*found))
}

func (s *Server) serveImageList(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, KindImageList) {
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	var sel []Image
	for _, img := range s.images {
		if matches(q, map[string]string{"id": img.ID, "name": img.Name, "status": img.Status, "visibility": img.Visibility}) {
			sel = append(sel, cloneImage(img))
		}
	}
	s.mu.Unlock()
	size := s.pageSize
	if size <= 0 {
		size = glancePageSize
	}
	items, next, msg := page(sel, func(i Image) string { return i.ID }, q, size)
	if msg != "" {
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("400 Bad Request\n\n" + msg + "\n\n"))
		return
	}
	views := make([]any, 0, len(items))
	for _, img := range items {
		views = append(views, s.imageView(img))
	}
	body := map[string]any{"images": views, "first": "/v2/images", "schema": "/v2/schemas/images"}
	if next != "" {
		body["next"] = "/v2/images?" + nextURL(r, next, size).Encode()
	}
	writeJSON(w, http.StatusOK, body)
}
