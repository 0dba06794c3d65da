package heattest

import (
	"fmt"
	"strings"
)

// simType simulates one resource type: which attributes Heat validates
// (nil: any attribute is accepted and unknown ones are null) and how the
// resource's attributes come about.
type simType struct {
	strict map[string]bool
	sim    func(b *builder, r *resource) error
	// fail, when set, returns the reason the resource fails by itself
	// (OS::Heat::TestResource with fail: true).
	fail func(r *resource) string
}

func names(s ...string) map[string]bool {
	m := make(map[string]bool, len(s)+1)
	for _, n := range s {
		m[n] = true
	}
	m["show"] = true
	return m
}

// simTypes are the resource types the fake knows. Types not listed are
// rejected like Heat rejects types it has no plugin for.
var simTypes = map[string]simType{
	"OS::Heat::None":  {sim: simPlain},
	"OS::Heat::Value": {strict: names("value"), sim: func(_ *builder, r *resource) error { r.attrs = map[string]any{"value": r.props["value"]}; return nil }},
	"OS::Heat::RandomString": {strict: names("value"), sim: func(b *builder, r *resource) error {
		n := 32
		if l, ok := toIndex(r.props["length"]); ok && l > 0 && l <= 512 {
			n = l
		}
		v, ok := r.alloc["value"]
		if !ok || len(v) != n {
			v = b.s.randomString(n)
			r.alloc["value"] = v
		}
		r.attrs = map[string]any{"value": v}
		r.ref = v // get_resource of a RandomString is the string itself
		return nil
	}},
	"OS::Heat::TestResource": {strict: names("output"), sim: func(_ *builder, r *resource) error {
		r.attrs = map[string]any{"output": r.props["value"]}
		return nil
	}, fail: func(r *resource) string {
		if b, ok := r.props["fail"].(bool); ok && b {
			return "Test Resource failed " + r.name
		}
		return ""
	}},
	"OS::Heat::SoftwareConfig":            {sim: simConfig},
	"OS::Heat::StructuredConfig":          {sim: simConfig},
	"OS::Heat::CloudConfig":               {sim: simConfig},
	"OS::Heat::MultipartMime":             {sim: simConfig},
	"OS::Heat::SoftwareComponent":         {sim: simConfig},
	"OS::Heat::SoftwareDeployment":        {sim: simDeployment},
	"OS::Heat::SoftwareDeploymentGroup":   {sim: simDeployment},
	"OS::Heat::StructuredDeployment":      {sim: simDeployment},
	"OS::Heat::StructuredDeploymentGroup": {sim: simDeployment},
	"OS::Heat::WaitConditionHandle":       {sim: simWaitHandle},
	"OS::Heat::WaitCondition":             {sim: func(_ *builder, r *resource) error { r.attrs = map[string]any{"data": "{}"}; return nil }},
	"OS::Heat::AccessPolicy":              {sim: simPlain},
	"OS::Heat::ScalingPolicy":             {sim: simPlain},

	"OS::Nova::Server":      {sim: simServer},
	"OS::Nova::ServerGroup": {sim: simPlain},
	"OS::Nova::KeyPair": {sim: func(_ *builder, r *resource) error {
		r.attrs = map[string]any{"public_key": r.props["public_key"], "private_key": ""}
		r.ref = r.props["name"]
		return nil
	}},
	"OS::Nova::Flavor": {sim: simPlain},

	"OS::Neutron::Net":                   {sim: simNet},
	"OS::Neutron::ProviderNet":           {sim: simNet},
	"OS::Neutron::Subnet":                {sim: simSubnet},
	"OS::Neutron::Port":                  {sim: simPort},
	"OS::Neutron::Router":                {sim: simRouter},
	"OS::Neutron::RouterInterface":       {sim: simPlain},
	"OS::Neutron::RouterGateway":         {sim: simPlain},
	"OS::Neutron::FloatingIP":            {sim: simFloatingIP},
	"OS::Neutron::FloatingIPAssociation": {sim: simPlain},
	"OS::Neutron::SecurityGroup":         {sim: simPlain},
	"OS::Neutron::SecurityGroupRule":     {sim: simPlain},
	"OS::Neutron::LBaaS::LoadBalancer":   {sim: simLoadBalancer},
	"OS::Neutron::LBaaS::Listener":       {sim: simPlain},
	"OS::Neutron::LBaaS::Pool":           {sim: simPlain},
	"OS::Neutron::LBaaS::PoolMember":     {sim: simPoolMember},
	"OS::Neutron::LBaaS::HealthMonitor":  {sim: simPlain},
	"OS::Octavia::LoadBalancer":          {sim: simLoadBalancer},
	"OS::Octavia::Listener":              {sim: simPlain},
	"OS::Octavia::Pool":                  {sim: simPlain},
	"OS::Octavia::PoolMember":            {sim: simPoolMember},
	"OS::Octavia::HealthMonitor":         {sim: simPlain},

	"OS::Cinder::Volume": {sim: func(_ *builder, r *resource) error {
		r.attrs = map[string]any{"size": r.props["size"], "status": "available", "display_name": r.props["name"], "attachments": []any{}}
		return nil
	}},
	"OS::Cinder::VolumeAttachment": {sim: simPlain},
	"OS::Swift::Container":         {sim: simPlain},
}

