package cluster

import (
	"slices"
	"time"

	"github.com/gomagnum/magnum/labels"
)

// Node group roles and the names of the two groups every cluster has.
const (
	RoleMaster = "master"
	RoleWorker = "worker"

	DefaultMasterGroup = "default-master"
	DefaultWorkerGroup = "default-worker"
)

// NodeGroup is a set of identical nodes of a cluster. Every cluster has a
// default master and a default worker group; more worker groups may be added.
type NodeGroup struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	ClusterID string `json:"cluster_id"` // the cluster's UUID
	ProjectID string `json:"project_id"`

	Role             string        `json:"role"`
	NodeCount        int           `json:"node_count"`
	MinNodeCount     int           `json:"min_node_count"`
	MaxNodeCount     *int          `json:"max_node_count"` // nil: no maximum
	FlavorID         string        `json:"flavor_id"`
	ImageID          string        `json:"image_id"`
	DockerVolumeSize int           `json:"docker_volume_size"`
	Labels           labels.Labels `json:"labels"`
	NodeLabels       labels.Labels `json:"node_labels"`
	NodeTaints       []Taint       `json:"node_taints"`
	IsDefault        bool          `json:"is_default"`

	NodeAddresses []string `json:"node_addresses"`
	StackID       string   `json:"stack_id"`
	Status        Status   `json:"status"`
	StatusReason  string   `json:"status_reason"`
	Version       string   `json:"version"` // the COE version the nodes run

	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
	Revision  int64      `json:"revision,omitempty"`
}

// Taint is a Kubernetes node taint a worker group's nodes carry.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"` // NoSchedule, PreferNoSchedule or NoExecute
}

// IsMaster reports whether the group holds control-plane nodes.
func (g *NodeGroup) IsMaster() bool { return g.Role == RoleMaster }

// Clone returns a deep copy of g.
func (g *NodeGroup) Clone() *NodeGroup {
	if g == nil {
		return nil
	}
	d := *g
	if g.MaxNodeCount != nil {
		v := *g.MaxNodeCount
		d.MaxNodeCount = &v
	}
	d.Labels = g.Labels.Clone()
	d.NodeLabels = g.NodeLabels.Clone()
	d.NodeTaints = slices.Clone(g.NodeTaints)
	d.NodeAddresses = slices.Clone(g.NodeAddresses)
	d.UpdatedAt = cloneTime(g.UpdatedAt)
	return &d
}
