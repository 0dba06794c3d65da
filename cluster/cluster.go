package cluster

import (
	"maps"
	"slices"
	"time"

	"github.com/gomagnum/magnum/labels"
)

// Cluster is a container cluster built from a ClusterTemplate. Field and JSON
// names follow Magnum's API. An empty string, zero number or nil map/pointer
// means "not set"; a nil override (*bool) means "inherit the template's".
type Cluster struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	ProjectID string `json:"project_id"`
	UserID    string `json:"user_id"`

	// ClusterTemplateID is the template every node of the cluster runs.
	// While an upgrade is under way, or after one failed, the nodes are a
	// mix of it and UpgradeTemplateID's.
	ClusterTemplateID string `json:"cluster_template_id"`
	// UpgradeTemplateID is the template an upgrade in progress (or a
	// failed one, until it is retried or rolled back) moves the cluster
	// to; empty otherwise. It becomes ClusterTemplateID when the upgrade
	// completes.
	UpgradeTemplateID string `json:"upgrade_template_id,omitempty"`
	KeyPair           string `json:"keypair"`

	// NodeCount and MasterCount are the sums over the cluster's worker and
	// master node groups.
	NodeCount   int `json:"node_count"`
	MasterCount int `json:"master_count"`

	DockerVolumeSize  int    `json:"docker_volume_size"` // GB; 0: the template's
	MasterFlavorID    string `json:"master_flavor_id"`
	FlavorID          string `json:"flavor_id"`
	FixedNetwork      string `json:"fixed_network"`
	FixedSubnet       string `json:"fixed_subnet"`
	FloatingIPEnabled *bool  `json:"floating_ip_enabled"`
	MasterLBEnabled   *bool  `json:"master_lb_enabled"`

	// Labels are the cluster's effective labels. The three views compare
	// them with the template's: overridden holds the template's value of a
	// label the cluster changed; added, labels the template lacks; skipped,
	// template labels the cluster dropped.
	Labels           labels.Labels `json:"labels"`
	LabelsOverridden labels.Labels `json:"labels_overridden,omitempty"`
	LabelsAdded      labels.Labels `json:"labels_added,omitempty"`
	LabelsSkipped    labels.Labels `json:"labels_skipped,omitempty"`

	CreateTimeout int    `json:"create_timeout"` // minutes; 0: the default (60)
	DiscoveryURL  string `json:"discovery_url"`

	Status             Status            `json:"status"`
	StatusReason       string            `json:"status_reason"`
	HealthStatus       HealthStatus      `json:"health_status"`
	HealthStatusReason map[string]string `json:"health_status_reason"`
	// Faults maps failed parts (node groups or Heat resources) to reasons.
	// It is filled only when the cluster is in a failed status.
	Faults map[string]string `json:"faults,omitempty"`

	APIAddress       string   `json:"api_address"`
	MasterAddresses  []string `json:"master_addresses"`
	NodeAddresses    []string `json:"node_addresses"`
	COEVersion       string   `json:"coe_version"`
	ContainerVersion string   `json:"container_version"`
	StackID          string   `json:"stack_id"`

	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
	// Revision is the store's version of the record; see
	// template.ClusterTemplate.Revision.
	Revision int64 `json:"revision,omitempty"`

	// Internal references, never shown by the API.
	CACertRef           string `json:"-"`
	MagnumCertRef       string `json:"-"`
	EtcdCACertRef       string `json:"-"`
	FrontProxyCACertRef string `json:"-"`
	TrustID             string `json:"-"`
	TrusteeUserID       string `json:"-"`
	TrusteeUsername     string `json:"-"`
	// RotationRefs records a CA rotation staged and being delivered to the
	// nodes (the certificate references of the old and new sets, as JSON;
	// no secrets); empty otherwise.
	RotationRefs string `json:"-"`
	// StepSent records that the backend accepted the step of the upgrade
	// or CA rotation in progress, so that a completed backend status is
	// known to be that step's and not an earlier operation's.
	StepSent bool `json:"-"`
}

// Magnum's defaults and limits for clusters.
const (
	DefaultNodeCount     = 1
	DefaultMasterCount   = 1
	DefaultCreateTimeout = 60 // minutes
	MaxNameLength        = 242
)

// Clone returns a deep copy of c.
func (c *Cluster) Clone() *Cluster {
	if c == nil {
		return nil
	}
	d := *c
	d.FloatingIPEnabled = cloneBool(c.FloatingIPEnabled)
	d.MasterLBEnabled = cloneBool(c.MasterLBEnabled)
	d.Labels = c.Labels.Clone()
	d.LabelsOverridden = c.LabelsOverridden.Clone()
	d.LabelsAdded = c.LabelsAdded.Clone()
	d.LabelsSkipped = c.LabelsSkipped.Clone()
	d.HealthStatusReason = maps.Clone(c.HealthStatusReason)
	d.Faults = maps.Clone(c.Faults)
	d.MasterAddresses = slices.Clone(c.MasterAddresses)
	d.NodeAddresses = slices.Clone(c.NodeAddresses)
	d.UpdatedAt = cloneTime(c.UpdatedAt)
	return &d
}

// String describes the cluster briefly, for logs. It holds no secrets.
func (c *Cluster) String() string {
	return "cluster " + c.UUID + " (" + c.Name + ", " + string(c.Status) + ")"
}
