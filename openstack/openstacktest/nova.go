package openstacktest

import (
	"net/http"
)

// novaNotFound answers in Nova's fault format.
func novaNotFound(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusNotFound, map[string]any{"itemNotFound": map[string]any{"code": http.StatusNotFound, "message": msg}})
}

func (s *Server) flavorView(f Flavor) map[string]any {
	self := s.URL() + computePath + "/flavors/" + f.ID
	return map[string]any{
		"id": f.ID, "name": f.Name, "vcpus": f.VCPUs, "ram": f.RAM, "disk": f.Disk,
		"swap": "", "OS-FLV-EXT-DATA:ephemeral": 0, "rxtx_factor": 1.0,
		"os-flavor-access:is_public": true, "OS-FLV-DISABLED:disabled": false,
		"links": []any{map[string]any{"rel": "self", "href": self}},
	}
}

func (s *Server) serveFlavorGet(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, KindFlavorGet) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	var found *Flavor
	for i := range s.flavors {
		if s.flavors[i].ID == id {
			f := s.flavors[i]
			found = &f
			break
		}
	}
	s.mu.Unlock()
	if found == nil {
		novaNotFound(w, "Flavor "+id+" could not be found.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"flavor": s.flavorView(*found)})
}

func (s *Server) serveFlavorList(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, KindFlavorList) {
		return
	}
	s.mu.Lock()
	all := append([]Flavor(nil), s.flavors...)
	s.mu.Unlock()
	items, next, msg := page(all, func(f Flavor) string { return f.ID }, r.URL.Query(), s.pageSize)
	if msg != "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"badRequest": map[string]any{"code": http.StatusBadRequest, "message": msg}})
		return
	}
	views := make([]any, 0, len(items))
	for _, f := range items {
		views = append(views, s.flavorView(f))
	}
	body := map[string]any{"flavors": views}
	if next != "" {
		body["flavors_links"] = []any{map[string]any{"rel": "next",
			"href": s.URL() + r.URL.Path + "?" + nextURL(r, next, s.pageSize).Encode()}}
	}
	writeJSON(w, http.StatusOK, body)
}

func keypairView(k Keypair) map[string]any {
	return map[string]any{"name": k.Name, "public_key": k.PublicKey, "fingerprint": k.Fingerprint, "type": k.Type}
}

func (s *Server) serveKeypairGet(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, KindKeypairGet) {
		return
	}
	name := r.PathValue("name")
	s.mu.Lock()
	var found *Keypair
	for i := range s.keypairs {
		if s.keypairs[i].Name == name {
			k := s.keypairs[i]
			found = &k
			break
		}
	}
	s.mu.Unlock()
	if found == nil {
		novaNotFound(w, "Keypair "+name+" not found for user u-"+s.AuthOptions().Username)
		return
	}
	v := keypairView(*found)
	v["user_id"] = "u-" + s.AuthOptions().Username
	v["created_at"] = "2026-01-01T00:00:00.000000"
	v["deleted"] = false
	v["id"] = 1
	writeJSON(w, http.StatusOK, map[string]any{"keypair": v})
}

func (s *Server) serveKeypairList(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, KindKeypairList) {
		return
	}
	s.mu.Lock()
	all := append([]Keypair(nil), s.keypairs...)
	s.mu.Unlock()
	views := make([]any, 0, len(all))
	for _, k := range all {
		views = append(views, map[string]any{"keypair": keypairView(k)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"keypairs": views})
}
