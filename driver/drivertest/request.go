package drivertest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gomagnum/magnum/certs"
	"github.com/gomagnum/magnum/cluster"
	"github.com/gomagnum/magnum/driver"
	"github.com/gomagnum/magnum/labels"
	"github.com/gomagnum/magnum/template"
)

// builder makes driver requests for cases as the Manager would: the
// template with defaults applied, a cluster with its default master and
// worker groups, a deterministic stack name and the node access with the
// cluster's CAs.
type builder struct {
	reg   template.Catalog
	certs *certs.Manager
	nodes driver.NodeAccess
}

func newBuilder(reg template.Catalog, nodes driver.NodeAccess) (*builder, error) {
	cm, err := certs.New(certs.Config{})
	if err != nil {
		return nil, err
	}
	if nodes.SignURL == "" {
		nodes.SignURL = "https://magnum.drivertest.invalid:9511/v1"
	}
	if nodes.AuthURL == "" {
		nodes.AuthURL = "https://keystone.drivertest.invalid:5000/v3"
	}
	if nodes.RegionName == "" {
		nodes.RegionName = "RegionOne"
	}
	if nodes.Trustee.UserID == "" {
		nodes.Trustee = driver.Trustee{UserID: "drivertest-trustee", Password: "drivertest-" + uuid.NewString(), TrustID: "drivertest-trust"}
	}
	return &builder{reg: reg, certs: cm, nodes: nodes}, nil
}

// prepared returns the case's template with Magnum's defaults applied.
func (b *builder) template(c Case) *template.ClusterTemplate {
	if c.Template == nil {
		return nil
	}
	t := c.Template.Clone()
	template.ApplyDefaults(t, b.reg)
	if t.UUID == "" {
		t.UUID = uuid.NewString()
	}
	return t
}

// request builds the request of a new cluster of the case (without CAs).
func (b *builder) request(c Case, t *template.ClusterTemplate) *driver.Request {
	masters, workers := c.Masters, c.Workers
	if masters == 0 {
		masters = 1
	}
	if workers == 0 {
		workers = 1
	}
	id := uuid.NewString()
	lbl := labels.Merge(t.Labels, c.Labels)
	cl := &cluster.Cluster{
		UUID: id, Name: clusterName(c.Name), ProjectID: "drivertest-project", UserID: "drivertest-user",
		ClusterTemplateID: t.UUID, KeyPair: t.KeyPairID,
		NodeCount: workers, MasterCount: masters,
		DockerVolumeSize: t.DockerVolumeSize, FlavorID: t.FlavorID, MasterFlavorID: t.MasterFlavorID,
		FixedNetwork: t.FixedNetwork, FixedSubnet: t.FixedSubnet,
		MasterLBEnabled: c.MasterLBEnabled, FloatingIPEnabled: c.FloatingIPEnabled,
		Labels: lbl, CreateTimeout: cluster.DefaultCreateTimeout,
		Status: cluster.CreateInProgress,
	}
	now := time.Now().UTC()
	groups := []*cluster.NodeGroup{
		{UUID: uuid.NewString(), Name: cluster.DefaultMasterGroup, ClusterID: id, ProjectID: cl.ProjectID,
			Role: cluster.RoleMaster, NodeCount: masters, MinNodeCount: 1, FlavorID: cl.MasterFlavorID,
			ImageID: t.ImageID, DockerVolumeSize: cl.DockerVolumeSize, Labels: lbl.Clone(), IsDefault: true,
			Status: cluster.CreateInProgress, CreatedAt: now},
		{UUID: uuid.NewString(), Name: cluster.DefaultWorkerGroup, ClusterID: id, ProjectID: cl.ProjectID,
			Role: cluster.RoleWorker, NodeCount: workers, FlavorID: cl.FlavorID,
			ImageID: t.ImageID, DockerVolumeSize: cl.DockerVolumeSize, Labels: lbl.Clone(), IsDefault: true,
			Status: cluster.CreateInProgress, CreatedAt: now},
	}
	return &driver.Request{
		Template: t, Cluster: cl, NodeGroups: groups,
		Name:    stackName(cl),
		Timeout: time.Duration(cl.CreateTimeout) * time.Minute,
		Nodes:   b.nodes,
	}
}

// withCAs makes the cluster's certificate authorities and puts their
// certificates in the request, as the Manager does before a create.
func (b *builder) withCAs(ctx context.Context, req *driver.Request) error {
	c := req.Cluster
	if _, err := b.certs.Create(ctx, certs.Cluster{UUID: c.UUID, Name: c.Name, ProjectID: c.ProjectID, UserID: c.UserID,
		TrusteeUserID: req.Nodes.Trustee.UserID}); err != nil {
		return fmt.Errorf("certificates of cluster %s: %w", c.UUID, err)
	}
	pems := map[string][]byte{}
	for _, ct := range certs.CATypes() {
		ca, err := b.certs.CA(ctx, c.UUID, ct)
		if err != nil {
			return fmt.Errorf("CA %s of cluster %s: %w", ct, c.UUID, err)
		}
		pems[string(ct)] = certs.CertificatePEM(ca)
	}
	req.Nodes.CACerts = pems
	return nil
}

// clusterName makes a valid cluster name of a case name.
func clusterName(name string) string {
	var sb strings.Builder
	sb.WriteString("dt-")
	for _, r := range strings.ToLower(name) {
		switch {
		case sb.Len() >= 40:
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			sb.WriteRune(r)
		default:
			sb.WriteByte('-')
		}
	}
	return sb.String()
}

// stackName is a stack name that depends only on the cluster, as the
// Manager's does, so a repeated create asks for the same name.
func stackName(c *cluster.Cluster) string {
	id := strings.ReplaceAll(c.UUID, "-", "")
	return c.Name + "-" + id[:12]
}

// cloneRequest copies the request's cluster and groups, so a check can
// change them.
func cloneRequest(req *driver.Request) *driver.Request {
	r := *req
	r.Cluster = req.Cluster.Clone()
	r.NodeGroups = make([]*cluster.NodeGroup, len(req.NodeGroups))
	for i, g := range req.NodeGroups {
		r.NodeGroups[i] = g.Clone()
	}
	r.NodesToRemove = slices.Clone(req.NodesToRemove)
	return &r
}

// worker returns the default worker group of a request built here.
func worker(req *driver.Request) *cluster.NodeGroup {
	for _, g := range req.NodeGroups {
		if g.IsDefault && !g.IsMaster() {
			return g
		}
	}
	return nil
}

// master returns the default master group of a request built here.
func master(req *driver.Request) *cluster.NodeGroup {
	for _, g := range req.NodeGroups {
		if g.IsDefault && g.IsMaster() {
			return g
		}
	}
	return nil
}
