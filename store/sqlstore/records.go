package sqlstore

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/store"
	"github.com/gomagnum/magnum/template"
)

// The body column holds a whole record as JSON in the private shapes below.
// They are the stored format, separate from the models' API JSON: every
// field is saved, internal ones (json:"-" on the models) included, nothing
// is omitted when empty (so nil and empty maps stay apart), and renaming an
// API field cannot lose stored data. The revision lives only in its column.
//
// Adding a field to a model means adding it here and to both conversions;
// the conformance suite's round trip fails until that is done.

type templateBody struct {
	UUID                string     `json:"uuid"`
	Name                string     `json:"name"`
	ProjectID           string     `json:"project_id"`
	UserID              string     `json:"user_id"`
	COE                 string     `json:"coe"`
	ImageID             string     `json:"image_id"`
	ClusterDistro       string     `json:"cluster_distro"`
	ServerType          string     `json:"server_type"`
	KeyPairID           string     `json:"keypair_id"`
	FlavorID            string     `json:"flavor_id"`
	MasterFlavorID      string     `json:"master_flavor_id"`
	ExternalNetworkID   string     `json:"external_network_id"`
	FixedNetwork        string     `json:"fixed_network"`
	FixedSubnet         string     `json:"fixed_subnet"`
	DNSNameServer       string     `json:"dns_nameserver"`
	NetworkDriver       string     `json:"network_driver"`
	VolumeDriver        string     `json:"volume_driver"`
	DockerVolumeSize    int        `json:"docker_volume_size"`
	DockerStorageDriver string     `json:"docker_storage_driver"`
	APIServerPort       int        `json:"apiserver_port"`
	HTTPProxy           string     `json:"http_proxy"`
	HTTPSProxy          string     `json:"https_proxy"`
	NoProxy             string     `json:"no_proxy"`
	RegistryEnabled     bool       `json:"registry_enabled"`
	InsecureRegistry    string     `json:"insecure_registry"`
	Labels              stringMap  `json:"labels"`
	TLSDisabled         bool       `json:"tls_disabled"`
	Public              bool       `json:"public"`
	Hidden              bool       `json:"hidden"`
	MasterLBEnabled     bool       `json:"master_lb_enabled"`
	FloatingIPEnabled   *bool      `json:"floating_ip_enabled"`
	Tags                string     `json:"tags"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           *time.Time `json:"updated_at"`
}

func templateToBody(t *template.ClusterTemplate) templateBody {
	return templateBody{
		UUID: t.UUID, Name: t.Name, ProjectID: t.ProjectID, UserID: t.UserID,
		COE: t.COE, ImageID: t.ImageID, ClusterDistro: t.ClusterDistro, ServerType: t.ServerType,
		KeyPairID: t.KeyPairID, FlavorID: t.FlavorID, MasterFlavorID: t.MasterFlavorID,
		ExternalNetworkID: t.ExternalNetworkID, FixedNetwork: t.FixedNetwork, FixedSubnet: t.FixedSubnet,
		DNSNameServer: t.DNSNameServer, NetworkDriver: t.NetworkDriver, VolumeDriver: t.VolumeDriver,
		DockerVolumeSize: t.DockerVolumeSize, DockerStorageDriver: t.DockerStorageDriver, APIServerPort: t.APIServerPort,
		HTTPProxy: t.HTTPProxy, HTTPSProxy: t.HTTPSProxy, NoProxy: t.NoProxy,
		RegistryEnabled: t.RegistryEnabled, InsecureRegistry: t.InsecureRegistry,
		Labels: stringMap(t.Labels), TLSDisabled: t.TLSDisabled, Public: t.Public, Hidden: t.Hidden,
		MasterLBEnabled: t.MasterLBEnabled, FloatingIPEnabled: t.FloatingIPEnabled, Tags: t.Tags,
		CreatedAt: store.NormalizeTime(t.CreatedAt), UpdatedAt: normTimePtr(t.UpdatedAt),
	}
}

func (b *templateBody) model(revision int64) *template.ClusterTemplate {
	return &template.ClusterTemplate{
		UUID: b.UUID, Name: b.Name, ProjectID: b.ProjectID, UserID: b.UserID,
		COE: b.COE, ImageID: b.ImageID, ClusterDistro: b.ClusterDistro, ServerType: b.ServerType,
		KeyPairID: b.KeyPairID, FlavorID: b.FlavorID, MasterFlavorID: b.MasterFlavorID,
		ExternalNetworkID: b.ExternalNetworkID, FixedNetwork: b.FixedNetwork, FixedSubnet: b.FixedSubnet,
		DNSNameServer: b.DNSNameServer, NetworkDriver: b.NetworkDriver, VolumeDriver: b.VolumeDriver,
		DockerVolumeSize: b.DockerVolumeSize, DockerStorageDriver: b.DockerStorageDriver, APIServerPort: b.APIServerPort,
		HTTPProxy: b.HTTPProxy, HTTPSProxy: b.HTTPSProxy, NoProxy: b.NoProxy,
		RegistryEnabled: b.RegistryEnabled, InsecureRegistry: b.InsecureRegistry,
		Labels: labels.Labels(b.Labels), TLSDisabled: b.TLSDisabled, Public: b.Public, Hidden: b.Hidden,
		MasterLBEnabled: b.MasterLBEnabled, FloatingIPEnabled: b.FloatingIPEnabled, Tags: b.Tags,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
		Revision: revision,
	}
}

type clusterBody struct {
	UUID                string            `json:"uuid"`
	Name                string            `json:"name"`
	ProjectID           string            `json:"project_id"`
	UserID              string            `json:"user_id"`
	ClusterTemplateID   string            `json:"cluster_template_id"`
	KeyPair             string            `json:"keypair"`
	NodeCount           int               `json:"node_count"`
	MasterCount         int               `json:"master_count"`
	DockerVolumeSize    int               `json:"docker_volume_size"`
	MasterFlavorID      string            `json:"master_flavor_id"`
	FlavorID            string            `json:"flavor_id"`
	FixedNetwork        string            `json:"fixed_network"`
	FixedSubnet         string            `json:"fixed_subnet"`
	FloatingIPEnabled   *bool             `json:"floating_ip_enabled"`
	MasterLBEnabled     *bool             `json:"master_lb_enabled"`
	Labels              stringMap         `json:"labels"`
	LabelsOverridden    stringMap         `json:"labels_overridden"`
	LabelsAdded         stringMap         `json:"labels_added"`
	LabelsSkipped       stringMap         `json:"labels_skipped"`
	CreateTimeout       int               `json:"create_timeout"`
	DiscoveryURL        string            `json:"discovery_url"`
	Status              cluster.Status    `json:"status"`
	StatusReason        string            `json:"status_reason"`
	HealthStatus        string            `json:"health_status"`
	HealthStatusReason  map[string]string `json:"health_status_reason"`
	Faults              map[string]string `json:"faults"`
	APIAddress          string            `json:"api_address"`
	MasterAddresses     []string          `json:"master_addresses"`
	NodeAddresses       []string          `json:"node_addresses"`
	COEVersion          string            `json:"coe_version"`
	ContainerVersion    string            `json:"container_version"`
	StackID             string            `json:"stack_id"`
	CreatedAt           time.Time         `json:"created_at"`
	UpdatedAt           *time.Time        `json:"updated_at"`
	CACertRef           string            `json:"ca_cert_ref"`
	MagnumCertRef       string            `json:"magnum_cert_ref"`
	EtcdCACertRef       string            `json:"etcd_ca_cert_ref"`
	FrontProxyCACertRef string            `json:"front_proxy_ca_cert_ref"`
	TrustID             string            `json:"trust_id"`
	TrusteeUserID       string            `json:"trustee_user_id"`
	TrusteeUsername     string            `json:"trustee_username"`
	UpgradeTemplateID   string            `json:"upgrade_template_id,omitempty"`
	RotationRefs        string            `json:"rotation_refs,omitempty"`
	StepSent            bool              `json:"step_sent,omitempty"`
}

func clusterToBody(c *cluster.Cluster) clusterBody {
	return clusterBody{
		UUID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, UserID: c.UserID,
		ClusterTemplateID: c.ClusterTemplateID, KeyPair: c.KeyPair,
		NodeCount: c.NodeCount, MasterCount: c.MasterCount, DockerVolumeSize: c.DockerVolumeSize,
		MasterFlavorID: c.MasterFlavorID, FlavorID: c.FlavorID, FixedNetwork: c.FixedNetwork, FixedSubnet: c.FixedSubnet,
		FloatingIPEnabled: c.FloatingIPEnabled, MasterLBEnabled: c.MasterLBEnabled,
		Labels: stringMap(c.Labels), LabelsOverridden: stringMap(c.LabelsOverridden), LabelsAdded: stringMap(c.LabelsAdded), LabelsSkipped: stringMap(c.LabelsSkipped),
		CreateTimeout: c.CreateTimeout, DiscoveryURL: c.DiscoveryURL,
		Status: c.Status, StatusReason: c.StatusReason,
		HealthStatus: string(c.HealthStatus), HealthStatusReason: c.HealthStatusReason, Faults: c.Faults,
		APIAddress: c.APIAddress, MasterAddresses: c.MasterAddresses, NodeAddresses: c.NodeAddresses,
		COEVersion: c.COEVersion, ContainerVersion: c.ContainerVersion, StackID: c.StackID,
		CreatedAt: store.NormalizeTime(c.CreatedAt), UpdatedAt: normTimePtr(c.UpdatedAt),
		CACertRef: c.CACertRef, MagnumCertRef: c.MagnumCertRef, EtcdCACertRef: c.EtcdCACertRef,
		FrontProxyCACertRef: c.FrontProxyCACertRef,
		TrustID:             c.TrustID, TrusteeUserID: c.TrusteeUserID, TrusteeUsername: c.TrusteeUsername,
		UpgradeTemplateID: c.UpgradeTemplateID, RotationRefs: c.RotationRefs, StepSent: c.StepSent,
	}
}

func (b *clusterBody) model(revision int64) *cluster.Cluster {
	return &cluster.Cluster{
		UUID: b.UUID, Name: b.Name, ProjectID: b.ProjectID, UserID: b.UserID,
		ClusterTemplateID: b.ClusterTemplateID, KeyPair: b.KeyPair,
		NodeCount: b.NodeCount, MasterCount: b.MasterCount, DockerVolumeSize: b.DockerVolumeSize,
		MasterFlavorID: b.MasterFlavorID, FlavorID: b.FlavorID, FixedNetwork: b.FixedNetwork, FixedSubnet: b.FixedSubnet,
		FloatingIPEnabled: b.FloatingIPEnabled, MasterLBEnabled: b.MasterLBEnabled,
		Labels: labels.Labels(b.Labels), LabelsOverridden: labels.Labels(b.LabelsOverridden), LabelsAdded: labels.Labels(b.LabelsAdded), LabelsSkipped: labels.Labels(b.LabelsSkipped),
		CreateTimeout: b.CreateTimeout, DiscoveryURL: b.DiscoveryURL,
		Status: b.Status, StatusReason: b.StatusReason,
		HealthStatus: cluster.HealthStatus(b.HealthStatus), HealthStatusReason: b.HealthStatusReason, Faults: b.Faults,
		APIAddress: b.APIAddress, MasterAddresses: b.MasterAddresses, NodeAddresses: b.NodeAddresses,
		COEVersion: b.COEVersion, ContainerVersion: b.ContainerVersion, StackID: b.StackID,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
		Revision:  revision,
		CACertRef: b.CACertRef, MagnumCertRef: b.MagnumCertRef, EtcdCACertRef: b.EtcdCACertRef,
		FrontProxyCACertRef: b.FrontProxyCACertRef,
		TrustID:             b.TrustID, TrusteeUserID: b.TrusteeUserID, TrusteeUsername: b.TrusteeUsername,
		UpgradeTemplateID: b.UpgradeTemplateID, RotationRefs: b.RotationRefs, StepSent: b.StepSent,
	}
}

type taintBody struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Effect string `json:"effect"`
}

type nodeGroupBody struct {
	UUID             string      `json:"uuid"`
	Name             string      `json:"name"`
	ClusterID        string      `json:"cluster_id"`
	ProjectID        string      `json:"project_id"`
	Role             string      `json:"role"`
	NodeCount        int         `json:"node_count"`
	MinNodeCount     int         `json:"min_node_count"`
	MaxNodeCount     *int        `json:"max_node_count"`
	FlavorID         string      `json:"flavor_id"`
	ImageID          string      `json:"image_id"`
	DockerVolumeSize int         `json:"docker_volume_size"`
	Labels           stringMap   `json:"labels"`
	NodeLabels       stringMap   `json:"node_labels"`
	NodeTaints       []taintBody `json:"node_taints"`
	IsDefault        bool        `json:"is_default"`
	NodeAddresses    []string    `json:"node_addresses"`
	StackID          string      `json:"stack_id"`
	Status           string      `json:"status"`
	StatusReason     string      `json:"status_reason"`
	Version          string      `json:"version"`
	CreatedAt        time.Time   `json:"created_at"`
	UpdatedAt        *time.Time  `json:"updated_at"`
}

func nodeGroupToBody(g *cluster.NodeGroup) nodeGroupBody {
	var taints []taintBody
	if g.NodeTaints != nil {
		taints = make([]taintBody, len(g.NodeTaints))
		for i, t := range g.NodeTaints {
			taints[i] = taintBody{Key: t.Key, Value: t.Value, Effect: t.Effect}
		}
	}
	return nodeGroupBody{
		UUID: g.UUID, Name: g.Name, ClusterID: g.ClusterID, ProjectID: g.ProjectID,
		Role: g.Role, NodeCount: g.NodeCount, MinNodeCount: g.MinNodeCount, MaxNodeCount: g.MaxNodeCount,
		FlavorID: g.FlavorID, ImageID: g.ImageID, DockerVolumeSize: g.DockerVolumeSize,
		Labels: stringMap(g.Labels), NodeLabels: stringMap(g.NodeLabels), NodeTaints: taints, IsDefault: g.IsDefault,
		NodeAddresses: g.NodeAddresses, StackID: g.StackID,
		Status: string(g.Status), StatusReason: g.StatusReason, Version: g.Version,
		CreatedAt: store.NormalizeTime(g.CreatedAt), UpdatedAt: normTimePtr(g.UpdatedAt),
	}
}

func (b *nodeGroupBody) model(revision int64) *cluster.NodeGroup {
	var taints []cluster.Taint
	if b.NodeTaints != nil {
		taints = make([]cluster.Taint, len(b.NodeTaints))
		for i, t := range b.NodeTaints {
			taints[i] = cluster.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect}
		}
	}
	return &cluster.NodeGroup{
		UUID: b.UUID, Name: b.Name, ClusterID: b.ClusterID, ProjectID: b.ProjectID,
		Role: b.Role, NodeCount: b.NodeCount, MinNodeCount: b.MinNodeCount, MaxNodeCount: b.MaxNodeCount,
		FlavorID: b.FlavorID, ImageID: b.ImageID, DockerVolumeSize: b.DockerVolumeSize,
		Labels: labels.Labels(b.Labels), NodeLabels: labels.Labels(b.NodeLabels), NodeTaints: taints, IsDefault: b.IsDefault,
		NodeAddresses: b.NodeAddresses, StackID: b.StackID,
		Status: cluster.Status(b.Status), StatusReason: b.StatusReason, Version: b.Version,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
		Revision: revision,
	}
}

// stringMap is how label maps are stored: plain JSON objects of strings,
// decoded without labels.Labels' lenient parsing, which stored data does not
// need.
type stringMap = map[string]string

func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := store.NormalizeTime(*t)
	return &v
}

// noTime is the updated_at column's value for a record never updated: it
// sorts before every real time, as the store contract says.
const noTime = math.MinInt64

// timeColumn is a time as the indexed columns hold it: microseconds since
// the Unix epoch, UTC.
func timeColumn(t time.Time) int64 { return t.UnixMicro() }

func timePtrColumn(t *time.Time) int64 {
	if t == nil {
		return noTime
	}
	return timeColumn(*t)
}

func encodeBody(resource string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlstore: encode %s: %w", resource, err)
	}
	return string(b), nil
}

func decodeBody(resource, body string, v any) error {
	if err := json.Unmarshal([]byte(body), v); err != nil {
		return fmt.Errorf("sqlstore: decode stored %s: %w", resource, err)
	}
	return nil
}