func simPlain(_ *builder, r *resource) error {
	r.attrs = map[string]any{}
	return nil
}

func simConfig(_ *builder, r *resource) error {
	cfg := r.props["config"]
	if cfg == nil {
		cfg = r.props["cloud_config"]
	}
	r.attrs = map[string]any{"config": cfg}
	return nil
}

func simDeployment(_ *builder, r *resource) error {
	r.attrs = map[string]any{"deploy_stdout": "", "deploy_stderr": "", "deploy_status_code": 0}
	return nil
}

func simWaitHandle(b *builder, r *resource) error {
	endpoint := b.s.OrchestrationEndpoint() + "/stacks/" + r.inst.name + "/" + r.inst.id + "/resources/" + r.name + "/signal"
	r.attrs = map[string]any{
		"endpoint": endpoint,
		"token":    "token-" + r.physID,
		"curl_cli": "curl -i -X POST -H 'X-Auth-Token: token-" + r.physID + "' -H 'Content-Type: application/json' -H 'Accept: application/json' " + endpoint,
		"signal":   map[string]any{"alarm_url": endpoint},
	}
	return nil
}

// str reads a string property ("" when unset or not a string).
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// lookup returns a resource of this stack tree by physical ID and type
// prefix, or nil (IDs of resources made elsewhere are just strings).
func (b *builder) lookup(id string, types ...string) *resource {
	r, ok := b.objects[id]
	if !ok {
		return nil
	}
	for _, t := range types {
		if r.typ == t {
			return r
		}
	}
	return nil
}

var netTypes = []string{"OS::Neutron::Net", "OS::Neutron::ProviderNet"}

// subnetFor picks the subnet an address comes from: the subnet if it is
// one of ours, else the first subnet of the network if that is ours, else
// the default range. It returns the range and the subnet and network IDs.
func (b *builder) subnetFor(subnetID, networkID string) (cidr, sid, nid string) {
	if sn := b.lookup(subnetID, "OS::Neutron::Subnet"); sn != nil {
		return str(sn.attrs, "cidr"), sn.physID, str(sn.attrs, "network_id")
	}
	if n := b.lookup(networkID, netTypes...); n != nil {
		if subs, _ := n.attrs["subnets"].([]any); len(subs) > 0 {
			if sn := b.lookup(scalarString(subs[0]), "OS::Neutron::Subnet"); sn != nil {
				return str(sn.attrs, "cidr"), sn.physID, n.physID
			}
		}
	}
	return b.s.opts.DefaultCIDR, subnetID, networkID
}

