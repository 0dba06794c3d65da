package openstacktest

import (
	"fmt"
	"maps"
	"slices"
)

// Image is a Glance image. Properties are Glance's extra properties
// (os_distro among them), served as top-level fields as Glance does.
type Image struct {
	ID         string // "" gets a generated UUID
	Name       string
	Status     string // "" means "active"
	Visibility string // "" means "public"
	Properties map[string]string
}

// Flavor is a Nova flavor.
type Flavor struct {
	ID    string // "" gets a generated UUID; Nova's IDs are free-form
	Name  string
	VCPUs int
	RAM   int // MiB
	Disk  int // GiB
}

// Keypair is a Nova keypair, known by its name.
type Keypair struct {
	Name        string
	PublicKey   string // "" gets a fixed placeholder key
	Fingerprint string // "" gets a placeholder
	Type        string // "" means "ssh"
}

// Network is a Neutron network.
type Network struct {
	ID       string // "" gets a generated UUID
	Name     string
	External bool // router:external
	// Subnets are the IDs of its subnets; AddSubnet maintains them.
	Subnets []string
}

// Subnet is a Neutron subnet of NetworkID.
type Subnet struct {
	ID        string // "" gets a generated UUID
	Name      string
	NetworkID string
	CIDR      string
	GatewayIP string
	IPVersion int // 0 means 4
}

// The seed catalog: what a devstack with Magnum's images looks like.
const (
	SeedKeypair = "testkey"
	// PublicNetwork is the external network; PrivateNetwork a tenant
	// network with PrivateSubnet.
	PublicNetwork  = "public"
	PublicSubnet   = "public-subnet"
	PrivateNetwork = "private"
	PrivateSubnet  = "private-subnet"
)

const placeholderKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpenstacktestPlaceholderKeyNotARealOne0000 testkey"

// seed fills the catalog described in the package documentation.
func (s *Server) seed() {
	s.AddImage(Image{Name: "fedora-atomic-latest", Properties: map[string]string{"os_distro": "fedora-atomic"}})
	s.AddImage(Image{Name: "coreos", Properties: map[string]string{"os_distro": "coreos"}})
	s.AddImage(Image{Name: "ubuntu-mesos", Properties: map[string]string{"os_distro": "ubuntu"}})
	s.AddFlavor(Flavor{Name: "m1.small", VCPUs: 1, RAM: 2048, Disk: 20})
	s.AddFlavor(Flavor{Name: "m1.medium", VCPUs: 2, RAM: 4096, Disk: 40})
	s.AddFlavor(Flavor{Name: "m1.magnum", VCPUs: 1, RAM: 2048, Disk: 40})
	s.AddKeypair(Keypair{Name: SeedKeypair})
	pub := s.AddNetwork(Network{Name: PublicNetwork, External: true})
	s.AddSubnet(Subnet{Name: PublicSubnet, NetworkID: pub.ID, CIDR: "172.24.4.0/22", GatewayIP: "172.24.4.1"})
	priv := s.AddNetwork(Network{Name: PrivateNetwork})
	s.AddSubnet(Subnet{Name: PrivateSubnet, NetworkID: priv.ID, CIDR: "10.0.0.0/24", GatewayIP: "10.0.0.1"})
}

// newID returns a UUID-shaped ID, deterministic per server: the kind in the
// first group, a sequence number in the last. Called with s.mu held.
func (s *Server) newID(kind uint32) string {
	s.seq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, s.seq)
}

// AddImage adds an image (names need not be unique, as in Glance) and
// returns it with its defaults filled in.
func (s *Server) AddImage(img Image) Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(catalogRecord{Op: opAddImage, Image: ptr(cloneImage(img))})
	if img.ID == "" {
		img.ID = s.newID(0x1a6e)
	}
	if img.Status == "" {
		img.Status = "active"
	}
	if img.Visibility == "" {
		img.Visibility = "public"
	}
	img.Properties = maps.Clone(img.Properties)
	s.images = append(s.images, img)
	return cloneImage(img)
}

// AddFlavor adds a flavor and returns it with its ID.
func (s *Server) AddFlavor(f Flavor) Flavor {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(catalogRecord{Op: opAddFlavor, Flavor: &f})
	if f.ID == "" {
		f.ID = s.newID(0xf1a7)
	}
	s.flavors = append(s.flavors, f)
	return f
}

