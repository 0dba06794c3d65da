package magnum

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/errdefs"
	"github.com/gomagnum/magnum/heat"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

const resCluster = "cluster"

// ClusterRequest asks for a new cluster (Magnum's POST /v1/clusters). Unset
// fields are inherited from the template or take Magnum's defaults.
type ClusterRequest struct {
	Name string
	// ClusterTemplate is the template's UUID or name. Required.
	ClusterTemplate string
	// KeyPair is the Nova keypair of the nodes (default: the template's).
	KeyPair string
	// NodeCount and MasterCount default to 1.
	NodeCount   *int
	MasterCount *int
	// DockerVolumeSize in GB (default: the template's).
	DockerVolumeSize *int
	MasterFlavorID   string
	FlavorID         string
	// Labels are the cluster's labels. With MergeLabels they overlay the
	// template's; without, they replace them (nil: the template's).
	Labels      labels.Labels
	MergeLabels bool
	// CreateTimeout in minutes (0: 60).
	CreateTimeout     int
	DiscoveryURL      string
	FixedNetwork      string
	FixedSubnet       string
	FloatingIPEnabled *bool
	MasterLBEnabled   *bool
}

// nameRE is Magnum's rule for cluster names.
var nameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]*$`)

// buildCluster makes the cluster record and its default node groups from a
// request and its template, reporting every problem at once.
func (m *Manager) buildCluster(req *ClusterRequest, t *template.ClusterTemplate, project, user string) (*cluster.Cluster, []*cluster.NodeGroup, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, errdefs.Invalid(field, format, args...))
	}
	now := m.nowUTC()
	c := &cluster.Cluster{
		UUID: m.newUUID(), Name: req.Name, ProjectID: project, UserID: user,
		ClusterTemplateID: t.UUID, KeyPair: req.KeyPair,
		NodeCount: cluster.DefaultNodeCount, MasterCount: cluster.DefaultMasterCount,
		DockerVolumeSize: t.DockerVolumeSize, MasterFlavorID: req.MasterFlavorID, FlavorID: req.FlavorID,
		FixedNetwork: req.FixedNetwork, FixedSubnet: req.FixedSubnet,
		FloatingIPEnabled: req.FloatingIPEnabled, MasterLBEnabled: req.MasterLBEnabled,
		CreateTimeout: req.CreateTimeout, DiscoveryURL: req.DiscoveryURL,
		Status: cluster.CreateInProgress, StatusReason: "Stack CREATE started",
		CreatedAt: now,
	}
	if c.Name == "" {
		c.Name = m.newName("cluster")
	}
	switch {
	case len(c.Name) > cluster.MaxNameLength:
		bad("name", "must be at most %d characters", cluster.MaxNameLength)
	case !nameRE.MatchString(c.Name):
		bad("name", "must start with a letter and hold only letters, digits, '_', '.' and '-'")
	}
	if req.NodeCount != nil {
		c.NodeCount = *req.NodeCount
	}
	if req.MasterCount != nil {
		c.MasterCount = *req.MasterCount
	}
	if c.NodeCount < 0 {
		bad("node_count", "must be at least 0, got %d", c.NodeCount)
	}
	if c.MasterCount < 1 {
		bad("master_count", "must be at least 1, got %d", c.MasterCount)
	}
	if req.DockerVolumeSize != nil {
		c.DockerVolumeSize = *req.DockerVolumeSize
		if c.DockerVolumeSize < 1 {
			bad("docker_volume_size", "must be at least 1 (GB), got %d", c.DockerVolumeSize)
		}
	}
	if c.CreateTimeout < 0 {
		bad("create_timeout", "must be at least 0 minutes, got %d", c.CreateTimeout)
	}
	if c.CreateTimeout == 0 {
		c.CreateTimeout = cluster.DefaultCreateTimeout
	}
	if c.KeyPair == "" {
		c.KeyPair = t.KeyPairID
	}
	if c.KeyPair == "" {
		bad("keypair", "is required (the template has no keypair_id)")
	}
	if c.FlavorID == "" {
		c.FlavorID = t.FlavorID
	}
	if c.MasterFlavorID == "" {
		c.MasterFlavorID = t.MasterFlavorID
	}
	if c.FixedNetwork == "" {
		c.FixedNetwork = t.FixedNetwork
	}
	if c.FixedSubnet == "" {
		c.FixedSubnet = t.FixedSubnet
	}
	if c.DiscoveryURL != "" && !strings.HasPrefix(c.DiscoveryURL, "https://") && !strings.HasPrefix(c.DiscoveryURL, "http://") {
		bad("discovery_url", "must be an http(s) URL")
	}
	switch {
	case req.Labels == nil:
		c.Labels = t.Labels.Clone()
	case req.MergeLabels:
		c.Labels = labels.Merge(t.Labels, req.Labels)
	default:
		c.Labels = req.Labels.Clone()
	}
	if c.MasterCount > 1 && !boolOr(c.MasterLBEnabled, t.MasterLBEnabled) {
		bad("master_count", "must be 1 when master_lb_enabled is False")
	}
	if len(errs) > 0 {
		return nil, nil, errdefs.WithResource(errors.Join(errs...), resCluster, c.Name)
	}
	groups := []*cluster.NodeGroup{
		{UUID: m.newUUID(), Name: cluster.DefaultMasterGroup, ClusterID: c.UUID, ProjectID: project,
			Role: cluster.RoleMaster, NodeCount: c.MasterCount, MinNodeCount: 1, FlavorID: c.MasterFlavorID,
			ImageID: t.ImageID, DockerVolumeSize: c.DockerVolumeSize, Labels: c.Labels.Clone(), IsDefault: true,
			Status: cluster.CreateInProgress, CreatedAt: now},
		{UUID: m.newUUID(), Name: cluster.DefaultWorkerGroup, ClusterID: c.UUID, ProjectID: project,
			Role: cluster.RoleWorker, NodeCount: c.NodeCount, FlavorID: c.FlavorID,
			ImageID: t.ImageID, DockerVolumeSize: c.DockerVolumeSize, Labels: c.Labels.Clone(), IsDefault: true,
			Status: cluster.CreateInProgress, CreatedAt: now},
	}
	return c, groups, nil
}

func boolOr(p *bool, def bool) bool {
	if p != nil {
		return *p
	}
	return def
}

// StackName is the Heat stack name of a cluster: the name made safe and cut
// to 30 characters, then the first 12 hex digits of its UUID. It depends
// only on the cluster, so a create repeated after a crash asks Heat for the
// same name and cannot make a second stack.
func StackName(c *cluster.Cluster) string {
	id := strings.ReplaceAll(strings.ToLower(c.UUID), "-", "")
	if len(id) > 12 {
		id = id[:12]
	}
	name := slug(c.Name, 30)
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		name = "c" + name
	}
	return name + "-" + id
}

// slug makes a name safe for a stack name: lower-case letters, digits
// and dashes ('_' and '.' become dashes, the rest is dropped), at most max
// bytes, no dash at either end.
func slug(s string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case b.Len() >= max:
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == '_', r == '.':
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// clusterDriver returns the driver that builds clusters of a template.
func (m *Manager) clusterDriver(t *template.ClusterTemplate) (driver.ClusterDriver, error) {
	tuple := driver.Tuple{ServerType: t.ServerType, OSDistro: t.ClusterDistro, COE: t.COE}
	d, err := m.drivers.Lookup(tuple)
	if err != nil {
		return nil, err
	}
	switch d := d.(type) {
	case driver.ClusterDriver:
		return d, nil
	case heat.StackDriver:
		if m.backend == nil {
			return nil, &errdefs.Error{Kind: errdefs.ErrUnavailable, Resource: resCluster,
				Reason: "no Heat orchestrator configured (Config.Orchestrator)"}
		}
		return m.backend.Driver(d), nil
	}
	return nil, &errdefs.Error{Kind: errdefs.ErrUnsupported, Resource: resCluster,
		Reason: fmt.Sprintf("driver %s for %s cannot build clusters yet", d.Info().Name, tuple)}
}

// request makes the driver request for a cluster.
func (m *Manager) request(t *template.ClusterTemplate, c *cluster.Cluster, groups []*cluster.NodeGroup) *driver.Request {
	return &driver.Request{
		Template: t, Cluster: c, NodeGroups: groups, Name: StackName(c),
		Timeout: time.Duration(c.CreateTimeout) * time.Minute,
		Nodes:   m.cfg.Nodes,
	}
}