// allocIP gives r an address of cidr under key, the same on every update.
func (b *builder) allocIP(r *resource, key, cidr string) string {
	if ip, ok := r.alloc[key]; ok {
		return ip
	}
	a, ok := b.st.ipam[cidr]
	if !ok {
		var err error
		a, err = newAllocator(cidr)
		if err != nil {
			cidr = b.s.opts.DefaultCIDR
			if a, ok = b.st.ipam[cidr]; !ok {
				a, _ = newAllocator(cidr)
			}
		}
		b.st.ipam[cidr] = a
	}
	ip := a.take()
	r.alloc[key] = ip
	return ip
}

// netName is how Nova names a network in a server's addresses.
func (b *builder) netName(networkID string) string {
	if n := b.lookup(networkID, netTypes...); n != nil {
		return str(n.attrs, "name")
	}
	if networkID == "" {
		return "private"
	}
	return networkID
}

func simNet(b *builder, r *resource) error {
	name := str(r.props, "name")
	if name == "" {
		name = r.inst.name + "-" + r.name + "-" + strings.ToLower(r.physID[:8])
	}
	r.attrs = map[string]any{"name": name, "subnets": []any{}, "status": "ACTIVE", "admin_state_up": true, "mtu": 1450, "port_security_enabled": true}
	return nil
}

func simSubnet(b *builder, r *resource) error {
	cidr := str(r.props, "cidr")
	if cidr == "" {
		cidr = b.s.opts.DefaultCIDR
	}
	a, err := newAllocator(cidr)
	if err != nil {
		return err
	}
	netID := str(r.props, "network")
	if netID == "" {
		netID = str(r.props, "network_id")
	}
	r.attrs = map[string]any{
		"cidr": a.prefix.String(), "gateway_ip": a.gateway(), "network_id": netID, "name": r.props["name"],
		"ip_version": 4, "enable_dhcp": true, "dns_nameservers": r.props["dns_nameservers"],
		"allocation_pools": []any{map[string]any{"start": a.nth(2), "end": a.lastHost()}},
	}
	if n := b.lookup(netID, netTypes...); n != nil {
		subs, _ := n.attrs["subnets"].([]any)
		found := false
		for _, s := range subs {
			found = found || s == r.physID
		}
		if !found {
			n.attrs["subnets"] = append(subs, r.physID)
		}
	}
	return nil
}

func simPort(b *builder, r *resource) error {
	netID := str(r.props, "network")
	if netID == "" {
		netID = str(r.props, "network_id")
	}
	var fixed []any
	entries, _ := r.props["fixed_ips"].([]any)
	if len(entries) == 0 {
		entries = []any{map[string]any{}}
	}
	for i, e := range entries {
		em, _ := e.(map[string]any)
		sub := str(em, "subnet")
		if sub == "" {
			sub = str(em, "subnet_id")
		}
		cidr, sid, nid := b.subnetFor(sub, netID)
		if netID == "" {
			netID = nid
		}
		ip := str(em, "ip_address")
		if ip == "" {
			ip = b.allocIP(r, fmt.Sprintf("fixed%d", i), cidr)
		}
		fixed = append(fixed, map[string]any{"subnet_id": sid, "ip_address": ip})
	}
	r.attrs = map[string]any{
		"fixed_ips": fixed, "network_id": netID, "mac_address": b.mac(r), "name": r.props["name"],
		"status": "ACTIVE", "device_id": "", "allowed_address_pairs": r.props["allowed_address_pairs"],
	}
	return nil
}

func (b *builder) mac(r *resource) string {
	if m, ok := r.alloc["mac"]; ok {
		return m
	}
	m := fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", b.s.rng.IntN(256), b.s.rng.IntN(256), b.s.rng.IntN(256))
	r.alloc["mac"] = m
	return m
}

