package openstacktest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// neutronError answers in Neutron's fault format.
func neutronError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"NeutronError": map[string]any{"type": typ, "message": msg, "detail": ""}})
}

func (s *Server) networkView(n Network) map[string]any {
	return map[string]any{
		"id": n.ID, "name": n.Name, "router:external": n.External, "subnets": append([]string{}, n.Subnets...),
		"admin_state_up": true, "status": "ACTIVE", "shared": false, "mtu": 1450,
		"tenant_id": s.heat.ProjectID(), "project_id": s.heat.ProjectID(),
		"availability_zones": []string{"nova"}, "tags": []string{}, "description": "",
	}
}

func (s *Server) subnetView(sn Subnet) map[string]any {
	return map[string]any{
		"id": sn.ID, "name": sn.Name, "network_id": sn.NetworkID, "cidr": sn.CIDR, "gateway_ip": sn.GatewayIP,
		"ip_version": sn.IPVersion, "enable_dhcp": true, "dns_nameservers": []string{}, "host_routes": []any{},
		"allocation_pools": []any{}, "tenant_id": s.heat.ProjectID(), "project_id": s.heat.ProjectID(),
		"tags": []string{}, "description": "",
	}
}

func (s *Server) serveNetworkGet(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, KindNetworkGet) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	i := slices.IndexFunc(s.networks, func(n Network) bool { return n.ID == id })
	var n Network
	if i >= 0 {
		n = s.networks[i]
		n.Subnets = slices.Clone(n.Subnets)
	}
	s.mu.Unlock()
	if i < 0 {
		neutronError(w, http.StatusNotFound, "NetworkNotFound", "Network "+id+" could not be found.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"network": s.networkView(n)})
}

func (s *Server) serveNetworkList(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, KindNetworkList) {
		return
	}
	q := r.URL.Query()
	if v, ok := q["router:external"]; ok && len(v) > 0 {
		q.Set("router:external", strings.ToLower(v[0])) // Neutron takes True or true
	}
	s.mu.Lock()
	var sel []Network
	for _, n := range s.networks {
		if matches(q, map[string]string{"id": n.ID, "name": n.Name, "router:external": strconv.FormatBool(n.External)}) {
			n.Subnets = slices.Clone(n.Subnets)
			sel = append(sel, n)
		}
	}
	s.mu.Unlock()
	items, next, msg := page(sel, func(n Network) string { return n.ID }, q, s.pageSize)
	if msg != "" {
		neutronError(w, http.StatusBadRequest, "BadRequest", msg)
		return
	}
	views := make([]any, 0, len(items))
	for _, n := range items {
		views = append(views, s.networkView(n))
	}
	body := map[string]any{"networks": views}
	if next != "" {
		body["networks_links"] = []any{map[string]any{"rel": "next",
			"href": s.URL() + r.URL.Path + "?" + nextURL(r, next, s.pageSize).Encode()}}
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) serveSubnetGet(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, KindSubnetGet) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	i := slices.IndexFunc(s.subnets, func(n Subnet) bool { return n.ID == id })
	var sn Subnet
	if i >= 0 {
		sn = s.subnets[i]
	}
	s.mu.Unlock()
	if i < 0 {
		neutronError(w, http.StatusNotFound, "SubnetNotFound", "Subnet "+id+" could not be found.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"subnet": s.subnetView(sn)})
}

func (s *Server) serveSubnetList(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, KindSubnetList) {
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	var sel []Subnet
	for _, sn := range s.subnets {
		if matches(q, map[string]string{"id": sn.ID, "name": sn.Name, "network_id": sn.NetworkID, "cidr": sn.CIDR}) {
			sel = append(sel, sn)
		}
	}
	s.mu.Unlock()
	items, next, msg := page(sel, func(n Subnet) string { return n.ID }, q, s.pageSize)
	if msg != "" {
		neutronError(w, http.StatusBadRequest, "BadRequest", msg)
		return
	}
	views := make([]any, 0, len(items))
	for _, sn := range items {
		views = append(views, s.subnetView(sn))
	}
	body := map[string]any{"subnets": views}
	if next != "" {
		body["subnets_links"] = []any{map[string]any{"rel": "next",
			"href": s.URL() + r.URL.Path + "?" + nextURL(r, next, s.pageSize).Encode()}}
	}
	writeJSON(w, http.StatusOK, body)
}