// AddKeypair adds a keypair, replacing one of the same name.
func (s *Server) AddKeypair(k Keypair) Keypair {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(catalogRecord{Op: opAddKeypair, Keypair: &k})
	if k.PublicKey == "" {
		k.PublicKey = placeholderKey
	}
	if k.Fingerprint == "" {
		k.Fingerprint = "SHA256:openstacktest-" + k.Name
	}
	if k.Type == "" {
		k.Type = "ssh"
	}
	s.keypairs = slices.DeleteFunc(s.keypairs, func(o Keypair) bool { return o.Name == k.Name })
	s.keypairs = append(s.keypairs, k)
	return k
}

// AddNetwork adds a network (names need not be unique, as in Neutron) and
// returns it with its ID.
func (s *Server) AddNetwork(n Network) Network {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(catalogRecord{Op: opAddNetwork, Network: &n})
	if n.ID == "" {
		n.ID = s.newID(0x2e7)
	}
	n.Subnets = nil
	s.networks = append(s.networks, n)
	return n
}

// AddSubnet adds a subnet to its network and returns it with its ID. A
// NetworkID the cloud does not know is kept as given (Neutron would refuse
// it; tests may want the inconsistency).
func (s *Server) AddSubnet(sn Subnet) Subnet {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(catalogRecord{Op: opAddSubnet, Subnet: &sn})
	if sn.ID == "" {
		sn.ID = s.newID(0x5b)
	}
	if sn.IPVersion == 0 {
		sn.IPVersion = 4
	}
	s.subnets = append(s.subnets, sn)
	for i := range s.networks {
		if s.networks[i].ID == sn.NetworkID {
			s.networks[i].Subnets = append(s.networks[i].Subnets, sn.ID)
		}
	}
	return sn
}

// RemoveImage deletes the image with that ID and reports whether it was there.
func (s *Server) RemoveImage(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(catalogRecord{Op: opRemoveImage, Key: id})
	n := len(s.images)
	s.images = slices.DeleteFunc(s.images, func(i Image) bool { return i.ID == id })
	return len(s.images) < n
}

// RemoveFlavor deletes the flavor with that ID and reports whether it was there.
func (s *Server) RemoveFlavor(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(catalogRecord{Op: opRemoveFlavor, Key: id})
	n := len(s.flavors)
	s.flavors = slices.DeleteFunc(s.flavors, func(f Flavor) bool { return f.ID == id })
	return len(s.flavors) < n
}

// RemoveKeypair deletes the keypair of that name and reports whether it was there.
func (s *Server) RemoveKeypair(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(catalogRecord{Op: opRemoveKeypair, Key: name})
	n := len(s.keypairs)
	s.keypairs = slices.DeleteFunc(s.keypairs, func(k Keypair) bool { return k.Name == name })
	return len(s.keypairs) < n
}

// RemoveNetwork deletes the network with that ID and its subnets, and
// reports whether it was there.
func (s *Server) RemoveNetwork(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(catalogRecord{Op: opRemoveNetwork, Key: id})
	n := len(s.networks)
	s.networks = slices.DeleteFunc(s.networks, func(o Network) bool { return o.ID == id })
	s.subnets = slices.DeleteFunc(s.subnets, func(o Subnet) bool { return o.NetworkID == id })
	return len(s.networks) < n
}

// Images returns a copy of the images, in the order added.
func (s *Server) Images() []Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Image, len(s.images))
	for i, img := range s.images {
		out[i] = cloneImage(img)
	}
	return out
}

// Flavors returns a copy of the flavors, in the order added.
func (s *Server) Flavors() []Flavor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.flavors)
}

// Keypairs returns a copy of the keypairs.
func (s *Server) Keypairs() []Keypair {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keypairs)
}

// Networks returns a copy of the networks, in the order added.
func (s *Server) Networks() []Network {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Network, len(s.networks))
	for i, n := range s.networks {
		n.Subnets = slices.Clone(n.Subnets)
		out[i] = n
	}
	return out
}

// Subnets returns a copy of the subnets, in the order added.
func (s *Server) Subnets() []Subnet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.subnets)
}

// ImageID returns the ID of the first image of that name ("" if none), a
// convenience for the seed images.
func (s *Server) ImageID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, img := range s.images {
		if img.Name == name {
			return img.ID
		}
	}
	return ""
}

// NetworkID returns the ID of the first network of that name ("" if none).
func (s *Server) NetworkID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.networks {
		if n.Name == name {
			return n.ID
		}
	}
	return ""
}

// SubnetID returns the ID of the first subnet of that name ("" if none).
func (s *Server) SubnetID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.subnets {
		if n.Name == name {
			return n.ID
		}
	}
	return ""
}

// FlavorID returns the ID of the first flavor of that name ("" if none).
func (s *Server) FlavorID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.flavors {
		if f.Name == name {
			return f.ID
		}
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

func cloneImage(img Image) Image {
	img.Properties = maps.Clone(img.Properties)
	return img
}