func simServer(b *builder, r *resource) error {
	type addr struct{ net, netID, ip, mac, port string }
	var addrs []addr
	nets, _ := r.props["networks"].([]any)
	for i, n := range nets {
		nm, _ := n.(map[string]any)
		if portID := str(nm, "port"); portID != "" {
			if p := b.lookup(portID, "OS::Neutron::Port"); p != nil {
				fixed, _ := p.attrs["fixed_ips"].([]any)
				for _, f := range fixed {
					fm, _ := f.(map[string]any)
					nid := str(p.attrs, "network_id")
					addrs = append(addrs, addr{b.netName(nid), nid, str(fm, "ip_address"), str(p.attrs, "mac_address"), portID})
				}
				continue
			}
		}
		netID := str(nm, "network")
		if netID == "" {
			netID = str(nm, "uuid")
		}
		cidr, _, nid := b.subnetFor(str(nm, "subnet"), netID)
		ip := str(nm, "fixed_ip")
		if ip == "" {
			ip = b.allocIP(r, fmt.Sprintf("net%d", i), cidr)
		}
		addrs = append(addrs, addr{b.netName(nid), nid, ip, b.mac(r), str(nm, "port")})
	}
	if len(addrs) == 0 {
		addrs = append(addrs, addr{"private", "", b.allocIP(r, "net0", b.s.opts.DefaultCIDR), b.mac(r), ""})
	}
	networks := map[string]any{}
	addresses := map[string]any{}
	for _, a := range addrs {
		for _, key := range []string{a.net, a.netID} {
			if key == "" {
				continue
			}
			l, _ := networks[key].([]any)
			networks[key] = append(l, a.ip)
		}
		l, _ := addresses[a.net].([]any)
		addresses[a.net] = append(l, map[string]any{
			"addr": a.ip, "version": 4, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": a.mac, "port": a.port,
		})
	}
	name := str(r.props, "name")
	if name == "" {
		name = r.inst.name + "-" + r.name + "-" + strings.ToLower(r.physID[:12])
	}
	r.attrs = map[string]any{
		"first_address": addrs[0].ip, "networks": networks, "addresses": addresses, "name": name,
		"instance_name": "instance-" + r.physID[:8], "accessIPv4": "", "accessIPv6": "",
		"console_urls": map[string]any{}, "os_collect_config": map[string]any{}, "tags": r.props["tags"],
	}
	return nil
}

func simRouter(_ *builder, r *resource) error {
	r.attrs = map[string]any{"name": r.props["name"], "status": "ACTIVE", "external_gateway_info": r.props["external_gateway_info"]}
	return nil
}

func simFloatingIP(b *builder, r *resource) error {
	ip, ok := r.alloc["floating"]
	if !ok {
		ip = b.s.floating.take()
		r.alloc["floating"] = ip
	}
	portID := str(r.props, "port_id")
	fixed := str(r.props, "fixed_ip_address")
	if p := b.lookup(portID, "OS::Neutron::Port"); p != nil && fixed == "" {
		if l, _ := p.attrs["fixed_ips"].([]any); len(l) > 0 {
			fm, _ := l[0].(map[string]any)
			fixed = str(fm, "ip_address")
		}
	}
	netID := str(r.props, "floating_network")
	if netID == "" {
		netID = str(r.props, "floating_network_id")
	}
	r.attrs = map[string]any{
		"floating_ip_address": ip, "fixed_ip_address": nilIfEmpty(fixed), "floating_network_id": netID,
		"port_id": nilIfEmpty(portID), "router_id": nil,
	}
	return nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func simLoadBalancer(b *builder, r *resource) error {
	sub := str(r.props, "vip_subnet")
	netID := str(r.props, "vip_network")
	cidr, sid, _ := b.subnetFor(sub, netID)
	ip := str(r.props, "vip_address")
	if ip == "" {
		ip = b.allocIP(r, "vip", cidr)
	}
	r.attrs = map[string]any{
		"vip_address": ip, "vip_port_id": "port-" + r.physID, "vip_subnet_id": sid,
		"provisioning_status": "ACTIVE", "operating_status": "ONLINE", "pools": []any{}, "listeners": []any{},
	}
	return nil
}

func simPoolMember(_ *builder, r *resource) error {
	r.attrs = map[string]any{"address": r.props["address"], "protocol_port": r.props["protocol_port"], "weight": 1}
	return nil
}
