package template

import (
	"time"

	"github.com/gomagnum/magnum/labels"
)

// ClusterTemplate is a reusable description of a cluster: which COE, image,
// flavors, networks and options. Field and JSON names follow Magnum's API.
//
// An empty string, a zero number or a nil map means "not set" (Magnum's null).
type ClusterTemplate struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	ProjectID string `json:"project_id"`
	UserID    string `json:"user_id"`

	COE           string `json:"coe"`
	ImageID       string `json:"image_id"`
	ClusterDistro string `json:"cluster_distro"` // the image's os_distro
	ServerType    string `json:"server_type"`    // "vm" (default) or "bm"

	KeyPairID         string `json:"keypair_id"`
	FlavorID          string `json:"flavor_id"`
	MasterFlavorID    string `json:"master_flavor_id"`
	ExternalNetworkID string `json:"external_network_id"`
	FixedNetwork      string `json:"fixed_network"`
	FixedSubnet       string `json:"fixed_subnet"`
	DNSNameServer     string `json:"dns_nameserver"` // comma-separated IP addresses

	NetworkDriver       string `json:"network_driver"`
	VolumeDriver        string `json:"volume_driver"`
	DockerVolumeSize    int    `json:"docker_volume_size"` // GB; 0: no docker volume
	DockerStorageDriver string `json:"docker_storage_driver"`
	APIServerPort       int    `json:"apiserver_port"` // 0: the driver's port

	HTTPProxy        string `json:"http_proxy"`
	HTTPSProxy       string `json:"https_proxy"`
	NoProxy          string `json:"no_proxy"`
	RegistryEnabled  bool   `json:"registry_enabled"`
	InsecureRegistry string `json:"insecure_registry"`

	Labels            labels.Labels `json:"labels"`
	TLSDisabled       bool          `json:"tls_disabled"`
	Public            bool          `json:"public"`
	Hidden            bool          `json:"hidden"`
	MasterLBEnabled   bool          `json:"master_lb_enabled"`
	FloatingIPEnabled *bool         `json:"floating_ip_enabled"` // nil means true
	Tags              string        `json:"tags"`

	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`

	// Revision is the store's version of this record. It starts at 1 and
	// grows by one with every update; an update carrying an older revision
	// is refused with errdefs.ErrConflict.
	Revision int64 `json:"revision,omitempty"`
}

// Magnum's default values.
const (
	DefaultServerType = "vm"
)

// FloatingIP reports whether nodes get floating IPs (Magnum's default: yes).
func (t *ClusterTemplate) FloatingIP() bool {
	return t.FloatingIPEnabled == nil || *t.FloatingIPEnabled
}

// Clone returns a deep copy of t.
func (t *ClusterTemplate) Clone() *ClusterTemplate {
	if t == nil {
		return nil
	}
	c := *t
	c.Labels = t.Labels.Clone()
	if t.FloatingIPEnabled != nil {
		v := *t.FloatingIPEnabled
		c.FloatingIPEnabled = &v
	}
	if t.UpdatedAt != nil {
		v := *t.UpdatedAt
		c.UpdatedAt = &v
	}
	return &c
}
